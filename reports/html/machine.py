"""The machine each configuration ran on: its speed against the reference, the CPU sets
its servers and generator were pinned to, and what else used the machine (issue 22).

A capacity or a latency is only comparable across machines with the machine's
speed beside it (``machine.speed``), and only repeatable when servers and
generator did not share a CPU (``machine.cpu_sets``) and nothing else ran
(``noise``). Older results without these keys show "-".
"""

from __future__ import annotations

from collections.abc import Sequence

from loadtests.model.results import ResultsDoc
from reports.configs import ConfigRuns
from reports.html.templating import Section
from reports.machine_view import cpu_sets_text, speed_text

HEADER = [
    "configuration",
    "speed index (vs reference)",
    "server CPUs",
    "generator CPUs",
    "outside CPU % of a core (mean, max)",
    "steal %",
]


def _noise(doc: ResultsDoc) -> tuple[str, str]:
    noise = doc.get("noise")
    if not noise:
        return "-", "-"
    return (
        f"{noise['outside_cpu_percent_mean']:.1f}, {noise['outside_cpu_percent_max']:.0f}",
        f"{noise['steal_percent_mean']:.1f}",
    )


def rows(configs: Sequence[ConfigRuns]) -> list[list[str]]:
    """One row per repeat of each configuration."""
    found = []
    for config in configs:
        for repeat, doc in enumerate(config.docs):
            label = config.label + (f" #{repeat}" if len(config.docs) > 1 else "")
            outside, steal = _noise(doc)
            found.append(
                [
                    label,
                    speed_text(doc["machine"].get("speed")),
                    cpu_sets_text(doc, "servers"),
                    cpu_sets_text(doc, "generator"),
                    outside,
                    steal,
                ]
            )
    return found


def section(configs: Sequence[ConfigRuns]) -> Section:
    return Section("machine.html", {"header": HEADER, "rows": rows(configs)})
