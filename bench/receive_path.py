"""The generator's receive path without a server: real client, parser and ledger, loopback TCP.

``ReceiveRig`` builds ``clients`` lean Socket.IO clients, each the member of
one room, whose sockets are one end of a loopback TCP pair (kernel receive
stamps on, as after a real upgrade); the other end stands in for the server
and writes pre-encoded ``room_message`` frames. One round writes
``frames_per_read`` frames to every client (``write``, not timed) and lets
each client read once (``read``, timed) —
what the 2-ms poller does at a rate of about ``frames_per_read`` / 2 ms per
client — so the cost per delivery at rising rates comes without any server's
limits in the way (issue 13's generator headroom).

The client is put in its upgraded state the way ``SioClient._upgrade`` leaves
it (same attributes): the websocket handshake is not what is measured here.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from dataclasses import dataclass, field

from loadtests.measure.recorder import Recorder
from loadtests.users.kinds import KINDS
from loadtests.wire import readpoll
from loadtests.wire.client import SioClient

ROOM = "bench-room"


def room_frame(sender: int, seq: int, t_ns: int, pad: str = "") -> bytes:
    """A server's unmasked websocket frame carrying one ``room_message``."""
    message = {"room": ROOM, "sender": sender, "seq": seq, "t_ns": t_ns, "pad": pad}
    payload = ("42" + json.dumps(["room_message", message], separators=(",", ":"))).encode()
    n = len(payload)
    # FIN + text; a server never masks (RFC 6455 5.1).
    if n < 126:
        return struct.pack("!BB", 0x81, n) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x81, 126, n) + payload
    return struct.pack("!BBQ", 0x81, 127, n) + payload


def loopback_pair() -> tuple[socket.socket, socket.socket]:
    """A connected TCP pair on 127.0.0.1: (client end, server end).

    TCP, not ``socket.socketpair()``: the kernel stamps TCP receives
    (``SO_TIMESTAMPNS``) as it does a run's, and a Unix socket's it does not.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        mine = socket.create_connection(listener.getsockname())
        server, _addr = listener.accept()
    mine.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    server.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return mine, server


STAMPS_ON_WITHIN_S = 2.0


def stamps_switched_on() -> tuple[socket.socket, socket.socket]:
    """A loopback pair whose reads carry kernel stamps; keep it open to keep them on.

    Linux turns receive stamping on for the whole host some time after the
    first socket asks (``net_enable_timestamp`` is deferred) and off after the
    last one closes: a segment that arrives in between has no stamp. A rig
    whose clients must be stamped from their first read holds this pair open,
    having seen one stamped read on it.
    """
    mine, server = loopback_pair()
    readpoll.enable_timestamps(mine)
    deadline = time.monotonic() + STAMPS_ON_WITHIN_S
    while time.monotonic() < deadline:
        server.sendall(b".")
        _data, ancdata, _flags, _addr = mine.recvmsg(1, readpoll.ANCILLARY_BYTES)
        if readpoll.kernel_time_ns(ancdata) is not None:
            return mine, server
        time.sleep(0.001)
    mine.close()
    server.close()
    raise RuntimeError(f"no kernel receive stamp within {STAMPS_ON_WITHIN_S:g} s")


@dataclass
class ReceiveRig:
    clients: int
    frames_per_read: int
    recorder: Recorder = field(default_factory=lambda: Recorder("bench"))
    reads: int = 0
    _pairs: list[tuple[SioClient, socket.socket]] = field(default_factory=list)
    _seq: int = 0
    _stamps: tuple[socket.socket, socket.socket] | None = None

    def __post_init__(self) -> None:
        self._stamps = stamps_switched_on()
        handler_of = KINDS["room"].receiver
        for index in range(self.clients):
            ledger = self.recorder.ledger(index)
            ledger.join_sent(ROOM, 0)
            ledger.join_acked(ROOM, 0)
            client = SioClient(
                "http://127.0.0.1:9",
                {"room_message": handler_of(ledger, self.recorder.count)},
                stats=self.recorder.receive_stats,
            )
            mine, server = loopback_pair()
            readpoll.enable_timestamps(mine)
            mine.setblocking(False)
            # The state SioClient._upgrade leaves behind (no poller: we call the reader).
            client._sock = mine  # type: ignore[assignment]
            client._fd = mine.fileno()
            client._recvmsg = mine.recvmsg
            client.connected = True
            self._pairs.append((client, server))

    def write(self) -> None:
        """The server's side of a round (not timed): ``frames_per_read`` frames to every client."""
        t_ns = time.time_ns()
        frames = (room_frame(9999, self._seq + k, t_ns) for k in range(self.frames_per_read))
        batch = b"".join(frames)
        self._seq += self.frames_per_read
        for _client, server in self._pairs:
            server.sendall(batch)

    def read(self) -> int:
        """The generator's side (timed): each client reads once; the deliveries it made."""
        self.reads += 1
        for client, _server in self._pairs:
            client._on_readable()
        return self.clients * self.frames_per_read

    def delivered(self) -> int:
        return sum(b.strict for b in self.recorder.buckets.values())

    def close(self) -> None:
        for client, server in self._pairs:
            client.connected = False
            client._recvmsg = None
            server.close()
            if client._sock is not None:
                client._sock.close()
        if self._stamps is not None:
            for sock in self._stamps:
                sock.close()
            self._stamps = None
