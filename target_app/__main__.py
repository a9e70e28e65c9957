"""``python -m target_app``: parse arguments, monkey-patch, then import and serve.

The order matters: see ``monkey``. Nothing above ``patch()`` may import
Flask, Socket.IO, redis or anything else that uses sockets or threads.
"""

from __future__ import annotations

import sys

from target_app.cli import parse_args
from target_app.monkey import patch


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    patch(config.async_mode)
    from target_app.server import serve  # after patching, on purpose

    return serve(config)


if __name__ == "__main__":
    sys.exit(main())
