"""A step's verdict: pass, fail (and the term that failed), or generator-limited.

Order matters. A step where the generator or the machine was the limit
(``generator_saturated``, ``generator_starved``, or schedule lag p99 above
the SLO's latency limit) says nothing about the server, so it is
"generator-limited" whatever else happened. Otherwise the server fails a
step that breaks a term of the SLO, loses or leaks a delivery, saturates
(``server_saturated``), or could not take every user (``incomplete``).

A fan-out term is decided only where the receive stamps cannot change it: a
stamp is never earlier than the arrival, so a measured percentile that meets
the term is a sure pass; ``steps.lowest_true_us`` is the least the true
percentile can be, given the window's receipts that shared a read's stamp. A
miss that the lower bound would meet is measurement-limited
(``GENERATOR_LIMITED``), never a capacity, unless something else fails the
step for sure (another term, a loss, a server flag): a sure failure wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadtests.capacity.search import Outcome
from loadtests.capacity.slo import LATENCY_METRICS, OPS, Term, latency_limit_us
from loadtests.capacity.steps import lowest_true_us

GENERATOR_FLAGS = ("generator_saturated", "generator_starved")
SERVER_FLAGS = ("server_saturated", "incomplete", "node_died", "redis_died")


def evaluate(doc: Mapping[str, Any], terms: list[Term]) -> tuple[Outcome, str]:
    """The outcome of the step whose results document is ``doc``, and why."""
    flags = doc["flags"]
    for flag in GENERATOR_FLAGS:
        if flag in flags:
            return Outcome.GENERATOR_LIMITED, f"{flag}: {flags[flag]}"
    limit_us = latency_limit_us(terms)
    lag = doc["latency"]["schedule_lag"]
    if limit_us is not None and lag["count"] and lag["p99"] > limit_us:
        return (
            Outcome.GENERATOR_LIMITED,
            f"schedule lag p99 {lag['p99'] / 1000:.1f} ms above the SLO's "
            f"{limit_us / 1000:g} ms: the generator fell behind",
        )
    undecided = ""
    for term in terms:
        if term.met_by(doc):
            continue  # measured latencies bound the true ones from above: a sure pass
        value = term.value_in(doc)
        if term.metric in LATENCY_METRICS:
            kind, pct = LATENCY_METRICS[term.metric]
            lowest = lowest_true_us(doc, kind, pct)
            if OPS[term.op](lowest, term.limit):
                # Receipts that shared a read's stamp may be early enough that the
                # true percentile meets the term: this term cannot decide.
                undecided = undecided or (
                    f"{term.describe()} undecided: measured {value:g} µs, but shared "
                    f"receive stamps allow as low as {lowest:g} µs"
                )
                continue
        return Outcome.FAIL, f"{term.describe()} (was {value:g})"
    counters = doc["counters"]
    for name in ("lost", "leaked"):
        if counters[name] > 0:
            return Outcome.FAIL, f"{name} {counters[name]}"
    for flag in SERVER_FLAGS:
        if flag in flags:
            return Outcome.FAIL, f"{flag}: {flags[flag]}"
    if undecided:  # nothing failed for sure; one term could not be decided
        return Outcome.GENERATOR_LIMITED, undecided
    return Outcome.PASS, ""


# A failure the machine may have caused is not the node's (issue 22): the generator on
# the servers' CPUs, or other work on the machine, can only slow a window down.
MACHINE_FLAGS = ("shared_cpus", "noisy_machine")


def machine_limited(doc: Mapping[str, Any], outcome: Outcome, reason: str) -> tuple[Outcome, str]:
    """``outcome`` unless it is a failure on a machine that may have caused it: then the
    step is limited (never a capacity), naming the flag and the failure it hides."""
    if outcome is not Outcome.FAIL:
        return outcome, reason
    for flag in MACHINE_FLAGS:
        if flag in doc["flags"]:
            return (
                Outcome.GENERATOR_LIMITED,
                f"{flag}: {doc['flags'][flag]} (failed: {reason}; not the node's alone)",
            )
    return outcome, reason
