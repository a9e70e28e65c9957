"""Ctrl-C and SIGTERM stop a roombench command the same way, whatever it inherited.

Both raise KeyboardInterrupt in the main thread, so the command unwinds through
its ``with`` blocks and stops every process it started. SIGINT gets Python's
own handler back even when the command was started with SIGINT ignored (a
shell script's background job inherits that), so an interrupt is never lost.
"""

from __future__ import annotations

import signal
from types import FrameType


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def stop_on_interrupts() -> None:
    """Install the handlers (main thread only)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
