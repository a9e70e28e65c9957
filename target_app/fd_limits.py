"""File descriptors: raise the soft limit at start-up, survive running out at ``accept``.

Every connection costs a descriptor (gevent's websocket a second one, a dup).
The soft ``RLIMIT_NOFILE`` is often 1024 while the hard limit is far higher,
so it is raised to the hard limit before serving.

When descriptors run out anyway, ``accept()`` fails with EMFILE (or ENFILE,
ENOBUFS, ENOMEM). eventlet 0.41's ``wsgi.server`` re-raises any accept error
outside a short list, which ended the accept loop and so the process. The
listening socket eventlet serves from is given ``accept`` that counts the
error (``/stats`` ``accept_errors``), logs it (rate-limited), waits
``ACCEPT_RETRY_S`` for descriptors to be released (the header and idle
timeouts release them) and tries again; waiting clients stay in the listen
backlog meanwhile. gevent's server already backs off and retries on its own,
and Werkzeug's (threading) drops the failed accept and goes on.
"""

from __future__ import annotations

import errno
import resource
from collections.abc import Callable
from typing import Any

RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
ACCEPT_RETRY_S = 0.1


def raise_nofile_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return soft
        return target
    return soft


def guard_eventlet_accept(listener: Any, on_error: Callable[[str], None]) -> Any:
    """Make ``listener`` (an eventlet GreenSocket) retry ``accept`` after resource errors.

    ``on_error`` receives the errno name (e.g. ``"EMFILE"``) of each failure.
    """
    import eventlet

    base = type(listener)

    class AcceptRetryingSocket(base):  # type: ignore[misc, valid-type]
        def accept(self) -> Any:
            while True:
                try:
                    return super().accept()
                except OSError as exc:
                    if exc.errno not in RESOURCE_ERRNOS:
                        raise
                    on_error(errno.errorcode.get(exc.errno, str(exc.errno)))
                    eventlet.sleep(ACCEPT_RETRY_S)

    listener.__class__ = AcceptRetryingSocket
    return listener
