"""The gate proves itself on real short runs against the reference server.

Bounded and small (40 users, 5 s windows, about 16 runs in all):

* an A/A gate as ``make gate GATE_ARGS=--adaptive`` runs it (``roombench
  gate --adaptive``: base and candidate identical, 5 repeats a side interleaved ABBA,
  2 more a side at each look that cannot decide, up to 13) exits 0. It never
  exits 1. On a machine so noisy that even 13 repeats a side leave fan-out p50's
  interval wider than its ±25 % margin, exit 3 is the honest answer, and the test
  accepts it only then: at the last look, with width as the only reason;
* 5 repeats whose server delays every room delivery by 5 ms, judged against
  that gate's base runs, exit 1 naming fan-out latency;
* a run dropping 1 % of deliveries passes the loss rule (its loss lies inside the
  binomial bounds of the injected rate), and the same run with its fault
  record removed fails on loss: the gate sees loss the faults do not explain;
* the delayed runs flagged ``generator_saturated`` give 3 (inconclusive), not 1.

Changed by issue 12: one run a side no longer decides (the A/A and delayed
comparisons use 5 repeats a side), and injected loss passes inside its bounds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.marked import MARKER_ENV, kill_marked

REPO = Path(__file__).resolve().parents[3]

# The shared fixture runs the whole A/A gate: 10 runs of about 10 s when the first look
# decides, up to 26 when it takes all five, plus 6 fault runs; that can pass the suite's
# 300-s default (seen in CI), so this module gets the fixture's worst case.
pytestmark = pytest.mark.timeout(900)

LOAD = """
[load]
users = 40
rooms = 4
senders = 40
rate_per_sender_per_s = 2.0
warmup_s = 1.0
window_s = 5.0
drain_s = 1.0
"""
# The gate's error rates were measured, and its margins set, with servers and generator
# unpinned; the pool has not been re-measured with CPU sets (issue 22, part 6), and with
# the generator's master and worker on one of 2 CPUs a fault run was flagged
# generator_saturated in CI (2026-12-07): the self-proof keeps the conditions it proves.
UNPINNED = 'cpu_sets = "off"'
AA_SCENARIO = f"""
name = "gate-selfproof"
repeat = 5
{UNPINNED}
{LOAD}
[[config]]
name = "base"

[[config]]
name = "candidate"
"""
AA_MAX_REPEATS = 13  # looks at 5, 7, 9, 11 and 13 repeats a side
FAULT_SCENARIO = f"""
name = "gate-selfproof"
{UNPINNED}
{LOAD}
[[config]]
name = "delayed"
inject_delay_ms = 5.0

[[config]]
name = "dropping"
inject_drop_rate = 0.01
"""


def _python(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run roombench; if it does not end (its timeout, or the test's), kill all it started.

    Its nodes and Locust sit in process groups of their own, so killing the
    roombench process alone would orphan them: they carry a marker instead.
    """
    marker = uuid.uuid4().hex
    try:
        return subprocess.run(
            [sys.executable, *args],
            cwd=REPO,
            env={**os.environ, MARKER_ENV: marker},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except BaseException:
        kill_marked(marker)
        raise


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("gate-selfproof")
    (root / "aa.toml").write_text(AA_SCENARIO)
    (root / "faults.toml").write_text(FAULT_SCENARIO)
    aa = _python(
        "-m", "loadtests.cli", "gate", str(root / "aa.toml"), "--out", str(root / "aa"),
        "--no-summary", "--adaptive", "--max-repeats", str(AA_MAX_REPEATS), timeout=1200,
    )  # fmt: skip
    faults = root / "faults"
    for config, repeat in (("delayed", "5"), ("dropping", "1")):
        done = _python(
            "-m", "loadtests.cli", "run", str(root / "faults.toml"), "--only", config,
            "--repeat", repeat, "--out", str(faults / config), "--no-summary", timeout=400,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    return {"root": root, "aa": aa, "aa_dir": root / "aa", "faults": faults}


def _gate(base: list[Path], candidate: list[Path], tmp_path: Path) -> tuple[int, str, dict]:
    verdict_path = tmp_path / "verdict.json"
    done = _python(
        "-m", "loadtests.cli", "gate", "--baseline", *map(str, base), "--candidate",
        *map(str, candidate), "--json-out", str(verdict_path), timeout=60,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr, json.loads(verdict_path.read_text())


def _failing(verdict: dict[str, Any]) -> set[str]:
    return {c["metric"] for c in verdict["checks"] if c["verdict"] in ("fail", "regression")}


def _base_files(runs: dict[str, Any]) -> list[Path]:
    return sorted(runs["aa_dir"].glob("base.*.json"))


@pytest.mark.slow
def test_an_a_a_gate_run_as_make_gate_does_passes(runs: dict[str, Any]) -> None:
    aa = runs["aa"]
    output = aa.stdout + aa.stderr
    assert aa.returncode in (0, 3), output
    verdict = json.loads((runs["aa_dir"] / "gate.json").read_text())
    assert verdict["looks"] == 5  # 5, 7, 9, 11, 13 a side: alpha split over five looks
    manifest = json.loads((runs["aa_dir"] / "run.json").read_text())
    # ABBA: base candidate candidate base base candidate ...
    order = "".join(o["config"][0] for o in manifest["outcomes"])
    a_side = len(order) // 2
    assert a_side in (5, 7, 9, 11, 13) and order == ("bccb" * 7)[: 2 * a_side], order
    p50 = next(c for c in verdict["checks"] if c["metric"] == "fanout_p50")
    assert p50["samples"] == f"{a_side} vs {a_side} repeats"
    assert all(c["outcome"] != "different" for c in verdict["checks"]), output
    if aa.returncode == 3:
        # Only an interval too wide at the last look: no flag, no failed run.
        assert a_side == AA_MAX_REPEATS, output
        assert verdict["outcome"] == "inconclusive", output
        undecided = [c for c in verdict["checks"] if c["verdict"] == "inconclusive"]
        assert undecided and all(c["outcome"] == "unknown" for c in undecided), output
        correctness = next(c for c in verdict["checks"] if c["metric"] == "correctness")
        assert correctness["verdict"] == "pass", output
        assert verdict["reasons"] and all("not inside" in r for r in verdict["reasons"]), output
        print(f"A/A inconclusive at {a_side} repeats a side: this machine is noisy\n{output}")
        return
    assert verdict["outcome"] == "pass"
    assert p50["outcome"] == "same"


@pytest.mark.slow
def test_a_5_ms_slower_candidate_is_a_fanout_regression(
    runs: dict[str, Any], tmp_path: Path
) -> None:
    delayed = sorted((runs["faults"] / "delayed").glob("delayed.*.json"))
    assert len(delayed) == 5
    code, output, verdict = _gate(_base_files(runs), delayed, tmp_path)
    assert code == 1, output
    assert "fanout_p50" in _failing(verdict), output
    p50 = next(c for c in verdict["checks"] if c["metric"] == "fanout_p50")
    assert p50["outcome"] == "different" and p50["ci_low_pct"] > 20
    print(output)  # the table, for the record (pytest -s)


@pytest.mark.slow
def test_injected_loss_passes_inside_its_bounds_and_unexplained_loss_fails(
    runs: dict[str, Any], tmp_path: Path
) -> None:
    [dropping] = sorted((runs["faults"] / "dropping").glob("dropping*.json"))
    doc = json.loads(dropping.read_text())
    assert doc["counters"]["lost"] > 0
    code, output, verdict = _gate(_base_files(runs), [dropping], tmp_path)
    assert "lost" not in _failing(verdict), output
    assert "inside" in next(c["reason"] for c in verdict["checks"] if c["metric"] == "correctness")
    doc["config"]["faults"]["inject_drop_rate"] = 0.0
    unexplained = tmp_path / "dropping-unexplained.json"
    unexplained.write_text(json.dumps(doc))
    code, output, verdict = _gate(_base_files(runs), [unexplained], tmp_path)
    assert code == 1, output
    assert "lost" in _failing(verdict), output


@pytest.mark.slow
def test_a_saturated_generator_is_inconclusive_not_a_regression(
    runs: dict[str, Any], tmp_path: Path
) -> None:
    flagged = []
    for path in sorted((runs["faults"] / "delayed").glob("delayed.*.json")):
        doc = json.loads(path.read_text())
        doc["flags"]["generator_saturated"] = "worker-0 above 90 % CPU for 40 % of the window"
        flagged.append(tmp_path / path.name)
        flagged[-1].write_text(json.dumps(doc))
    code, output, verdict = _gate(_base_files(runs), flagged, tmp_path)
    assert code == 3, output
    assert verdict["outcome"] == "inconclusive"
    assert "generator_saturated" in output
