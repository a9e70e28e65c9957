"""valgrind's callgrind: the command line that counts one case, and reading what it wrote.

The measured region is marked by a function, not a client request (CPython has
none): ``--collect-atstart=no --toggle-collect=sys_call_tracing`` turns
collection on when CPython's C function ``sys_call_tracing`` (``sys.call_tracing``)
is entered and off when it returns (``bench.instructions.child`` makes every
counted call through it). The symbol is a static function of libpython; it is
found in the symbol table of this build (``nm libpython3.11.so | grep
sys_call_tracing``), and a build stripped of it collects nothing, which
:func:`read_totals` refuses as an error instead of writing a count of 0.
``--dump-instr=no --dump-line=no`` keep the output file small: only the
totals are read.

A callgrind output file (format version 1) is text: header lines ``key: value``
(``version``, ``creator``, ``cmd``, ``events``), then cost lines, then
``summary:`` and/or ``totals:`` with one number per event (``Ir``: instructions
executed).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

VALGRIND = "valgrind"
DEBIAN_PACKAGE = "valgrind"
TOGGLE_FUNCTION = "sys_call_tracing"
EVENT = "Ir"
OPTIONS = (
    "--tool=callgrind",
    "--collect-atstart=no",
    f"--toggle-collect={TOGGLE_FUNCTION}",
    "--dump-instr=no",
    "--dump-line=no",
)


class CallgrindError(Exception):
    """valgrind is missing, or a callgrind output file cannot give a count."""


@dataclass(frozen=True)
class Totals:
    """What one callgrind output file counted: ``events`` name -> total, and the command."""

    events: dict[str, int]
    command: str
    creator: str

    @property
    def instructions(self) -> int:
        return self.events[EVENT]


def find_valgrind() -> str:
    """valgrind's path, or CallgrindError saying which Debian package to install."""
    path = shutil.which(VALGRIND)
    if path is None:
        raise CallgrindError(
            f"{VALGRIND} not found on PATH: install it (Debian: apt-get install "
            f"{DEBIAN_PACKAGE}) to count instructions"
        )
    return path


def valgrind_version(valgrind: str) -> str:
    """``valgrind --version`` without its prefix, e.g. ``3.19.0``."""
    out = subprocess.run(
        [valgrind, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    return out.stdout.strip().removeprefix("valgrind-") or "unknown"


def callgrind_argv(valgrind: str, out_file: Path, command: Sequence[str]) -> list[str]:
    """valgrind counting ``command``'s marked calls into ``out_file``."""
    return [valgrind, *OPTIONS, f"--callgrind-out-file={out_file}", *command]


_HEADER = re.compile(r"^(version|creator|cmd|events|summary|totals):\s*(.*)$")


def parse_totals(text: str) -> Totals:
    """The totals of a callgrind output file's text (``totals:``, else ``summary:``)."""
    header: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            header[match.group(1)] = match.group(2).strip()
    if "events" not in header:
        raise CallgrindError("not a callgrind output file: no 'events:' line")
    counts = header.get("totals", header.get("summary"))
    if counts is None:
        raise CallgrindError("callgrind output without 'totals:' or 'summary:' (cut short?)")
    names, values = header["events"].split(), counts.split()
    if len(values) > len(names) or not all(v.isdigit() for v in values):
        raise CallgrindError(
            f"callgrind totals {counts!r} do not match events {header['events']!r}"
        )
    # Trailing events with no cost are left out of the totals line.
    events = {name: int(values[i]) if i < len(values) else 0 for i, name in enumerate(names)}
    if EVENT not in events:
        raise CallgrindError(f"callgrind counted {header['events']!r}, not {EVENT}")
    return Totals(events=events, command=header.get("cmd", ""), creator=header.get("creator", ""))


def read_totals(path: Path) -> Totals:
    """:func:`parse_totals` of ``path``; a count of 0 is an error (the marker was never seen)."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        raise CallgrindError(f"{path}: cannot read callgrind output ({exc.strerror})") from exc
    totals = parse_totals(text)
    if totals.instructions == 0:
        raise CallgrindError(
            f"callgrind collected nothing: is {TOGGLE_FUNCTION} in this Python's symbols?"
        )
    return totals
