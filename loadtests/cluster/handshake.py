"""Does a URL answer the Engine.IO v4 websocket handshake? Checked before any load.

A server that is not there, is not Socket.IO, or speaks Engine.IO v3 would
otherwise show up as every user failing to join. The check does exactly what
a user does first — the websocket upgrade at ``/socket.io/?EIO=4&transport=websocket``
(with the profile's query and headers) — and wants the Engine.IO open packet
(``0{"sid": ...}``) as the first frame; then it closes. Blocking stdlib
sockets: it runs in the runner, outside gevent.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from loadtests.cluster.processes import ProcessError
from loadtests.wire import siopacket, wsframe

EXPECTED = (
    "HTTP 101 Switching Protocols, then an Engine.IO v4 open packet ('0{\"sid\": ...}') "
    "at /socket.io/?EIO=4&transport=websocket (a Socket.IO v5 server: python-socketio 5, "
    "Flask-SocketIO 5, Node socket.io 3/4)"
)


class HandshakeError(ProcessError):
    """No answer to the handshake; the message names the URL, what came, what was expected."""


def check_engineio(
    url: str,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout_s: float = 3.0,
) -> str:
    """Raise HandshakeError unless ``url`` answers; return the Engine.IO session id."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    path = siopacket.engineio_path() + (f"&{urlencode(query)}" if query else "")
    key = wsframe.new_key()
    bracketed = f"[{host}]" if ":" in host else host  # an IPv6 literal in the Host header
    request = wsframe.handshake_request(bracketed, port, path, key)
    if headers:
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = request[:-2] + extra.encode("latin-1") + b"\r\n"
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            status = head.split(b"\r\n", 1)[0].decode("latin-1") or "(no response)"
            if " 101 " not in status + " ":
                raise HandshakeError(f"{url}: answered {status!r}; expected {EXPECTED}")
            wsframe.check_handshake_response(head, key)
            parser = wsframe.FrameParser()
            frames = parser.feed(rest)
            while not frames:
                chunk = sock.recv(4096)
                if not chunk:
                    raise HandshakeError(
                        f"{url}: upgraded, then closed before any frame; expected {EXPECTED}"
                    )
                frames = parser.feed(chunk)
            opcode, payload = frames[0]
            text = payload.decode("utf-8", "replace")
            if opcode != wsframe.OP_TEXT or not text.startswith(siopacket.EIO_OPEN):
                raise HandshakeError(f"{url}: first frame {text[:80]!r}; expected {EXPECTED}")
            sid = siopacket.decode_open(text).get("sid")
            try:
                sock.sendall(
                    wsframe.encode_frame(b"\x03\xe8", wsframe.OP_CLOSE, b"\x00\x00\x00\x00")
                )
            except OSError:
                pass
            return str(sid)
    except HandshakeError:
        raise
    except (OSError, ValueError, wsframe.ProtocolError) as exc:
        raise HandshakeError(f"{url}: {type(exc).__name__}: {exc}; expected {EXPECTED}") from exc


def answers(
    url: str, query: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
) -> bool:
    """True when ``url`` answers the handshake (a health check)."""
    try:
        check_engineio(url, query, headers, timeout_s=1.0)
    except HandshakeError:
        return False
    return True
