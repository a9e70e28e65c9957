"""The reference app's ``room_message`` handler against a raw emit to the same room of 100.

Group ``handler-vs-raw``, engine.io sends stubbed the same way for all
(``bench.app_room`` says exactly what each variant runs):

* ``raw`` — ``socketio.Server.emit`` to the room, the call the handler ends with;
* ``handler`` — the handler as python-socketio dispatches an event without an
  ack (Flask-SocketIO's request context, target_app's counters, validation,
  member check, emit);
* ``dispatch`` — the same dispatched handler in an app built with
  ``dispatch="socketio"`` (``--dispatch socketio``): python-socketio calls
  target_app's adapter without Flask-SocketIO's request context, so next to
  ``handler`` it shows what Flask-SocketIO's per-event dispatch costs;
* ``handler-direct`` — target_app's ``RoomEvents.room_message`` alone.

Each records ``n`` (100), ``variant`` and ``per_delivery_ns`` like the fan-out
benchmarks.

The handler/raw ratio (goal: at most 1.2) is measured twice:

* ``ratio_to_raw_interleaved`` (the headline) — after its own benchmark, each
  handler variant is timed again in alternation with ``raw``
  (``bench.interleave``), so noise from other processes hits both alike;
* ``ratio_to_raw`` — the medians of the separate benchmarks, computed from the
  finished JSON by ``bench.ratio`` (a cross-check, more exposed to noise).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bench.delivery import record_fanout
from bench.interleave import interleaved_ratio
from bench.plan import RoundPlan

MEMBERS = 100
PLAN = RoundPlan(rounds=1000, iterations=5, warmup_rounds=20)
INTERLEAVED_PAIRS = 2000
INTERLEAVED_BATCH = 5


@pytest.fixture(scope="module")
def app_room() -> Iterator[Any]:
    pytest.importorskip("target_app.app", reason="target_app/app.py is not there yet")
    from bench.app_room import build_app_room

    yield build_app_room(MEMBERS)


@pytest.mark.benchmark(group="handler-vs-raw")
@pytest.mark.parametrize("variant", ["raw", "handler", "dispatch", "handler-direct"])
def test_room_message(benchmark: Any, app_room: Any, variant: str) -> None:
    send = getattr(app_room, variant.replace("-", "_"))
    benchmark.pedantic(send, **PLAN.as_kwargs())
    record_fanout(benchmark, MEMBERS, variant)
    if variant != "raw" and not benchmark.disabled:
        paired = interleaved_ratio(app_room.raw, send, INTERLEAVED_PAIRS, INTERLEAVED_BATCH)
        benchmark.extra_info.update(
            ratio_to_raw_interleaved=round(paired.ratio, 4),
            interleaved_raw_median_s=paired.a_median_s,
            interleaved_median_s=paired.b_median_s,
            interleaved_pairs=paired.pairs,
        )
