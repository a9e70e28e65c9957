"""The CPU a room message costs on the receive path, measured without a server.

Builds real server frames (``42["event",payload]``, as a profile's server
wraps them), groups them 8 to a read as a busy poller sees them, and feeds
them through ``SioClient._feed``/``_dispatch`` into the kind's receive handler
and a ``ReceiverLedger`` — everything a generator does for a delivery except
the ``recvmsg`` itself. Prints CPU µs a message (min / median / max of 7).

    python -m loadtests.users.recv_cost                        # the reference profile
    python -m loadtests.users.recv_cost python-socketio-chat
    python -m loadtests.users.recv_cost --root /tmp/old-checkout   # another commit's code
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import time
from typing import Any

MESSAGES = 100_000
REPEATS = 7
# What each shipped server makes of a payload (loadtests/servers/).
WRAPPERS = {
    "python-socketio-chat": lambda p: {"user": "abc123", "data": p["body"]},
    "node-socketio-chat": lambda p: {"username": "abc123", "message": p["data"]},
}


def _frame(text: str) -> bytes:
    data = text.encode()
    n = len(data)
    head = struct.pack("!BB", 0x81, n) if n < 126 else struct.pack("!BBH", 0x81, 126, n)
    return head + data


def measure(profile: str) -> list[float]:
    """CPU µs a message, one figure a repeat (sorted)."""
    from loadtests.measure.accounting import ReceiverLedger
    from loadtests.users.kinds import KINDS
    from loadtests.wire.client import SioClient

    kind: Any = KINDS["room"]
    if profile != "reference":
        from loadtests.model.profile import load_profile
        from loadtests.users.kinds import kind_for
        from loadtests.users.probe import ReceiveProbe

        kind = kind_for("room", load_profile(profile), ReceiveProbe())
    wrap = WRAPPERS.get(profile, lambda p: p)
    t0 = time.time_ns()
    frames = []
    for i in range(MESSAGES):
        stamp = {
            "room": "room-0",
            "sender": i % 200,
            "seq": i // 200,
            "t_ns": t0 + i,
            "pad": "x" * 10,
        }
        payload = wrap(kind.encode(stamp))
        frames.append(
            _frame("42" + json.dumps([kind.receive_event, payload], separators=(",", ":")))
        )
    reads = [b"".join(frames[i : i + 8]) for i in range(0, MESSAGES, 8)]
    figures = []
    for _ in range(REPEATS):
        ledger = ReceiverLedger(1, {}, [])
        ledger.join_sent("room-0", 0)
        ledger.join_acked("room-0", 1)
        client = SioClient("http://127.0.0.1:9", {kind.receive_event: kind.receiver(ledger, print)})
        feed, dispatch, now = client._feed, client._dispatch, t0 + 10**9
        start = time.process_time_ns()
        for chunk in reads:
            dispatch(feed(chunk), now)
        figures.append((time.process_time_ns() - start) / MESSAGES / 1000)
        strict = sum(b.strict for b in ledger.buckets.values())
        assert strict == MESSAGES, f"{strict} of {MESSAGES} messages recognised"
    return sorted(figures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.users.recv_cost")
    parser.add_argument("profile", nargs="?", default="reference")
    parser.add_argument("--root", default=None, help="import loadtests from this checkout")
    args = parser.parse_args(argv)
    if args.root:
        sys.path.insert(0, args.root)
        for name in [m for m in sys.modules if m == "loadtests" or m.startswith("loadtests.")]:
            del sys.modules[name]
    figures = measure(args.profile)
    source = sys.modules["loadtests.users.kinds"].__file__
    print(
        f"{args.profile} ({source}): CPU µs a message: min {figures[0]:.2f} "
        f"median {figures[len(figures) // 2]:.2f} max {figures[-1]:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
