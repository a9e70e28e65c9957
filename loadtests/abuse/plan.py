"""What one abuse run is given: its spec, the nodes, the rooms, and when to stop.

Times are monotonic deadlines derived once from the window the Locust master
planned (wall-clock ns in the progress file), so a kind's loop compares
against one number and every loop ends by ``stop_mono`` at the latest.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field

from loadtests.abuse.conn import Tally
from loadtests.abuse.spec import AbuseSpec

TCP_ESTABLISHED = 1  # linux/tcp_states.h
TICK_S = 0.05


@dataclass
class Plan:
    """``ports``: the nodes' loopback ports, clients spread over them round-robin.

    ``rooms``: the load's room names an abusive client may join; ``stop_mono``:
    ``time.monotonic()`` at which everything stops (the abuse's ``stop_at_s``).
    """

    spec: AbuseSpec
    ports: list[int]
    rooms: list[str]
    stop_mono: float
    tally: Tally = field(default_factory=Tally)

    def port_for(self, index: int) -> int:
        return self.ports[index % len(self.ports)]

    def left_s(self) -> float:
        return self.stop_mono - time.monotonic()

    def over(self) -> bool:
        return time.monotonic() >= self.stop_mono

    def wait_until(self, when_mono: float) -> bool:
        """Sleep until ``when_mono`` (capped at the stop); False when the stop came first."""
        end = min(when_mono, self.stop_mono)
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(left, TICK_S))
        return not self.over()


def peer_closed(sock: socket.socket) -> bool:
    """True when the connection is no longer established (the server sent FIN or RST).

    Read from the kernel's TCP_INFO, so a client that never reads can tell the
    server dropped it without reading the bytes queued before the close.
    """
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    except OSError:
        return True
    return struct.unpack("B", info[:1])[0] != TCP_ESTABLISHED
