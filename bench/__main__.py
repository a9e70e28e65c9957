"""``python -m bench ARGS``: ``roombench bench ARGS``, deprecated (goes in the next release)."""

import sys

from loadtests.cli import alias

if __name__ == "__main__":
    sys.exit(alias("bench", ("bench",)))
