"""Check every Socket.IO packet before python-socketio dispatches it.

python-socketio 5.18 (``Server._handle_eio_message``) trusts what it decodes:

* a client EVENT named ``connect`` or ``disconnect`` runs the application's
  lifecycle handlers (``_trigger_event`` does not know who asked): the
  client was forgotten by the membership index while still connected and in
  its rooms, and a second ``connect`` sent a second ``welcome``; a second
  CONNECT packet (``40``) gave the connection a second sid and orphaned the
  first, which no disconnect ever cleaned up;
* a packet that does not decode (``42[``, an ack id of 100+ digits, JSON
  nested past the interpreter's recursion limit; its ack id, when the header
  is readable, still gets an error ack: ``header_ack_id``), an EVENT whose data is not
  ``[name, ...]`` (``42``, ``42{}``, ``42[{}]``) or a binary placeholder that
  points nowhere raises inside Engine.IO's message handler; Engine.IO logs
  the traceback (about 1.4 kB per 2-byte packet) and the client hears nothing;
* a BINARY_EVENT header declaring 999,999,999 attachments makes every later
  frame of that connection an attachment, kept until the connection closes.

``GuardedServer`` overrides that one method. It decodes the packet itself,
and refuses, counts (``/stats`` ``protocol_errors`` by kind) and answers with
an error (an ack when the packet carried an ack id, else an ``error`` event)
anything the reference protocol does not have: undecodable packets and
malformed events (``bad_payload``), reserved event names (``unknown_event``),
binary events, acks and attachments (``bad_payload``; the reference protocol
has no binary). Every other packet is dispatched exactly as upstream does,
through python-socketio's own ``_handle_event``, so normal events still reach
Flask-SocketIO's handlers unchanged. Log lines are rate-limited per kind.
Like ``acks.AckingServer``, the class is switched on the instance
Flask-SocketIO built; it keeps its collaborators in one attribute.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import flask_socketio
from socketio import packet

from target_app import protocol as p
from target_app.acks import AckingServer
from target_app.log_limit import RateLimitedLog
from target_app.stats import Counters

logger = logging.getLogger("target_app.guard")

# Names a client may not use: the lifecycle (python-socketio's
# ``reserved_events`` and the client's ``connect_error``) and its catch-all.
RESERVED_EVENTS = frozenset({"connect", "disconnect", "connect_error", "*"})


def is_reserved(event: str) -> bool:
    """True for event names no client may send: ``RESERVED_EVENTS`` and any ``_name``."""
    return event in RESERVED_EVENTS or event.startswith("_")


# An ack id longer than this is not one a client library makes (JavaScript's
# safe integers have 16 digits); the decoder refuses such packets anyway.
MAX_ACK_ID_DIGITS = 15
_ASCII_DIGITS = frozenset("0123456789")


def header_ack_id(encoded: str) -> int | None:
    """The ack id in an EVENT's header, read without decoding the rest (None if none).

    For a packet that will not decode (bad JSON, nesting past the
    interpreter's limit): when its header was readable, the client that asked
    for an ack still gets one, an error ack, instead of an ``error`` event it
    cannot match to its call. Format: type digit, for binary events the
    attachment count and ``-``, an optional ``/namespace,``, then the id digits.
    """
    if not encoded or encoded[0] not in "25":  # EVENT, BINARY_EVENT
        return None
    index = 1
    if encoded[0] == "5":
        index = encoded.find("-", 1) + 1
        if index == 0:
            return None
    if encoded.startswith("/", index):
        index = encoded.find(",", index) + 1
        if index == 0:
            return None
    end = index
    while end < len(encoded) and end - index <= MAX_ACK_ID_DIGITS and encoded[end] in _ASCII_DIGITS:
        end += 1
    if end == index or end - index > MAX_ACK_ID_DIGITS:
        return None
    return int(encoded[index:end])


@dataclass
class PacketGuard:
    """What ``GuardedServer`` counts into and logs through."""

    counters: Counters
    log: RateLimitedLog


class GuardedServer(AckingServer):
    """``AckingServer`` that refuses malformed, reserved and binary packets before dispatch."""

    roombench_guard: PacketGuard

    def _handle_eio_message(self, eio_sid: str, data: Any) -> None:  # type: ignore[override]
        if isinstance(data, (bytes, bytearray)):
            # An attachment: python-socketio would append it to a pending
            # binary packet. None is ever pending here (see below).
            self._refuse(eio_sid, None, p.BINARY, p.BAD_PAYLOAD, "binary frames are not accepted")
            return
        try:
            pkt = self.packet_class(encoded_packet=data)
        except RecursionError:
            self._refuse(
                eio_sid, header_ack_id(data), p.TOO_DEEP, p.BAD_PAYLOAD, "JSON nested too deeply"
            )
            return
        except Exception as exc:  # ValueError, TypeError, IndexError from a bad header
            self._refuse(
                eio_sid,
                header_ack_id(data),
                p.BAD_PACKET,
                p.BAD_PAYLOAD,
                f"undecodable packet ({type(exc).__name__})",
            )
            return
        kind = pkt.packet_type
        if kind == packet.EVENT:
            self._guarded_event(eio_sid, pkt)
        elif kind == packet.CONNECT:
            if self.manager.sid_from_eio_sid(eio_sid, pkt.namespace or p.NAMESPACE):
                # A second CONNECT would give this connection a second sid and
                # orphan the first one (never cleaned up at disconnect).
                self._refuse(
                    eio_sid,
                    None,
                    p.RESERVED_EVENT,
                    p.UNKNOWN_EVENT,
                    "already connected to this namespace",
                )
            else:
                self._handle_connect(eio_sid, pkt.namespace, pkt.data)
        elif kind == packet.DISCONNECT:
            self._handle_disconnect(eio_sid, pkt.namespace, self.reason.CLIENT_DISCONNECT)
        elif kind == packet.ACK:
            self._handle_ack(eio_sid, pkt.namespace, pkt.id, pkt.data)
        elif kind in (packet.BINARY_EVENT, packet.BINARY_ACK):
            self._refuse(
                eio_sid,
                pkt.id,
                p.BINARY,
                p.BAD_PAYLOAD,
                "binary events are not part of this protocol",
            )
        else:
            self._refuse(
                eio_sid,
                pkt.id,
                p.BAD_PACKET,
                p.BAD_PAYLOAD,
                f"packet type {kind!r} is not accepted from clients",
            )

    def _guarded_event(self, eio_sid: str, pkt: Any) -> None:
        data = pkt.data
        if not (isinstance(data, list) and data and isinstance(data[0], str)):
            self._refuse(
                eio_sid,
                pkt.id,
                p.BAD_EVENT,
                p.BAD_PAYLOAD,
                "an event is [name, args...] with a string name",
            )
        elif (pkt.namespace or p.NAMESPACE) != p.NAMESPACE:
            # The namespace is not connected: python-socketio ignores the
            # event; counting it keeps the refusal visible.
            self._refuse(
                eio_sid,
                pkt.id,
                p.BAD_EVENT,
                p.BAD_PAYLOAD,
                f"namespace {str(pkt.namespace)[:64]!r} is not served",
            )
        elif is_reserved(data[0]):
            self._refuse(
                eio_sid,
                pkt.id,
                p.RESERVED_EVENT,
                p.UNKNOWN_EVENT,
                f"event name {data[0][:64]!r} is reserved",
            )
        else:
            self._handle_event(eio_sid, pkt.namespace, pkt.id, data)

    def _refuse(self, eio_sid: str, ack_id: int | None, kind: str, code: str, detail: str) -> None:
        """Count ``kind`` and ``code``, log (rate-limited) and tell the client, if connected."""
        guard = self.roombench_guard
        guard.counters.protocol_error(kind)
        guard.counters.error(code)
        guard.log.warn(kind, "refused a packet from %s: %s", eio_sid, detail)
        if not self.manager.sid_from_eio_sid(eio_sid, p.NAMESPACE):
            return  # not (or no longer) connected to the namespace: nobody to tell
        reply = p.error_reply(code, detail)
        if ack_id is not None:
            answer = self.packet_class(packet.ACK, namespace=p.NAMESPACE, id=ack_id, data=[reply])
        else:
            answer = self.packet_class(packet.EVENT, namespace=p.NAMESPACE, data=[p.ERROR, reply])
        self._send_packet(eio_sid, answer)


def install(sio: flask_socketio.SocketIO, counters: Counters, log: RateLimitedLog) -> None:
    """Make ``sio``'s server a ``GuardedServer`` (call after ``acks.install``)."""
    server = sio.server
    server.__class__ = GuardedServer
    server.roombench_guard = PacketGuard(counters=counters, log=log)
    # python-socketio registered its bound ``_handle_eio_message`` with Engine.IO
    # when it was built: register the override in its place.
    server.eio.on("message", server._handle_eio_message)
