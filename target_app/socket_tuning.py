"""Per-async-mode web server options: TCP_NODELAY, closing after websockets, connection caps.

None of the three servers ``socketio.run`` can start sets TCP_NODELAY on the
sockets it accepts (eventlet sets TCP_QUICKACK instead), so small Socket.IO
frames wait for Nagle's algorithm: measured here, that put p99 fan-out latency
near 25 ms at 8k deliveries/s, against 3-10 ms with TCP_NODELAY. Linux copies
TCP_NODELAY from a listening socket to the sockets it accepts, but
``socketio.run`` creates the listening socket itself, so the option is set per
accepted socket through each server's own per-connection hook:

* eventlet: the ``protocol`` class given to ``eventlet.wsgi.server``;
* gevent: the ``handler_class`` given to ``gevent.pywsgi.WSGIServer``;
* threading: Werkzeug's ``request_handler``, whose ``socketserver`` base
  sets the option when ``disable_nagle_algorithm`` is true.

gevent's and Werkzeug's servers also keep a connection open for another
HTTP request after the websocket on it has ended (simple-websocket works on
a duplicate of the socket). The client's websocket close frame then arrives
at the HTTP parser as garbage ("Invalid HTTP method") and the client waits
3 s for a close reply that never comes: every disconnect took 3 s. Their
handlers here close the connection once a websocket request is done.

eventlet also caps simultaneous connections at ``max_size`` = 1024 by
default (the 1025th websocket hangs); it is raised to ``--max-connections``.

The listen backlog (eventlet 50, Werkzeug 128, gevent 256 by default) bounds
the connections the kernel holds for ``accept``; a burst of connects beyond it
has its SYNs dropped, and each of those clients waits a 1 s retransmit — a
1 s connect p99 that measures the default, not the server. It is raised to
``--listen-backlog`` (default 1024). ``socketio.run`` passes no backlog to
eventlet's ``listen`` nor to Werkzeug, so for those two the library default is
replaced before the listening socket is made.

Each server also gets ``--header-timeout-s`` as the timeout of an accepted
socket until its request is read (slowloris: idle and half-sent requests held
sockets 60 s+ in every mode); a websocket's socket is then given Engine.IO's
ping-based timeout (``transport_guard``). eventlet's listening socket retries
``accept`` after EMFILE instead of ending the process (``fd_limits``).

Server modules are imported inside the functions: only the selected mode's
server may be imported (and only after monkey-patching).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypedDict

from target_app.config import ServerConfig
from target_app.fd_limits import guard_eventlet_accept


def set_nodelay(sock: Any) -> None:
    """Set TCP_NODELAY on ``sock``; ignore sockets that are not TCP (e.g. AF_UNIX)."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass


def _is_websocket(environ: Mapping[str, object]) -> bool:
    return str(environ.get("HTTP_UPGRADE", "")).lower() == "websocket"


class ServerOptions(TypedDict, total=False):
    """Keyword arguments of ``SocketIO.run`` that tune its web server: each mode's own."""

    max_size: int  # eventlet: connections at once
    socket_timeout: float  # eventlet
    protocol: type  # eventlet: the HTTP protocol class
    handler_class: type  # gevent
    backlog: int  # gevent
    request_handler: type  # threading (werkzeug)
    allow_unsafe_werkzeug: bool  # threading


class ServerHooks(Protocol):
    """What the web servers report about clients (``NodeState`` implements it)."""

    def accept_failed(self, errno_name: str) -> None:
        """An ``accept()`` failed for lack of resources (errno name) and will be retried."""

    def bad_request(self, detail: str) -> None:
        """The web server could not read a client's request (too many headers, timed out)."""


def _eventlet_options(config: ServerConfig, hooks: ServerHooks) -> ServerOptions:
    import eventlet
    import eventlet.wsgi

    listen = eventlet.listen

    def listen_with_backlog(addr: Any, family: int = socket.AF_INET, **kwargs: Any) -> Any:
        kwargs["backlog"] = config.listen_backlog
        return guard_eventlet_accept(listen(addr, family, **kwargs), hooks.accept_failed)

    # Flask-SocketIO calls eventlet.listen(addr, family): its backlog is 50.
    eventlet.listen = listen_with_backlog
    options: ServerOptions = {
        "max_size": config.max_connections,
        "socket_timeout": config.guards.header_timeout_s,
    }
    if config.tcp_nodelay:

        class NoDelayHttpProtocol(eventlet.wsgi.HttpProtocol):  # type: ignore[misc]
            def setup(self) -> None:
                set_nodelay(self.request)
                super().setup()

        options["protocol"] = NoDelayHttpProtocol
    return options


def _gevent_options(config: ServerConfig, hooks: ServerHooks) -> ServerOptions:
    from gevent import pywsgi

    class TunedWSGIHandler(pywsgi.WSGIHandler):  # type: ignore[misc]
        def __init__(self, sock: Any, address: Any, server: Any, rfile: Any = None) -> None:
            if config.tcp_nodelay:
                set_nodelay(sock)
            sock.settimeout(config.guards.header_timeout_s)
            super().__init__(sock, address, server, rfile)

        def handle_one_response(self) -> None:
            super().handle_one_response()
            if _is_websocket(self.environ):
                self.close_connection = True

        def _handle_client_error(self, ex: BaseException) -> Any:
            # gevent prints a traceback for any client error that is not a
            # ValueError (a request with more than 100 headers raises
            # http.client.HTTPException; a slowloris socket's header timeout,
            # TimeoutError) and logs a line for every one: counted and
            # rate-limited here, answered as gevent answers them.
            hooks.bad_request(f"{type(ex).__name__}: {str(ex)[:80]}")
            self.close_connection = True
            return ("400", pywsgi._BAD_REQUEST_RESPONSE)

    return {"handler_class": TunedWSGIHandler, "backlog": config.listen_backlog}


def _threading_options(config: ServerConfig, hooks: ServerHooks) -> ServerOptions:
    from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

    # run_simple has no backlog parameter; the server class reads this attribute.
    BaseWSGIServer.request_queue_size = config.listen_backlog

    class TunedRequestHandler(WSGIRequestHandler):
        disable_nagle_algorithm = config.tcp_nodelay
        timeout = config.guards.header_timeout_s  # socketserver sets it in setup()

        def run_wsgi(self) -> None:
            super().run_wsgi()
            if _is_websocket(self.environ):
                self.close_connection = True

    # Werkzeug is the only server of this mode; it refuses to start outside a
    # terminal unless told that this is deliberate.
    return {"request_handler": TunedRequestHandler, "allow_unsafe_werkzeug": True}


SERVER_OPTIONS: dict[str, Callable[[ServerConfig, ServerHooks], ServerOptions]] = {
    "eventlet": _eventlet_options,
    "gevent": _gevent_options,
    "threading": _threading_options,
}


def server_options(config: ServerConfig, hooks: ServerHooks) -> ServerOptions:
    """Extra keyword arguments for ``SocketIO.run`` in ``config.async_mode``.

    ``hooks`` is told of each survived ``accept`` failure and (gevent) each
    request the server could not read.
    """
    return SERVER_OPTIONS[config.async_mode](config, hooks)


# Any values: a WSGI environ (PEP 3333) holds objects of each server's own classes.
def request_socket(environ: dict[str, Any]) -> Any:
    """The accepted socket serving this WSGI request (as simple-websocket finds it), or None."""
    if "werkzeug.socket" in environ:
        return environ["werkzeug.socket"]
    if "eventlet.input" in environ:
        return environ["eventlet.input"].get_socket()
    wsgi_input = environ.get("wsgi.input")
    rfile = getattr(wsgi_input, "rfile", wsgi_input)
    raw = getattr(rfile, "raw", None)
    return getattr(raw, "_sock", None)


def nodelay_of(sock: Any) -> bool | None:
    """Whether TCP_NODELAY is set on ``sock`` (None when it cannot be read)."""
    try:
        return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    except (OSError, AttributeError):
        return None
