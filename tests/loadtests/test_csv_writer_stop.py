"""Locust's CSV writer is stopped before its files close: no write to a closed file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gevent
import pytest
from locust import User, task
from locust.env import Environment
from locust.stats import PERCENTILES_TO_REPORT, StatsCSVFileWriter

from loadtests.csv_writer_stop import csv_writer_greenlets, stop_csv_writer


class Idle(User):
    @task
    def nothing(self) -> None:
        """Never run."""


@pytest.fixture
def environment() -> Any:
    env = Environment(user_classes=[Idle])
    runner = env.create_local_runner()
    yield env
    runner.quit()


def test_the_writer_is_found_and_stopped_so_closing_its_files_is_safe(
    environment: Any, tmp_path: Path
) -> None:
    writer = StatsCSVFileWriter(environment, PERCENTILES_TO_REPORT, str(tmp_path / "run"))
    failures: list[BaseException] = []
    greenlet = gevent.spawn(writer.stats_writer)
    greenlet.link_exception(lambda g: failures.append(g.exception))
    gevent.sleep(0.05)  # one turn: headers written
    assert csv_writer_greenlets() == [greenlet]
    assert stop_csv_writer() == 1
    writer.close_files()
    gevent.sleep(0.05)
    assert greenlet.dead and not failures
    assert (tmp_path / "run_stats.csv").read_text().startswith("Type,Name,")
    assert stop_csv_writer() == 0


@pytest.mark.slow  # waits one writer turn (1 s)
def test_without_the_stop_the_writer_fails_on_the_closed_files(
    environment: Any, tmp_path: Path
) -> None:
    # The failure the stop prevents (an interrupted `make loadtest` logged it as CRITICAL).
    writer = StatsCSVFileWriter(environment, PERCENTILES_TO_REPORT, str(tmp_path / "run"))
    greenlet = gevent.spawn(writer.stats_writer)
    gevent.sleep(0.05)
    writer.close_files()
    greenlet.join(timeout=5)
    assert isinstance(greenlet.exception, ValueError)
    assert "closed file" in str(greenlet.exception)
