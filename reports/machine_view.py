"""What a results document says about its machine, as text: the speed index against the
reference machine (``machine.speed``) and the CPU sets (``machine.cpu_sets``), issue 22.
Used by the terminal summary and the HTML page alike; older results show "-".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reports.configs import ConfigRuns


def speed_text(speed: dict[str, Any] | None) -> str:
    """``0.94x (0.90-0.97)`` or "-"."""
    if not speed:
        return "-"
    return f"{speed['index']:.2f}x ({speed['index_low']:.2f}-{speed['index_high']:.2f})"


def cpu_sets_text(doc: dict[str, Any], role: str) -> str:
    sets = doc.get("machine", {}).get("cpu_sets")
    if not sets:
        return "-"
    text = ",".join(str(c) for c in sets[role]) if sets.get("pinned") else "any"
    return text + (" (shared)" if sets.get("shared") else "")


def text_lines(configs: Sequence[ConfigRuns]) -> list[str]:
    """The terminal's lines: each configuration's machine speed and CPU sets ([] if none)."""
    lines = []
    for config in configs:
        for repeat, doc in enumerate(config.docs):
            speed = doc.get("machine", {}).get("speed")
            if not speed and not doc.get("machine", {}).get("cpu_sets"):
                continue
            label = config.label + (f" #{repeat}" if len(config.docs) > 1 else "")
            servers, generator = cpu_sets_text(doc, "servers"), cpu_sets_text(doc, "generator")
            lines.append(
                f"machine {label}: speed {speed_text(speed)} the reference; "
                f"CPUs servers {servers}, generator {generator}"
            )
    return lines
