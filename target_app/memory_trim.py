"""Give freed heap back to the system after a flood (glibc ``malloc_trim``).

CPython returns freed objects to its allocator, and glibc keeps the freed
pages of its arenas mapped: the 1 GiB a flood once grew the process to stayed
resident after the upload stopped. The inbound bound now keeps a flood from
growing the heap much, and what it did grow is handed back here once the
flooding connection has been closed. Not on any hot path: called once per
disconnected flooder. A no-op where the C library has no ``malloc_trim``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

_libc: Any = None


def trim_heap() -> bool:
    """Release free heap pages to the system; False when the C library cannot."""
    global _libc
    if _libc is None:
        name = ctypes.util.find_library("c")
        _libc = ctypes.CDLL(name) if name else False
    trim = getattr(_libc, "malloc_trim", None) if _libc else None
    if trim is None:
        return False
    trim(0)
    return True
