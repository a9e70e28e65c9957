"""Lost deliveries reach Locust's statistics as failures, with counts, one event a second."""

from __future__ import annotations

from typing import Any

import pytest
from locust import User, task
from locust.env import Environment

from loadtests.webui.live import SettledSecond
from loadtests.webui.losses import NAME, REQUEST_TYPE, LossFeed


class Idle(User):
    @task
    def nothing(self) -> None:
        """Never run: the runner is not started."""


@pytest.fixture
def environment() -> Any:
    env = Environment(user_classes=[Idle])
    runner = env.create_local_runner()
    yield env
    runner.quit()


def _events(environment: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    environment.events.request.add_listener(lambda **kw: seen.append(kw))
    return seen


def test_failure_ratio_is_lost_over_expected_with_one_event_a_second(environment: Any) -> None:
    seen = _events(environment)
    fire = environment.events.request.fire
    for _ in range(4):  # the agent's 1-in-32 latency samples: deliveries too
        fire(
            request_type="WS",
            name="fanout",
            response_time=1.5,
            response_length=0,
            exception=None,
            context={},
        )
    feed = LossFeed(environment)
    feed.feed_seconds([SettledSecond(10, 1000, 950, 50), SettledSecond(11, 1000, 1000, 0)])
    feed.feed_seconds([SettledSecond(10, 1000, 950, 50)])  # already fed: ignored
    stats = environment.runner.stats
    entry = stats.get(NAME, REQUEST_TYPE)
    assert len(seen) == 4 + 2
    assert entry.num_failures == 50
    # Requests for deliveries (the samples plus this entry) equal the expected deliveries.
    assert entry.num_requests + 4 == 2000
    assert stats.total.num_requests == 2000 and stats.total.num_failures == 50
    assert stats.total.fail_ratio == pytest.approx(50 / 2000)
    (error,) = stats.errors.values()
    assert error.occurrences == 50 and "never arrived" in str(error.error)
    # No response time is invented for the counted requests.
    assert entry.num_none_requests == entry.num_requests
    assert stats.get("fanout", "WS").avg_response_time == 1.5


def test_finish_feeds_the_rest_up_to_the_results_counters_once(environment: Any) -> None:
    feed = LossFeed(environment)
    feed.feed_seconds([SettledSecond(10, 100, 90, 10)])
    feed.finish({"expected": 300, "lost": 25})
    feed.finish({"expected": 999, "lost": 999})  # once only
    entry = environment.runner.stats.get(NAME, REQUEST_TYPE)
    assert (entry.num_requests, entry.num_failures) == (300, 25)
    assert (feed.expected, feed.lost) == (300, 25)


def test_a_live_count_ahead_of_the_results_is_not_fed_twice(environment: Any) -> None:
    feed = LossFeed(environment)
    feed.feed_seconds([SettledSecond(10, 100, 90, 10)])
    feed.finish({"expected": 100, "lost": 8})  # a late delivery after settling
    entry = environment.runner.stats.get(NAME, REQUEST_TYPE)
    assert (entry.num_requests, entry.num_failures) == (100, 10)


def test_no_loss_no_failure(environment: Any) -> None:
    feed = LossFeed(environment)
    feed.feed_seconds([SettledSecond(10, 100, 100, 0)])
    stats = environment.runner.stats
    assert stats.total.num_failures == 0 and not stats.errors
    assert stats.get(NAME, REQUEST_TYPE).num_requests == 100
