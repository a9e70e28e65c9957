"""A target_app node per async mode, shared by the tests of a module.

Starting a node costs about a second; the protocol tests only need one per
mode and use fresh room names, so they share it. It is started through the
supervisor's ``TargetNode`` (the code behind ``node_factory``), before any
test's ``no_orphans`` snapshot, and stopped when the module is done.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loadtests.cluster.supervisor import NodeSpec, TargetNode
from tests.conftest import ASYNC_MODES


@pytest.fixture(scope="module", params=ASYNC_MODES)
def shared_node(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TargetNode]:
    """One node in each async mode, for the whole module."""
    node = TargetNode(NodeSpec(async_mode=request.param), tmp_path_factory.mktemp("node-logs"))
    try:
        yield node.start()
    finally:
        node.stop()
