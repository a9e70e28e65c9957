"""Monkey-patching per async mode, done before Flask or Socket.IO are imported.

eventlet and gevent must replace the standard library's blocking primitives
(socket, threading, time, select, ...) before any module that uses them is
imported, or those modules keep the blocking versions (redis-py's sockets,
for one, would block the whole event loop). ``__main__`` therefore parses its
arguments with the standard library only, calls ``patch`` and only then
imports the server. Importing eventlet prints its deprecation warning: expected.
"""

from __future__ import annotations

from collections.abc import Callable


def _eventlet() -> None:
    import eventlet

    eventlet.monkey_patch()


def _gevent() -> None:
    from gevent import monkey

    monkey.patch_all()


def _threading() -> None:
    """Nothing to patch: real threads."""


PATCHES: dict[str, Callable[[], None]] = {
    "eventlet": _eventlet,
    "gevent": _gevent,
    "threading": _threading,
}


def patch(async_mode: str) -> None:
    """Monkey-patch the standard library for ``async_mode``."""
    PATCHES[async_mode]()
