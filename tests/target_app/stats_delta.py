"""What a node's ``/stats`` counters did between two moments of a test.

Tests share nodes, so they assert on differences, never on absolute counts.
"""

from __future__ import annotations

from typing import Any, Protocol


class Node(Protocol):
    def stats(self) -> dict[str, Any]: ...


class StatsDelta:
    """``delta("protocol_errors", "bad_frame")``: the change since construction."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.before = node.stats()

    def now(self) -> dict[str, Any]:
        return self.node.stats()

    def delta(self, section: str, key: str | None = None) -> int:
        after = self.node.stats()
        if key is None:
            return int(after[section]) - int(self.before[section])
        return int(after[section].get(key, 0)) - int(self.before[section].get(key, 0))

    def deltas(self, section: str) -> dict[str, int]:
        """Every key of ``section`` that changed, with its change."""
        after = self.node.stats()[section]
        changed = {k: after[k] - self.before[section].get(k, 0) for k in after}
        return {k: v for k, v in changed.items() if v}
