"""A lean Socket.IO v5 client (Engine.IO v4, websocket transport) on a raw gevent socket.

Why not python-socketio's ``Client``: inside Locust it costs 52-63 µs of
generator CPU per received message (a thread/greenlet per message, generic
packet classes, a polling-capable engine). Here no greenlet reads at all:
after the HTTP upgrade the socket joins the process's ``ReadPoller``
(``loadtests.wire.readpoll``), which every 2 ms calls the reader of each socket
with data, in gevent's hub. The reader takes a large chunk with ``recvmsg``,
whose ``SO_TIMESTAMPNS`` stamp — the kernel's receive time — is the receipt
time of every frame in that chunk, parses all complete frames, and hands each
event's first argument straight to a handler registered by event name.
Everything the protocol asks for is still done: HTTP upgrade, the Engine.IO
open packet, the namespace connect (``40``), Engine.IO ping -> pong, acks
(``42<id>[...]`` out, ``43<id>[...]`` in), websocket ping/pong/close,
fragmentation, masked client frames.

A foreign server's mistake ends the connection with a reason naming it, never
a misparse or an exception loose in the hub: frames are checked as strictly as
wsproto checks them (``wsframe``), a message is capped at ``max_message_bytes``,
malformed Engine.IO / Socket.IO packets are errors, and before closing the
client sends the close code the RFC asks for. ``connect()`` raises
``ConnectRefused`` carrying the server's own reason when the namespace is
refused (a ``CONNECT_ERROR`` packet), and ``ConnectError`` with the reason when
the session ends before the namespace connect.

Handlers (and ack callbacks) run in the hub and must never block; replies the
protocol needs from there (pongs, the namespace connect) are sent from a
spawned greenlet. Sends from several greenlets (user, churn, pong) are
serialised by a lock so frames never interleave.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from itertools import count
from typing import Any
from urllib.parse import urlencode, urlsplit

import gevent
from gevent import socket
from gevent.event import Event
from gevent.lock import Semaphore

from loadtests.wire import readpoll, siopacket, wsclose, wsframe
from loadtests.wire.errors import ConnectError as ConnectError
from loadtests.wire.errors import ConnectRefused as ConnectRefused
from loadtests.wire.errors import SessionEnded

EventHandler = Callable[[Any, int], None]  # (first argument, recv_ns)
EventHandlerNamed = Callable[[str, Any, int], None]  # (event, first argument, recv_ns)
AckCallback = Callable[[list[Any], int], None]  # (ack arguments, recv_ns)
RECV_BYTES = 64 * 1024  # below glibc's mmap threshold: no mmap/munmap per read
# What a server's bytes can raise on the receive path: each ends the connection
# with its reason. RecursionError: JSON nested deeper than the interpreter's limit.
_PEER_FAULTS = (wsframe.ProtocolError, ValueError, RecursionError, ConnectError)
# Engine.IO packets received over a websocket-only session that need no action:
# noop (6) releases a pending poll while a polling transport upgrades, upgrade (5)
# is the client's packet when it switches transports, pong (3) answers a ping
# only an Engine.IO v3 client sends. A foreign server may still send them.
_EIO_NOTHING_TO_DO = frozenset((siopacket.EIO_NOOP, siopacket.EIO_UPGRADE, siopacket.EIO_PONG))
# json.loads on bytes detects the encoding, decodes and matches whitespace with a
# regex in Python; the C scanner parses the decoded text from an offset directly.
_scan_json: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


class SioClient:
    """One Socket.IO connection to ``url`` (``http://host:port``).

    ``handlers`` maps event names to ``handler(first_arg, recv_ns)``;
    ``on_close(reason)`` is called once when the connection ends, whoever ended it.
    ``stats`` counts this connection's reads (shared by a process's clients).
    ``max_message_bytes`` caps one received message (default 1 MiB): past it, close 1009.
    A server's own protocol may ask for a ``namespace`` (default "/"), an
    ``auth`` JSON object in the namespace connect packet (default none), and
    ``query`` parameters and ``headers`` in the websocket handshake (default
    none). ``on_other(event, first_arg, recv_ns)`` sees events no handler takes.
    """

    def __init__(
        self,
        url: str,
        handlers: dict[str, EventHandler],
        on_close: Callable[[str], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        path: str = "/socket.io/",
        stats: readpoll.ReceiveStats | None = None,
        max_message_bytes: int = wsframe.MAX_MESSAGE_BYTES,
        namespace: str = "/",
        auth: Any = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        on_other: EventHandlerNamed | None = None,
    ) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.path = siopacket.engineio_path(path) + (f"&{urlencode(query)}" if query else "")
        self.headers = dict(headers or {})
        self.auth = auth
        # Packets of a namespace other than "/" name it: 42/chat,[...]
        self._ns_prefix = "" if namespace == "/" else f"{namespace},"
        self.on_other = on_other
        self.handlers = handlers
        self.on_close = on_close
        self.on_error = on_error
        self.sid: str | None = None
        self.engine_sid: str | None = None
        self.connected = False
        self._sock: socket.socket | None = None
        self._send_lock = Semaphore()
        self._acks: dict[int, AckCallback] = {}
        self._ack_ids = count()
        self._ready = Event()
        self._failure: ConnectError | None = None
        self._joined = False  # the namespace connect was accepted
        self.max_message_bytes = max_message_bytes
        self._closed = False
        self._poller: readpoll.ReadPoller | None = None
        self._recvmsg: Callable[..., Any] | None = None
        self._fd = -1
        self.stats = stats if stats is not None else readpoll.ReceiveStats()
        self._parser = wsframe.FrameParser(max_message_bytes)
        self._feed: Callable[[bytes], list[tuple[int, bytes]]] = self._parser.feed

    # -- lifecycle ------------------------------------------------------------------
    def connect(self, timeout_s: float = 30.0) -> None:
        """Connect, upgrade and join the default namespace; raise ConnectError on failure."""
        try:
            with gevent.Timeout(
                timeout_s, ConnectError(f"no websocket upgrade within {timeout_s:.0f} s")
            ):
                self._upgrade()
        except (OSError, wsframe.ProtocolError, ConnectError) as exc:
            self._finish(f"{type(exc).__name__}: {exc}")
            raise ConnectError(f"connect to {self.host}:{self.port} failed: {exc}") from exc
        if not self._ready.wait(timeout_s):
            self.close()
            raise ConnectError(
                f"no Socket.IO connect from {self.host}:{self.port} within {timeout_s:.0f} s"
            )
        if self._failure is not None:
            raise self._failure

    def close(self) -> None:
        """Close the connection (idempotent); ``on_close`` runs once."""
        self._send_close(wsclose.CloseCode.NORMAL_CLOSURE)
        self._finish("closed by client")

    # -- sending --------------------------------------------------------------------
    def emit(self, event: str, *args: Any) -> None:
        text = siopacket.encode_event(event, *args)
        self._send_text(text if not self._ns_prefix else f"42{self._ns_prefix}{text[2:]}")

    def call(self, event: str, data: Any, callback: AckCallback) -> None:
        """Emit with an ack id; ``callback(args, recv_ns)`` runs when the ack arrives."""
        ack_id = next(self._ack_ids)
        self._acks[ack_id] = callback
        text = siopacket.encode_event(event, data, ack_id=ack_id)
        self._send_text(text if not self._ns_prefix else f"42{self._ns_prefix}{text[2:]}")

    def _send_text(self, text: str) -> None:
        self._send_frame(text.encode("utf-8"), wsframe.OP_TEXT)

    def _send_frame(self, payload: bytes, opcode: int) -> None:
        sock = self._sock
        if sock is None:
            raise OSError("not connected")
        frame = wsframe.encode_frame(payload, opcode, random.randbytes(4))
        with self._send_lock:
            sock.sendall(frame)

    # -- receiving ------------------------------------------------------------------
    def _upgrade(self) -> None:
        """TCP connect and websocket upgrade (blocking, in the caller's greenlet)."""
        sock = socket.create_connection((self.host, self.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        readpoll.enable_timestamps(sock)
        self._sock = sock
        key = wsframe.new_key()
        # An IPv6 literal is bracketed in the Host header (RFC 7230 5.4): [::1]:5000.
        host = f"[{self.host}]" if ":" in self.host else self.host
        request = wsframe.handshake_request(host, self.port, self.path, key)
        if self.headers:  # before the blank line that ends the request head
            extra = "".join(f"{name}: {value}\r\n" for name, value in self.headers.items())
            request = request[:-2] + extra.encode("latin-1") + b"\r\n"
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectError("connection closed during the websocket upgrade")
            data += chunk
            if len(data) > 65536:
                raise wsframe.ProtocolError("websocket upgrade response too long")
        head, _, rest = data.partition(b"\r\n\r\n")
        wsframe.check_handshake_response(head, key)
        self.connected = True
        self._fd = sock.fileno()
        self._parser = wsframe.FrameParser(self.max_message_bytes)
        self._feed = self._parser.feed
        # From here on, the process's poller calls _on_readable in gevent's hub:
        # no greenlet switch and no wake-up of its own per message. The raw
        # non-blocking socket under gevent's (``_sock``) reads without ever waiting.
        self._recvmsg = sock._sock.recvmsg
        self._poller = readpoll.poller()
        self._poller.add(self._fd, self._on_readable)
        if rest:
            try:
                self._dispatch(self._feed(rest), time.time_ns())
            except _PEER_FAULTS as exc:
                self._fail(exc)

    def _on_readable(self) -> None:
        recvmsg = self._recvmsg
        if recvmsg is None:
            return
        try:
            chunk, ancdata, _flags, _addr = recvmsg(RECV_BYTES, readpoll.ANCILLARY_BYTES)
        except BlockingIOError:
            return
        except OSError as exc:
            self._finish(f"{type(exc).__name__}: {exc}")
            return
        if not chunk:
            self._finish("connection closed by server")
            return
        # The kernel's receive time of the data (of the last segment, if several).
        stamp_ns = readpoll.kernel_time_ns(ancdata)
        now = time.time_ns() if stamp_ns is None else stamp_ns
        try:
            frames = self._feed(chunk)
            stats = self.stats
            stats.note(len(frames), stamped=stamp_ns is not None)
            if len(frames) > 1 or stamp_ns is None or self._parser.pending:  # not the common read
                early, frames = readpoll.split_early(frames, stamp_ns, self._parser.pending)
                if early:
                    stats.shared = True
                    try:
                        self._dispatch(early, now)
                    finally:
                        stats.shared = False
            if frames:
                self._dispatch(frames, now)
        except _PEER_FAULTS as exc:
            self._fail(exc)

    def _dispatch(self, frames: list[tuple[int, bytes]], now: int) -> None:
        handlers = self.handlers
        scan = _scan_json
        for opcode, payload in frames:
            # Fast path: a Socket.IO event without ack id, '42["name",arg]'.
            if opcode == 1 and payload[:3] == b"42[":
                text = payload.decode("utf-8")
                try:
                    msg, end = scan(text, 2)
                except StopIteration as exc:
                    raise ValueError(f"bad JSON in event frame {text[:60]!r}") from exc
                if end != len(text):
                    msg = json.loads(text[2:])  # trailing data: let json judge it
                try:
                    handler = handlers.get(msg[0])
                except (IndexError, TypeError):  # '42[]', '42[[..]]': no usable name
                    raise ValueError(f"Socket.IO event without a name: {text[:60]!r}") from None
                if handler is not None:
                    handler(msg[1] if len(msg) > 1 else None, now)
                elif self.on_other is not None:
                    self.on_other(msg[0], msg[1] if len(msg) > 1 else None, now)
            else:
                self._other_frame(opcode, payload, now)

    def _other_frame(self, opcode: int, payload: bytes, now: int) -> None:
        if opcode == wsframe.OP_TEXT:
            self._engineio(payload.decode("utf-8"), now)
        elif opcode == wsframe.OP_PING:
            gevent.spawn(self._send_quietly, payload, wsframe.OP_PONG)
        elif opcode == wsframe.OP_CLOSE:
            code, reason = wsclose.decode_close(payload)
            # Answer with the server's code, as RFC 6455 5.5.1 asks (1005 is "none": 1000).
            answer = wsclose.CloseCode.NORMAL_CLOSURE if code == 1005 else code
            raise SessionEnded(
                f"websocket closed by server: {wsclose.describe_close(code, reason)}", answer
            )
        # Binary frames carry Socket.IO binary attachments, which roombench never uses.

    def _engineio(self, text: str, now: int) -> None:
        kind = text[:1]
        if kind == siopacket.EIO_PING:
            gevent.spawn(
                self._send_quietly, (siopacket.EIO_PONG + text[1:]).encode(), wsframe.OP_TEXT
            )
        elif kind == siopacket.EIO_MESSAGE:
            self._socketio(siopacket.decode_socketio(text[1:]), now)
        elif kind == siopacket.EIO_OPEN:
            sid = siopacket.decode_open(text).get("sid")  # JSON: a string, unless broken
            self.engine_sid = sid if isinstance(sid, str) else None
            connect = siopacket.encode_connect(self.auth)
            if self._ns_prefix:
                connect = f"40{self._ns_prefix}{connect[2:]}"
            gevent.spawn(self._send_quietly, connect.encode(), wsframe.OP_TEXT)
        elif kind in _EIO_NOTHING_TO_DO:
            pass
        elif kind == siopacket.EIO_CLOSE:
            raise SessionEnded("Engine.IO close packet from the server: it ended the session")
        else:
            raise ValueError(
                f"unknown Engine.IO packet type {kind!r} in {text[:60]!r} (known: 0-6)"
            )

    def _socketio(self, packet: siopacket.SioPacket, now: int) -> None:
        kind = packet.kind
        data = packet.data
        if kind == siopacket.SIO_EVENT:
            if not isinstance(data, list) or not data or not isinstance(data[0], str):
                raise ValueError(f"Socket.IO event is not [name, args...]: {data!r:.60}")
            handler = self.handlers.get(data[0])
            if handler is not None:
                handler(data[1] if len(data) > 1 else None, now)
            elif self.on_other is not None:
                self.on_other(data[0], data[1] if len(data) > 1 else None, now)
        elif kind == siopacket.SIO_ACK:
            if not isinstance(data, list):
                raise ValueError(f"Socket.IO ack is not a list of arguments: {data!r:.60}")
            callback = self._acks.pop(packet.ack_id, None) if packet.ack_id is not None else None
            if callback is not None:
                callback(data, now)
        elif kind == siopacket.SIO_CONNECT:
            self.sid = data.get("sid") if isinstance(data, dict) else None
            self._joined = True
            self._ready.set()
        elif kind == siopacket.SIO_CONNECT_ERROR:
            message, details = siopacket.refusal(data)
            self._failure = ConnectRefused(
                f"{self.host}:{self.port}", packet.namespace, message, details
            )
            raise self._failure
        elif kind == siopacket.SIO_DISCONNECT:
            why = "" if data is None else f": {json.dumps(data)}"
            raise SessionEnded(
                f"Socket.IO namespace {packet.namespace!r} disconnected by the server{why}"
            )
        # Binary events and acks (5, 6) carry attachments roombench never asks for.

    def _send_quietly(self, payload: bytes, opcode: int) -> None:
        try:
            self._send_frame(payload, opcode)
        except OSError:
            pass

    def _send_close(self, code: int) -> None:
        """Send a close frame if that cannot block or cut into another frame (best effort)."""
        sock = self._sock
        if sock is None or not self.connected or self._send_lock.locked():
            return  # a greenlet is mid-frame: a close frame now would corrupt it
        frame = wsframe.encode_frame(
            wsclose.encode_close(code), wsframe.OP_CLOSE, random.randbytes(4)
        )
        try:
            sock._sock.send(frame)  # the raw non-blocking socket: safe in the hub
        except OSError:
            pass

    def _fail(self, exc: Exception) -> None:
        """End the connection because of ``exc``, telling the server why with a close code."""
        if isinstance(exc, (wsframe.ProtocolError, SessionEnded)):
            code = exc.close_code
        elif isinstance(exc, UnicodeDecodeError):
            code = wsclose.CloseCode.INVALID_FRAME_PAYLOAD_DATA
        elif isinstance(exc, (ValueError, RecursionError)):
            code = wsclose.CloseCode.POLICY_VIOLATION  # a malformed Engine.IO/Socket.IO packet
        else:
            code = wsclose.CloseCode.NORMAL_CLOSURE
        self._send_close(code)
        named = isinstance(exc, ConnectError)  # its message says what happened in full
        self._finish(str(exc) if named else f"{type(exc).__name__}: {exc}")

    def _finish(self, reason: str) -> None:
        if self._closed:
            return
        if self._failure is None and not self._joined:
            # connect() is (or will be) waiting for the namespace connect: tell it why not.
            self._failure = ConnectError(f"connect to {self.host}:{self.port} failed: {reason}")
        self._closed = True
        self.connected = False
        self._ready.set()
        self._recvmsg = None
        if self._poller is not None:
            self._poller.remove(self._fd)  # before the close frees the fd number
            self._poller = None
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
        self._acks.clear()
        if self.on_close is not None:
            self.on_close(reason)
