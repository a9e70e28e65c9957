"""Benchmark fixtures: a private redis-server for the queue case, and the JSON summary.

``redis_url`` starts ``redis-server`` on a free loopback port (no persistence,
its own process group) through ``loadtests.cluster.supervisor.RedisServer`` — the code
the load tests use — once per session, and stops it at the end, however the
session ends. Only benchmarks that ask for it start it.

``pytest_benchmark_update_json`` adds the handler/raw ratio (``bench.ratio``)
to the JSON pytest-benchmark writes (``--benchmark-json``), whatever order the
two benchmarks ran in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bench.ratio import add_handler_ratio
from loadtests.cluster.supervisor import RedisServer
from loadtests.model.bench import BenchJson


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = RedisServer(tmp_path_factory.mktemp("redis-logs"))
    try:
        server.start()
        yield server.url
    finally:
        server.stop()


def pytest_benchmark_update_json(config: Any, benchmarks: Any, output_json: BenchJson) -> None:
    add_handler_ratio(output_json)
