"""The engine.io fan-out benchmark under eventlet (the reference card's default mode).

Not collected with the rest of ``bench/`` (its name does not start with
``test_``): eventlet must monkey-patch the standard library before anything
else is imported, so this module runs in its own pytest process started by
``python -m bench.eventlet_main`` (``python -m bench`` does it after the main
run and merges the results into the same ``bench.json``). Each member's
engine.io queue is then an ``eventlet.queue.Queue``; everything else is
``test_fanout.test_emit_engineio_queues``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bench.delivery import record_fanout
from bench.plan import plan_for
from bench.rooms import Room, engineio_room

ROOM_SIZES = (1, 10, 100, 1000, 10000)


@pytest.fixture(scope="module", params=ROOM_SIZES, ids=lambda n: f"n={n}")
def with_queues(request: pytest.FixtureRequest) -> Iterator[Room]:
    import eventlet.patcher

    assert eventlet.patcher.is_monkey_patched("thread"), "run me with python -m bench.eventlet_main"
    yield engineio_room(request.param, async_mode="eventlet")


@pytest.mark.benchmark(group="fanout-engineio")
def test_emit_engineio_queues_eventlet(benchmark: Any, with_queues: Room) -> None:
    benchmark.pedantic(
        with_queues.emit,
        teardown=lambda: with_queues.drain(),
        **plan_for(with_queues.members).as_kwargs(),
    )
    record_fanout(benchmark, with_queues.members, "engineio-eventlet")
