"""One batched reader for all of a process's client sockets, timed by the kernel.

Why: with one libev I/O watcher per socket, nearly every message woke the
generator on its own — measured at 4,000 deliveries/s: 1.23 reads per
``epoll_wait``, a context switch, a ``getpid`` (gevent's fork check) and a hub
loop iteration per message, for ~43 µs of generator CPU a delivery in all.
Here one repeating libev timer (``POLL_INTERVAL_S``) polls one ``epoll`` set
of every client socket without blocking and calls each ready socket's reader,
so wake-ups no longer scale with messages.

Reading late must not make latency later: sockets carry ``SO_TIMESTAMPNS``, so
every read returns the kernel's receive time (``CLOCK_REALTIME``, the clock of
``time.time_ns()``) of the data — when it reached the receiving socket,
whatever the generator was doing then. TCP reports one stamp per read, that of
the last segment copied: when one read returns several frames, the earlier
ones get a later stamp (an overestimate of their latency, bounded by the time
between two polls). ``ReceiveStats`` counts those reads so the results can show
how often it happens; a read without a stamp falls back to ``time.time_ns()``
and is counted too.

Test only: ``simulate_clock_offset`` makes this process's clock read ahead
(or behind), as a worker on a host with a wrong clock would: every kernel
stamp, and every instant read through ``wall_clock()`` (a sender's ``t_ns``,
the clock exchange's pong), is shifted. The master's clock correction must
then take it out again (tests/loadtests/test_clocks_e2e.py).
"""

from __future__ import annotations

import os
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

from gevent import get_hub
from gevent.monkey import get_original

from loadtests.units import NS_PER_S

# Linux's SO_TIMESTAMPNS (= SCM_TIMESTAMPNS) on x86-64 and arm64 (asm-generic);
# Python names it only from 3.14.
Frame = tuple[int, bytes]  # (opcode, payload), as wsframe.FrameParser returns them
SO_TIMESTAMPNS: int = getattr(socket, "SO_TIMESTAMPNS", 35)
SCM_TIMESTAMPNS: int = getattr(socket, "SCM_TIMESTAMPNS", SO_TIMESTAMPNS)
TIMESPEC = struct.Struct("@qq")  # struct timespec on 64-bit Linux: tv_sec, tv_nsec
ANCILLARY_BYTES = socket.CMSG_SPACE(TIMESPEC.size)
POLL_INTERVAL_S = 0.002  # see docs/loadtests.md "Generator efficiency" for the choice

_epoll: Any = get_original("select", "epoll")  # the real one: polled without blocking
_simulated_offset_ns = 0  # test only; see simulate_clock_offset


def simulate_clock_offset(offset_ns: int) -> None:
    """Test only: this process's stamps read ``offset_ns`` ahead of ``CLOCK_REALTIME``."""
    global _simulated_offset_ns
    _simulated_offset_ns = int(offset_ns)


def simulated_offset_ns() -> int:
    return _simulated_offset_ns


def wall_clock() -> Callable[[], int]:
    """This process's clock: ``time.time_ns``, shifted by a simulated offset if one is set."""
    offset_ns = _simulated_offset_ns
    if not offset_ns:
        return time.time_ns
    return lambda: time.time_ns() + offset_ns


def enable_timestamps(sock: socket.socket) -> None:
    """Ask the kernel to stamp every read of ``sock`` with its receive time."""
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)


def kernel_time_ns(ancdata: list[tuple[int, int, bytes]]) -> int | None:
    """The ``SCM_TIMESTAMPNS`` receive time (Unix ns) in ``recvmsg``'s ancillary data, or None."""
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == SCM_TIMESTAMPNS and len(data) >= TIMESPEC.size:
            sec, nsec = TIMESPEC.unpack_from(data)
            return sec * NS_PER_S + nsec + _simulated_offset_ns
    return None


def split_early(
    frames: list[Frame], stamp_ns: int | None, pending: bool
) -> tuple[list[Frame], list[Frame]]:
    """A read's frames as (may be early, stamped truly).

    All but the last frame may have arrived before the read's stamp; every frame
    may have, when the read had no kernel stamp (timed after the poll) or ended
    inside a later frame (whose segment then gave the stamp).
    """
    if stamp_ns is None or pending:
        return frames, []
    return frames[:-1], frames[-1:]


class ReceiveStats:
    """How a process's reads went: a count of reads, frames, and reads whose stamp is shared.

    ``multi_frame_reads`` reads returned more than one complete frame, holding
    ``frames_in_multi_frame_reads`` frames: all but the last of those may carry a
    stamp later than their arrival. ``unstamped_reads`` had no kernel stamp and
    were timed on return from the read. ``shared`` is true while the frames
    before the last of a multi-frame read are handled, so the ledger can count
    the deliveries whose stamp may be late (``shared_stamp``); not a count.
    """

    __slots__ = (
        "reads",
        "frames",
        "multi_frame_reads",
        "frames_in_multi_frame_reads",
        "unstamped_reads",
        "shared",
    )
    FIELDS = __slots__[:-1]

    def __init__(self) -> None:
        self.reads = 0
        self.frames = 0
        self.multi_frame_reads = 0
        self.frames_in_multi_frame_reads = 0
        self.unstamped_reads = 0
        self.shared = False

    def note(self, frames: int, stamped: bool = True) -> None:
        """One read that completed ``frames`` frames."""
        self.reads += 1
        self.frames += frames
        if frames > 1:
            self.multi_frame_reads += 1
            self.frames_in_multi_frame_reads += frames
        if not stamped:
            self.unstamped_reads += 1

    def take(self) -> dict[str, int]:
        """The counts since the last ``take``, as a dict; then start afresh."""
        doc = {name: getattr(self, name) for name in self.FIELDS}
        self.__init__()  # type: ignore[misc]
        return doc


class ReadPoller:
    """Calls ``on_readable()`` for each registered fd with data, every ``interval_s``, in the hub.

    Level-triggered: a socket left with data (a read takes at most what the
    reader asks for) is read again on the next tick. Readers run in the hub and
    must not block.
    """

    def __init__(self, loop: Any, interval_s: float = POLL_INTERVAL_S) -> None:
        self.interval_s = interval_s
        self.loop = loop
        self._epoll = _epoll()
        self._readers: dict[int, Callable[[], None]] = {}
        # ref=False: the poller alone never keeps the hub's loop alive.
        self._timer = loop.timer(interval_s, interval_s, ref=False)

    def add(self, fd: int, on_readable: Callable[[], None]) -> None:
        self._epoll.register(fd, 1)  # EPOLLIN
        self._readers[fd] = on_readable
        if not self._timer.active:
            self._timer.start(self._tick)

    def remove(self, fd: int) -> None:
        """Forget ``fd``; call it before closing the socket."""
        if self._readers.pop(fd, None) is None:
            return
        try:
            self._epoll.unregister(fd)
        except OSError:
            pass  # already closed: the kernel dropped it from the set
        if not self._readers:
            self._timer.stop()

    def __len__(self) -> int:
        return len(self._readers)

    def _tick(self) -> None:
        readers = self._readers
        try:
            ready = self._epoll.poll(0, len(readers) or 1)
        except InterruptedError:
            return
        get = readers.get
        for fd, _events in ready:
            reader = get(fd)
            if reader is not None:  # None: removed by an earlier reader of this tick
                reader()


_pollers: dict[tuple[int, int], ReadPoller] = {}


def poller() -> ReadPoller:
    """This process's (and this hub's) poller, created on first use."""
    hub = get_hub()
    key = (os.getpid(), id(hub))
    found = _pollers.get(key)
    if found is None or found.loop is not hub.loop:
        found = _pollers[key] = ReadPoller(hub.loop)
    return found
