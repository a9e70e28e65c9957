"""Who is who: global user indexes, and each user's node, rooms and sender role.

Rooms are balanced only if every user, in every Locust worker process, gets a
distinct index in ``0..users-1``. Locust's dispatcher hands users to workers
round-robin in a fixed worker order (sorted by index-within-host, then id:
``UsersDispatcher._sort_workers``), and each dispatch continues the same cycle.
So the worker at position ``rank`` of that order receives global users
``rank, rank + W, rank + 2W, ...`` and its ``i``-th spawned user is global
user ``i * W + rank``. The master computes every worker's rank when the test
starts (before it sends any spawn message) and tells each worker its
``(rank, W)``; a worker numbers its users locally in spawn order. With one
process (LocalRunner) rank = 0 and W = 1.

From the global index ``g`` (all pure, so the tests pin the arithmetic):
room ``g % rooms`` (plus the next ``rooms_per_user - 1``), node
``(g // rooms) % nodes`` so that consecutive members of one room sit on
different nodes and rooms span nodes, and user ``g`` sends when ``g < senders``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class WorkerSlot:
    """A worker's place in the dispatcher's round-robin: ``rank`` of ``workers``."""

    rank: int = 0
    workers: int = 1

    def global_index(self, local_index: int) -> int:
        """The global user index of this worker's ``local_index``-th spawned user."""
        return local_index * self.workers + self.rank


def dispatch_order(worker_ids: Sequence[str]) -> list[str]:
    """Worker ids in the order Locust's UsersDispatcher cycles through them.

    Mirrors ``UsersDispatcher._sort_workers``: ids are ``<host>_<hex>``; sort by
    id, number workers within their host, then sort by (number within host, id).
    """
    per_host: dict[str, int] = defaultdict(int)
    within: dict[str, int] = {}
    for worker_id in sorted(worker_ids):
        host = worker_id.split("_")[0]
        within[worker_id] = per_host[host]
        per_host[host] += 1
    return sorted(worker_ids, key=lambda w: (within[w], w))


def room_name(index: int) -> str:
    return f"room-{index}"


def rooms_of(global_index: int, rooms: int, rooms_per_user: int) -> list[str]:
    """The rooms user ``global_index`` joins: ``rooms_per_user`` consecutive ones."""
    first = global_index % rooms
    return [room_name((first + j) % rooms) for j in range(rooms_per_user)]


def node_of(global_index: int, rooms: int, node_count: int) -> int:
    """Index of the node user ``global_index`` connects to."""
    return (global_index // rooms) % node_count


def is_sender(global_index: int, senders: int) -> bool:
    return global_index < senders
