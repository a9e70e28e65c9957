"""One configuration's repeats, pooled: the unit every table row and gate check compares.

Repeats of a configuration are files with the same ``config_name`` (and run)
and different ``repeat``. Pooling adds their HDR histograms and sums their
counters; the per-repeat documents stay available, because a test over
repeats needs one value per repeat.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

from loadtests.model.results import ResourceSeries, ResultsDoc
from reports import hdr_view


@dataclass
class ConfigRuns:
    """The repeats of one configuration, sorted by ``repeat``."""

    label: str
    config_name: str
    docs: list[ResultsDoc]
    _histograms: dict[str, HdrHistogram] = field(default_factory=dict, repr=False)

    @property
    def first(self) -> ResultsDoc:
        return self.docs[0]

    @property
    def repeats(self) -> int:
        return len(self.docs)

    def histogram(self, name: str) -> HdrHistogram:
        """The merged histogram of latency ``name`` (fanout, self, connect, join, schedule_lag)."""
        if name not in self._histograms:
            self._histograms[name] = hdr_view.merge(
                by_name(d["latency"])[name]["hdr"] for d in self.docs
            )
        return self._histograms[name]

    def counter(self, key: str) -> int:
        return sum(int(by_name(d["counters"])[key]) for d in self.docs)

    def window_s(self) -> float:
        """Seconds of measurement window over all repeats."""
        return sum(float(d["window"]["duration_s"]) for d in self.docs)

    def flags(self) -> list[tuple[int, str, str]]:
        """(repeat, flag, why) for every flag set in any repeat."""
        return [
            (int(d["repeat"]), key, str(reason))
            for d in self.docs
            for key, reason in sorted(d.get("flags", {}).items())
        ]

    def window_column(self, column: str) -> list[float]:
        """Per-second values of a timeseries column inside the window, over all repeats.

        Seconds with no value (null: no message sent that second) are left out.
        """
        values: list[float] = []
        for doc in self.docs:
            series = by_name(doc["timeseries"])
            for phase, value in zip(series["phase"], series[column], strict=False):
                if phase == "window" and value is not None:
                    values.append(float(value))
        return values

    def resources(self, role: str) -> list[tuple[ResultsDoc, ResourceSeries]]:
        """(document, resource entry) for every process of ``role`` in every repeat."""
        return [(d, r) for d in self.docs for r in d.get("resources", []) if r.get("role") == role]

    def resource_window_samples(self, role: str, column: str) -> list[float]:
        """Per-second samples of ``column`` for processes of ``role``, inside the window."""
        values: list[float] = []
        for doc, res in self.resources(role):
            duration_s = float(doc["window"]["duration_s"])
            columns = by_name(res)
            for t, value in zip(res.get("t_s", []), columns.get(column, []), strict=False):
                if 0 <= t < duration_s and value is not None:
                    values.append(float(value))
        return values


def by_name(section: Mapping[str, Any]) -> Mapping[str, Any]:
    """A section read by a key the caller names at run time (a metric's column, a counter):
    a TypedDict only answers literal keys."""
    return section


def group_configs(docs: Sequence[ResultsDoc], by_run: bool = True) -> list[ConfigRuns]:
    """Group results documents into configurations, in the order they were run.

    With ``by_run`` the same configuration from two runs stays two entries
    (labelled ``name (run_id)``), so a report can put runs side by side; the
    gate passes False, pooling whatever it was given per side.
    """
    groups: dict[tuple[str, str], list[ResultsDoc]] = {}
    for doc in docs:
        key = (str(doc["run_id"]) if by_run else "", str(doc["config_name"]))
        groups.setdefault(key, []).append(doc)
    names = [name for _, name in groups]
    configs = []
    for (run_id, name), members in groups.items():
        label = name if names.count(name) == 1 else f"{name} ({run_id})"
        members.sort(key=lambda d: int(d["repeat"]))
        configs.append(ConfigRuns(label, name, members))
    # Chronological (stable for ties), so "the first configuration" is the one
    # the matrix ran first: usually the reference the scenario lists first.
    configs.sort(key=lambda c: min(int(d["window"]["start_ns"]) for d in c.docs))
    return configs


def find_config(configs: Sequence[ConfigRuns], name: str) -> ConfigRuns:
    """The configuration labelled (or, when unambiguous, named) ``name``."""
    for config in configs:
        if config.label == name:
            return config
    named = [c for c in configs if c.config_name == name]
    if len(named) == 1:
        return named[0]
    known = ", ".join(c.label for c in configs) or "none"
    if named:
        raise KeyError(f"configuration {name!r} is in several runs: use one of {known}")
    raise KeyError(f"no configuration {name!r} in the results: known are {known}")
