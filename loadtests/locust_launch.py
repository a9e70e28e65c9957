"""``roombench locust``: Locust with roombench's locustfile, its options in ``--help``, on loopback.

Locust prints ``--help`` before it imports a locustfile, so plain
``locust -f loadtests/locustfile.py --help`` cannot list ``--roombench-*``.
Here, for ``--help`` only, the locustfile is imported first (its option
listener registers with Locust's parser) and Locust prints the full help. Any
other invocation is Locust's own ``main`` with two defaults added when absent:
``-f`` this project's locustfile, and ``--web-host 127.0.0.1`` (Locust's own
default listens on every interface).

    roombench locust --host http://127.0.0.1:5000 --roombench-scenario '{"users": 50}'
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

LOCUSTFILE = Path(__file__).resolve().with_name("locustfile.py")
HELP = ("-h", "--help")


def _has(args: Sequence[str], *options: str) -> bool:
    return any(a in options or a.startswith(tuple(f"{o}=" for o in options)) for a in args)


def locust_args(argv: Sequence[str]) -> list[str]:
    """``argv`` with ``-f LOCUSTFILE`` and ``--web-host 127.0.0.1`` added when absent."""
    args = list(argv)
    if not _has(args, "-f", "--locustfile"):
        args = ["-f", str(LOCUSTFILE), *args]
    if not _has(args, "--web-host"):
        args += ["--web-host", "127.0.0.1"]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = locust_args(sys.argv[1:] if argv is None else argv)
    if any(a in HELP for a in args):
        # Registers --roombench-* with Locust's parser; Locust then exits after the help,
        # before it would import the locustfile a second time.
        importlib.import_module("loadtests.locustfile")
    from locust.main import main as locust_main

    sys.argv = ["locust", *args]
    try:
        locust_main()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
