"""``python -m reports build|summary|gate ARGS``: ``roombench report|summary|gate``, deprecated."""

import sys

from loadtests.cli import alias

if __name__ == "__main__":
    sys.exit(alias("reports", ()))
