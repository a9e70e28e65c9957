"""Service-level objectives for the capacity search: ``"fanout_p99<=10ms,lost=0"``.

An SLO is a list of terms ``METRIC OP VALUE[UNIT]``, all of which a step must
meet. Latency metrics (``fanout_p50`` … ``fanout_p99_9``, ``self_p99``,
``connect_p99``, ``join_p99``) take ``us``, ``ms`` or ``s`` (default µs) and
compare against the step's HDR summary; counter metrics (``lost``, ``leaked``,
``duplicated``, ``errors``) compare against the step's counters.

    >>> parse_slo("fanout_p99<=10ms,lost=0")[0]
    Term(metric='fanout_p99', op='<=', limit=10000.0, unit='us')
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from loadtests.model import strict

DEFAULT_SLO = "fanout_p99<=10ms,lost=0"
LATENCY_METRICS = {
    f"{kind}_{pct}": (kind, pct)
    for kind in ("fanout", "self", "connect", "join")
    for pct in ("p50", "p90", "p99", "p99_9")
}
COUNTER_METRICS = ("lost", "leaked", "duplicated", "errors")
OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    "=": operator.eq,
    "==": operator.eq,
}
UNITS_US = {"us": 1.0, "µs": 1.0, "ms": 1000.0, "s": 1_000_000.0}
_TERM = re.compile(r"^\s*([a-z0-9_]+)\s*(<=|==|<|=)\s*([0-9.]+)\s*([a-zµ]*)\s*$")


class SloError(strict.InputError):
    """An SLO that does not parse; the message names the term and what is allowed."""


@dataclass(frozen=True)
class Term:
    """One objective: ``metric op limit`` (latencies in µs)."""

    metric: str
    op: str
    limit: float
    unit: str = ""

    def value_in(self, doc: Mapping[str, Any]) -> float:
        """This term's metric in a results document."""
        if self.metric in LATENCY_METRICS:
            kind, pct = LATENCY_METRICS[self.metric]
            return float(doc["latency"][kind][pct])
        return float(doc["counters"][self.metric])

    def met_by(self, doc: Mapping[str, Any]) -> bool:
        return OPS[self.op](self.value_in(doc), self.limit)

    def describe(self) -> str:
        if self.unit:
            return f"{self.metric} {self.op} {self.limit / UNITS_US['ms']:g} ms"
        return f"{self.metric} {self.op} {self.limit:g}"


def parse_slo(text: str) -> list[Term]:
    """Parse ``text``; SloError names the first term that does not parse."""
    terms = []
    for raw in [part for part in text.split(",") if part.strip()]:
        match = _TERM.match(raw)
        if match is None:
            strict.fail(
                f"--slo {raw.strip()!r}",
                "not METRIC OP VALUE[UNIT]",
                "e.g. fanout_p99<=10ms,lost=0",
                SloError,
            )
        metric, op, number, unit = match.groups()
        if metric in LATENCY_METRICS:
            if unit and unit not in UNITS_US:
                strict.fail(f"--slo {metric}", f"unknown unit {unit!r}", "us, ms, s", SloError)
            terms.append(Term(metric, op, float(number) * UNITS_US[unit or "us"], "us"))
        elif metric in COUNTER_METRICS:
            if unit:
                strict.fail(
                    f"--slo {metric}", f"a count takes no unit ({unit!r})", "a number", SloError
                )
            terms.append(Term(metric, op, float(number)))
        else:
            strict.fail(
                f"--slo {metric}",
                f"unknown metric {metric!r}",
                ", ".join([*LATENCY_METRICS, *COUNTER_METRICS]),
                SloError,
            )
    if not terms:
        strict.fail("--slo", "no terms", "e.g. fanout_p99<=10ms,lost=0", SloError)
    return terms


def latency_limit_us(terms: list[Term]) -> float | None:
    """The tightest fan-out latency limit of the SLO (what schedule lag is held to)."""
    limits = [t.limit for t in terms if t.metric.startswith("fanout_")]
    return min(limits) if limits else None
