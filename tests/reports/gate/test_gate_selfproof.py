"""The gate proves itself on real short runs against the reference server.

One bounded run of five configurations (three identical, one with every room
delivery delayed 5 ms, one dropping 1 % of deliveries), then the gate's CLI on
pairs of them, exactly as a user calls it:

* A against A' and A'' (separate runs of one configuration) passes: no false alarm;
* A against the delayed run fails (exit 1) and names fan-out latency;
* A against the dropping run fails (exit 1) on loss;
* the delayed run flagged ``generator_saturated`` gives 3 (inconclusive), not 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]

SCENARIO = """
name = "gate-selfproof"

[load]
users = 40
rooms = 4
senders = 40
rate_per_sender_per_s = 2.0
warmup_s = 2.0
window_s = 10.0
drain_s = 1.0

[[config]]
name = "a"

[[config]]
name = "a-prime"

[[config]]
name = "a-second"

[[config]]
name = "delayed"
inject_delay_ms = 5.0

[[config]]
name = "dropping"
inject_drop_rate = 0.01
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("gate-selfproof")
    (root / "scenario.toml").write_text(SCENARIO)
    out = root / "run"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "loadtests",
            "run",
            str(root / "scenario.toml"),
            "--out",
            str(out),
            "--no-summary",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def _gate(base: Path, candidate: Path, tmp_path: Path) -> tuple[int, str, dict[str, Any]]:
    verdict_path = tmp_path / "verdict.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reports",
            "gate",
            "--baseline",
            str(base),
            "--candidate",
            str(candidate),
            "--json-out",
            str(verdict_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout + done.stderr, json.loads(verdict_path.read_text())


def _failing(verdict: dict[str, Any]) -> set[str]:
    return {c["metric"] for c in verdict["checks"] if c["verdict"] in ("fail", "regression")}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("base", "candidate"), [("a", "a-prime"), ("a", "a-second"), ("a-prime", "a-second")]
)
def test_same_configuration_passes(runs: Path, tmp_path: Path, base: str, candidate: str) -> None:
    code, output, verdict = _gate(runs / f"{base}.json", runs / f"{candidate}.json", tmp_path)
    assert code == 0, output
    assert verdict["outcome"] == "pass"


@pytest.mark.slow
def test_injected_delay_is_a_fanout_latency_regression(runs: Path, tmp_path: Path) -> None:
    code, output, verdict = _gate(runs / "a.json", runs / "delayed.json", tmp_path)
    assert code == 1, output
    assert {"fanout_p50", "fanout_p99"} <= _failing(verdict), output
    assert "fanout_p50" in output
    print(output)  # the table, for the record (pytest -s)


@pytest.mark.slow
def test_injected_drops_fail_on_loss(runs: Path, tmp_path: Path) -> None:
    dropping = json.loads((runs / "dropping.json").read_text())
    assert dropping["counters"]["lost"] > 0
    code, output, verdict = _gate(runs / "a.json", runs / "dropping.json", tmp_path)
    assert code == 1, output
    assert "lost" in _failing(verdict), output


@pytest.mark.slow
def test_a_saturated_generator_is_inconclusive_not_a_regression(runs: Path, tmp_path: Path) -> None:
    doc = json.loads((runs / "delayed.json").read_text())
    doc["flags"]["generator_saturated"] = "worker-0 above 90 % CPU for 40 % of the window"
    flagged = tmp_path / "delayed-saturated.json"
    flagged.write_text(json.dumps(doc))
    code, output, verdict = _gate(runs / "a.json", flagged, tmp_path)
    assert code == 3, output
    assert verdict["outcome"] == "inconclusive"
    assert "generator_saturated" in output
