"""File descriptors: raise the soft limit at start-up, survive running out at ``accept``.

Every connection costs a descriptor (gevent's websocket a second one, a dup).
The soft ``RLIMIT_NOFILE`` is often 1024 while the hard limit is far higher,
so it is raised to the hard limit before serving (or set to
``--max-open-files``).

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


def set_nofile_limit(wanted: int = 0) -> int:
    """Set the soft RLIMIT_NOFILE to ``wanted`` (0: the hard limit); return the one in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    ceiling = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    target = min(wanted, ceiling) if wanted else ceiling
    if target == soft:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target


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
