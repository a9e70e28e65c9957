"""The one line a report opens with: flags, loss, counts, whether changes were tested, the gate.

The same words head the HTML page and the terminal summary. The gate's
verdict is read from the folder's ``gate.json`` (written by ``roombench gate``
and ``python -m reports gate``) when there is one; the line never judges
timing itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reports.configs import ConfigRuns
from reports.table import SummaryTable
from reports.verdict import KIND, GateDoc

GATE_FILE = "gate.json"


@dataclass(frozen=True)
class VerdictLine:
    """The verdict's parts; ``alarm`` is True when something is wrong (flags or loss)."""

    parts: list[str]
    alarm: bool

    @property
    def text(self) -> str:
        return "; ".join(self.parts)


def read_gate(folder: Path | None) -> GateDoc | None:
    """The gate verdict stored in ``folder``, or None when there is none (or it is unreadable)."""
    if folder is None:
        return None
    try:
        doc: GateDoc = json.loads((folder / GATE_FILE).read_text())  # checked below
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("kind") == KIND else None


def _gate_part(gate: GateDoc | None) -> str:
    if gate is None:
        return "gate: not run on this folder"
    outcome = str(gate.get("outcome", "?"))
    return f"gate: {outcome} (exit {gate.get('exit_code', '?')})"


def _count(value: int) -> str:
    return f"{value:,}"


def verdict_line(
    configs: Sequence[ConfigRuns], table: SummaryTable | None, gate: GateDoc | None
) -> VerdictLine:
    """Flags, loss, counts, the statistics note and the gate, as one line."""
    flags = sorted({flag for c in configs for _repeat, flag, _why in c.flags()})
    sent = sum(c.counter("sent") for c in configs)
    expected = sum(c.counter("expected") for c in configs)
    delivered = sum(c.counter("delivered") for c in configs)
    lost = sum(c.counter("lost") for c in configs)
    parts = [f"flags: {', '.join(flags)}" if flags else "no flags"]
    share = f" ({lost / expected:.2%} of expected)" if lost and expected else ""
    parts.append(
        f"{_count(sent)} messages sent, {_count(expected)} deliveries expected, "
        f"{_count(delivered)} delivered, {_count(lost)} lost{share}"
    )
    if table is not None and len(table.rows) > 1:
        parts.append(table.test_note())
    parts.append(_gate_part(gate))
    return VerdictLine(parts, bool(flags) or lost > 0)
