"""Locust imported in-process, for the tests that drive its objects directly.

``import locust`` monkey-patches the standard library with gevent, and warns
(an error here: warnings are errors) when ``ssl`` was imported before it,
which other tests' imports already did. The in-process tests (the Fan-out
tab's hooks, the loss feed, the CSV writer stop, the locustfile's edges) need
Locust's objects, not patched sockets, so Locust is imported once here with
its documented ``LOCUST_SKIP_MONKEY_PATCH``. The variable is removed right
after: Locust processes the end-to-end tests start must patch as usual.
"""

from __future__ import annotations

import os

os.environ["LOCUST_SKIP_MONKEY_PATCH"] = "1"
try:
    import locust  # noqa: F401, E402
finally:
    del os.environ["LOCUST_SKIP_MONKEY_PATCH"]
