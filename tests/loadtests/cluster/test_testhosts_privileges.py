"""Without root, test hosts fail with the reason (never a silent skip)."""

from __future__ import annotations

import pytest

from loadtests.cluster.testhosts import TestHostError, TestHosts, require_privileges


def test_without_root_test_hosts_fail_and_say_why() -> None:
    with pytest.raises(TestHostError, match=r"need root .* runs as uid 1000"):
        require_privileges(euid=1000)
    require_privileges(euid=0)  # root with ip on PATH: no error


def test_bad_host_lists_are_refused_before_anything_is_made() -> None:
    with pytest.raises(TestHostError, match="distinct names"):
        TestHosts(["A", "A"])
    with pytest.raises(TestHostError, match=r"host names for unknown hosts \['Z'\]"):
        TestHosts(["A"], {"Z": "zed"})
