"""``python -m loadtests.capacity ARGS``: ``roombench capacity ARGS``, deprecated."""

import sys

from loadtests.cli import alias

if __name__ == "__main__":
    sys.exit(alias("loadtests.capacity", ("capacity",)))
