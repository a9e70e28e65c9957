"""``python -m bench.eventlet_main [pytest args]``: pytest on ``eventlet_fanout.py``, patched.

``eventlet.monkey_patch()`` (all but subprocess) runs here, before pytest or
anything else is imported (``bench/__init__.py`` imports nothing), which is
what eventlet requires; its deprecation warning on import is expected
(eventlet is in maintenance mode; README.md, "The reference server").
"""

import eventlet

# subprocess stays unpatched: pytest-benchmark catches the stdlib CalledProcessError when it
# asks git for the project name, and the green module raises a different class.
eventlet.monkey_patch(subprocess=False)

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

MODULE = Path(__file__).resolve().parent / "eventlet_fanout.py"

if __name__ == "__main__":
    sys.exit(pytest.main([str(MODULE), *sys.argv[1:]]))
