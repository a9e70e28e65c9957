"""Does the profile recognise what the server sends? Checked once, at the end of the warm-up.

A profile with the wrong ``receive_event`` or ``receive_path`` would measure
nothing and report every delivery lost. So each Locust process keeps one
``ReceiveProbe``: the receive handler of a non-reference profile counts what
it recognised and keeps the first frame it could not read, and the client
reports the first event nobody handles. When the measurement window opens
and nothing was recognised, the process logs one error line (``MARKER``: the
profile and one raw received frame) and stops the test; the runner finds the
line in Locust's log and fails the configuration with it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

import gevent

from loadtests.model.profile import Protocol

MARKER = "roombench: protocol mismatch:"
SAMPLE_CHARS = 300
log = logging.getLogger("roombench")
_PROBES: WeakKeyDictionary[Any, ReceiveProbe] = WeakKeyDictionary()


class ReceiveProbe:
    """What one process's receivers made of what arrived."""

    def __init__(self) -> None:
        self.recognised = 0
        self.unrecognised = 0
        self.sample: str | None = None  # the first frame the profile could not read
        self.other: str | None = None  # the first event no handler took
        self.watching = False

    def note_unrecognised(self, event: str, data: Any) -> None:
        self.unrecognised += 1
        if self.sample is None:
            self.sample = _frame(event, data)

    def note_other(self, event: str, data: Any, _recv_ns: int = 0) -> None:
        if self.other is None:
            self.other = _frame(event, data)

    def verdict(self, protocol: Protocol) -> str | None:
        """None when something was recognised, else the error line naming the profile."""
        if self.recognised:
            return None
        seen = self.sample or self.other
        raw = f"one raw received frame: {seen}" if seen else "no event frame arrived at all"
        return (
            f"{MARKER} no {protocol.receive_event!r} message recognised during the warm-up "
            f"with profile {protocol.name!r} (receive_event {protocol.receive_event!r}, "
            f"receive_path {protocol.receive_path!r}, send_event {protocol.send_event!r}); "
            f"{self.unrecognised} {protocol.receive_event!r} frame(s) without the stamp; {raw}; "
            "fix the profile's receive_event / receive_path (or send_event / send_payload)"
        )


def probe_of(owner: Any) -> ReceiveProbe:
    """The probe of ``owner`` (a process's Agent), made on first use."""
    probe = _PROBES.get(owner)
    if probe is None:
        probe = _PROBES[owner] = ReceiveProbe()
    return probe


def _frame(event: str, data: Any) -> str:
    try:
        text = json.dumps([event, data], separators=(",", ":"))
    except (TypeError, ValueError):
        text = repr([event, data])
    return "42" + text[:SAMPLE_CHARS] + ("..." if len(text) > SAMPLE_CHARS else "")


def check_at_window_start(
    probe: ReceiveProbe,
    protocol: Protocol,
    window_start_ns: Callable[[], int | None],
    give_up_s: float,
    on_mismatch: Callable[[str], None],
    grace_s: float = 0.0,
) -> None:
    """Wait (at most ``give_up_s``) for the window to open, then judge the warm-up once.

    ``grace_s`` more when nothing was recognised yet: a warm-up shorter than two
    send intervals may not have carried a message at all.
    """
    deadline = time.monotonic() + give_up_s
    while (start_ns := window_start_ns()) is None:
        if time.monotonic() > deadline:
            return
        gevent.sleep(0.2)
    gevent.sleep(max(0.0, (start_ns - time.time_ns()) / 1e9))
    if grace_s > 0 and probe.verdict(protocol) is not None:
        gevent.sleep(grace_s)
    message = probe.verdict(protocol)
    if message is not None:
        log.error("%s", message)
        on_mismatch(message)
