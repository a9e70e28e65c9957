"""What fails a candidate whatever its timing, and what makes its timing unjudgeable.

Fast and wrong is not a pass, so these come before any statistics:

* **Counters.** Without injected drops any lost, leaked or duplicated delivery
  fails. With ``inject_drop_rate`` r the lost count of N expected deliveries
  is Binomial(N, r): loss passes only inside its central ``loss_coverage``
  (99.9 %); leaks and duplicates still fail (dropping cannot cause them).
* **Runs.** A candidate run that failed (the manifest records an error), is
  ``incomplete``, or a configuration missing from the candidate fails. So do
  ``node_died``, ``redis_died`` and ``connections_dropped`` unless the run
  planned fault events (its ``events`` list is not empty).
* **Comparability.** ``generator_starved``, ``generator_saturated``,
  ``server_saturated`` or ``noisy_machine`` (CPU outside the run, or steal, above
  the watcher's threshold: loadtests/measure/machine_noise.py) on either side, a
  broken baseline run, or scenarios that differ make the timing inconclusive (exit 3),
  never a regression.

Flags are read generically from each run's ``flags`` mapping: a flag named
here has its rule, any other is shown as a note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from loadtests.gate.binomial import loss_bounds
from loadtests.model.json_object import JsonObject
from loadtests.model.results import ResultsDoc
from reports.configs import ConfigRuns
from reports.loading import InputError
from reports.rules import GateRules
from reports.verdict import FAIL, PASS, Check

FAILS_ALWAYS = ("incomplete",)
FAILS_UNLESS_PLANNED = ("node_died", "redis_died", "connections_dropped")
# A run that was saturated, starved, disturbed by other work on the machine, or
# deliberately abused ([config.abuse]) cannot speak for the server's timing.
TIMING_UNJUDGEABLE = (
    "generator_starved",
    "generator_saturated",
    "server_saturated",
    "noisy_machine",
    "abuse",
)
# Set by the runner whenever a configuration injects faults: the counters rule covers it.
EXPECTED_FLAGS = ("faults_injected",)


@dataclass(frozen=True)
class RunRecord:
    """One planned run from a manifest (``run.json``): configuration, repeat, error if any."""

    config: str
    repeat: int
    error: str | None


def manifest_records(doc: Mapping[str, Any]) -> list[RunRecord]:
    """The runs a ``run.json`` manifest lists (an older manifest without outcomes lists none)."""
    return [
        RunRecord(str(o["config"]), int(o.get("repeat", 0)), o.get("error"))
        for o in doc.get("outcomes", [])
        if isinstance(o, Mapping) and "config" in o
    ]


def _inject_drop_rate(config: JsonObject) -> float:
    """``config.faults.inject_drop_rate`` (0 when the server ran without it)."""
    faults = config.get("faults")
    rate = faults.get("inject_drop_rate") if isinstance(faults, dict) else None
    return float(rate) if isinstance(rate, int | float) and rate else 0.0


def _drop_rate(config: ConfigRuns) -> float:
    rates = {_inject_drop_rate(d["config"]) for d in config.docs}
    if len(rates) != 1:
        raise InputError(
            f"{config.config_name}: its repeats injected different drop rates "
            f"({', '.join(map(str, sorted(rates)))}); allowed: one rate per configuration"
        )
    return rates.pop()


def _fail(cand: ConfigRuns, metric: str, rule: str, reason: str, value: float | None) -> Check:
    return Check(
        metric=metric,
        subject=cand.config_name,
        unit="count",
        verdict=FAIL,
        reason=reason,
        rule=rule,
        cand=value,
    )


def counters(cand: ConfigRuns, rules: GateRules) -> list[Check]:
    """One passing "correctness" line, or one failing line per counter that broke its rule."""
    failures = []
    passed = []
    drop = _drop_rate(cand)
    for counter in rules.fail_on_counters:
        value = cand.counter(counter)
        if counter == "lost" and drop > 0:
            expected = cand.counter("expected")
            low, high = loss_bounds(expected, drop, rules.loss_coverage)
            bounds = (
                f"{low}..{high} lost expected of {expected} at drop rate {drop:g} "
                f"(binomial, central {rules.loss_coverage:.1%})"
            )
            if low <= value <= high:
                passed.append(f"{value} lost: inside {bounds}")
                continue
            failures.append(
                _fail(
                    cand,
                    counter,
                    "loss outside the binomial bounds",
                    f"{value} lost: outside {bounds}",
                    float(value),
                )
            )
        elif value:
            faults = "no fault injected" if drop == 0 else f"drop rate {drop:g} cannot cause it"
            failures.append(
                _fail(
                    cand,
                    counter,
                    f"any {counter} delivery fails",
                    f"{value} {counter} deliveries in the candidate ({faults})",
                    float(value),
                )
            )
    if failures:
        return failures
    reason = "; ".join(
        passed + [f"no {c} deliveries" for c in rules.fail_on_counters if c != "lost" or drop == 0]
    )
    return [
        Check(
            metric="correctness",
            subject=cand.config_name,
            unit="count",
            verdict=PASS,
            reason=reason,
            rule="counters",
        )
    ]


def _planned_events(doc: ResultsDoc) -> bool:
    events = doc.get("events")
    return isinstance(events, list) and len(events) > 0


def run_failures(cand: ConfigRuns, records: Sequence[RunRecord]) -> list[Check]:
    """Failing lines for the candidate's failed runs and its unplanned incidents."""
    checks = [
        _fail(
            cand,
            "run",
            "a failed candidate run fails",
            f"repeat {r.repeat} failed: {(r.error or '').splitlines()[0][:200]}",
            None,
        )
        for r in records
        if r.config == cand.config_name and r.error
    ]
    for doc in cand.docs:
        flags = doc.get("flags") or {}
        for flag in FAILS_ALWAYS:
            if flag in flags:
                checks.append(
                    _fail(
                        cand, flag, f"{flag} fails", f"repeat {doc['repeat']}: {flags[flag]}", None
                    )
                )
        for flag in FAILS_UNLESS_PLANNED:
            if flag in flags and not _planned_events(doc):
                checks.append(
                    _fail(
                        cand,
                        flag,
                        f"{flag} without a planned fault event fails",
                        f"repeat {doc['repeat']}: {flags[flag]} (no planned fault event)",
                        None,
                    )
                )
    return checks


def blockers(base: ConfigRuns, cand: ConfigRuns) -> list[str]:
    """Why this pair's timing cannot be judged (empty when it can)."""
    reasons = []
    for side, config in (("baseline", base), ("candidate", cand)):
        for doc in config.docs:
            flags = doc.get("flags") or {}
            unjudgeable = list(TIMING_UNJUDGEABLE)
            if side == "baseline":
                # A broken baseline run cannot vouch for anything; the candidate's own
                # breakage already failed above.
                unjudgeable += list(FAILS_ALWAYS)
                if not _planned_events(doc):
                    unjudgeable += list(FAILS_UNLESS_PLANNED)
            for flag in unjudgeable:
                if flag in flags:
                    reasons.append(
                        f"{config.config_name}: {flag} in the {side} (repeat {doc['repeat']}): "
                        f"{flags[flag]}"
                    )
    base_scenario, cand_scenario = base.first["scenario"], cand.first["scenario"]
    if base_scenario != cand_scenario:
        keys = sorted(
            k
            for k in set(base_scenario) | set(cand_scenario)
            if base_scenario.get(k) != cand_scenario.get(k)
        )
        reasons.append(
            f"{cand.config_name}: scenarios differ in {', '.join(keys)}: "
            "the runs measured different loads"
        )
    return reasons


def flag_notes(config: ConfigRuns, side: str) -> list[str]:
    """Notes for flags no rule judged, so nothing a run says goes unseen.

    That is any flag no rule names, and an incident a planned fault event explains.
    """
    notes = []
    for doc in config.docs:
        for flag, why in sorted((doc.get("flags") or {}).items()):
            planned = flag in FAILS_UNLESS_PLANNED and _planned_events(doc)
            named = flag in FAILS_ALWAYS + FAILS_UNLESS_PLANNED + TIMING_UNJUDGEABLE
            if planned or not (named or flag in EXPECTED_FLAGS):
                extra = " (a planned fault event explains it)" if planned else ""
                notes.append(
                    f"{config.config_name} ({side}, repeat {doc['repeat']}): {flag}: {why}{extra}"
                )
    return notes
