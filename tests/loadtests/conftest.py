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


# The test-host fixture (imported after Locust above, like everything else here).
from collections.abc import Callable, Iterator, Mapping, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from loadtests.cluster.testhosts import TestHosts  # noqa: E402

MakeTestHosts = Callable[..., TestHosts]


@pytest.fixture
def test_hosts(tmp_path: Path) -> Iterator[MakeTestHosts]:
    """Make test hosts (network namespaces on a bridge, 198.18.0.0/15): removed on teardown.

    ``test_hosts(["A", "B"], hostnames={"B": "load-b"})``. Without root the call
    fails with the reason (TestHostError): such a test fails, it never skips.
    """
    made: list[TestHosts] = []

    def make(names: Sequence[str], hostnames: Mapping[str, str] | None = None) -> TestHosts:
        hosts = TestHosts(names, dict(hostnames or {}), log_dir=tmp_path / f"hosts{len(made)}")
        made.append(hosts)
        return hosts.create()

    try:
        yield make
    finally:
        for hosts in reversed(made):
            hosts.close()
