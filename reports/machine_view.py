"""What a results document says about its machine, as text: the speed index against the
reference machine (``machine.speed``) and the CPU sets (``machine.cpu_sets``), issue 22.
Used by the terminal summary and the HTML page alike; older results show "-".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from loadtests.model.machine import MachineSpeed
from loadtests.model.results import ResultsDoc
from reports.configs import ConfigRuns


def speed_text(speed: MachineSpeed | None) -> str:
    """``0.94x (0.90-0.97)`` or "-"."""
    if not speed:
        return "-"
    return f"{speed['index']:.2f}x ({speed['index_low']:.2f}-{speed['index_high']:.2f})"


def cpu_sets_text(doc: ResultsDoc, role: Literal["servers", "generator"]) -> str:
    sets = doc["machine"].get("cpu_sets")
    if not sets:
        return "-"
    text = ",".join(str(c) for c in sets[role]) if sets.get("pinned") else "any"
    return text + (" (shared)" if sets.get("shared") else "")


def text_lines(configs: Sequence[ConfigRuns]) -> list[str]:
    """The terminal's lines: each configuration's machine speed and CPU sets ([] if none)."""
    lines = []
    for config in configs:
        for repeat, doc in enumerate(config.docs):
            speed = doc["machine"].get("speed")
            if not speed and not doc["machine"].get("cpu_sets"):
                continue
            label = config.label + (f" #{repeat}" if len(config.docs) > 1 else "")
            servers, generator = cpu_sets_text(doc, "servers"), cpu_sets_text(doc, "generator")
            lines.append(
                f"machine {label}: speed {speed_text(speed)} the reference; "
                f"CPUs servers {servers}, generator {generator}"
            )
    return lines
