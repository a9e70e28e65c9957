"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Results, manifests, progress files and reports are read while runs go on
(the runner polls progress, a user may open a report): each is written to a
temporary file beside the target and renamed over it.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (parent folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
