"""Emit to a room of N members: python-socketio's fan-out, per delivery (threading mode).

Two variants of the same emit (``socketio.Server.emit`` to one room, ``bench.rooms``):

* ``stubbed`` — engine.io's ``send_packet`` is a counting no-op
  (``bench.stub_engineio``): the room lookup, the one-time packet encoding and
  the per-recipient loop of ``socketio.Manager.emit``, nothing else.
* ``engineio`` — every member has a real ``engineio.socket.Socket``; each
  delivery goes through ``engineio.Server.send_packet`` onto that socket's
  ``queue.Queue``. The queues are drained in each round's teardown, outside
  the timed part.

``per_delivery_ns`` in ``extra_info`` is the median time per emit divided by N.
The same engine.io variant under eventlet is in ``eventlet_fanout.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bench.delivery import record_fanout
from bench.plan import plan_for
from bench.rooms import Room, engineio_room, stubbed_room

ROOM_SIZES = (1, 10, 100, 1000, 10000)


@pytest.fixture(scope="module", params=ROOM_SIZES, ids=lambda n: f"n={n}")
def stubbed(request: pytest.FixtureRequest) -> Iterator[Room]:
    yield stubbed_room(request.param)


@pytest.fixture(scope="module", params=ROOM_SIZES, ids=lambda n: f"n={n}")
def with_queues(request: pytest.FixtureRequest) -> Iterator[Room]:
    yield engineio_room(request.param)


@pytest.mark.benchmark(group="fanout-stubbed")
def test_emit_stubbed(benchmark: Any, stubbed: Room) -> None:
    benchmark.pedantic(stubbed.emit, **plan_for(stubbed.members).as_kwargs())
    record_fanout(benchmark, stubbed.members, "stubbed")


@pytest.mark.benchmark(group="fanout-engineio")
def test_emit_engineio_queues(benchmark: Any, with_queues: Room) -> None:
    benchmark.pedantic(
        with_queues.emit,
        teardown=lambda: with_queues.drain(),
        **plan_for(with_queues.members).as_kwargs(),
    )
    record_fanout(benchmark, with_queues.members, "engineio")
