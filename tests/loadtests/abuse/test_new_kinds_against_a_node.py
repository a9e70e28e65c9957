"""The upload_flood and polling_abuse kinds, run for a few seconds against a real node.

What the abuse process reports must match what the server counted: the
uploader is cut off (and comes back) at the inbound bound, every hostile
polling request is answered, and each is counted as ``bad_poll``.
"""

from __future__ import annotations

import time

import pytest

from loadtests.abuse import polling, upload_flood
from loadtests.abuse.plan import Plan
from loadtests.abuse.spec import AbuseSpec
from tests.conftest import NodeFactory

pytestmark = pytest.mark.slow

RUN_S = 3.0


def test_upload_flood_is_cut_off_at_the_inbound_bound_and_reconnects(
    node_factory: NodeFactory,
) -> None:
    node = node_factory(async_mode="eventlet", extra_args=["--inbound-flood-s", "0.5"])
    spec = AbuseSpec(kind="upload_flood", clients=1, frame_bytes=60_000)
    plan = Plan(spec, [node.port], [], time.monotonic() + RUN_S)
    upload_flood.run(plan)
    flooded = node.stats()["inbound_flood_disconnects"]
    assert flooded >= 1
    assert plan.tally.reconnects >= 1
    assert plan.tally.closed_by_server >= flooded
    assert plan.tally.bytes_sent > 4 * 1024 * 1024  # past the first bucket


def test_polling_abuse_gets_an_answer_for_every_request(node_factory: NodeFactory) -> None:
    node = node_factory(async_mode="threading", extra_args=["--allow-polling"])
    spec = AbuseSpec(kind="polling_abuse", clients=2, rate_per_s=10, rooms=0)
    plan = Plan(spec, [node.port], [], time.monotonic() + RUN_S)
    polling.run(plan)
    tally = plan.tally
    assert tally.requests_unanswered == 0 and tally.errors == 0, tally.last_error
    assert sum(tally.by_variant.values()) == tally.frames_sent >= 10
    assert set(tally.by_variant) == set(polling.VARIANTS)
    # Each hostile POST was refused (none got a 200) and counted by the server.
    assert tally.closed_by_server == tally.frames_sent
    assert node.stats()["protocol_errors"]["bad_poll"] == tally.frames_sent
