"""python-socketio's own ``RedisManager``, unchanged: ``--redis-manager stock``.

The reference server's queue is ``redis_queue.RobustRedisManager``, whose
docstring says what it changes in the stock manager and why. To measure what
those changes buy (a node cut off from Redis: ``loadtests/scenarios/
partition-stock.toml``), a node can run the stock manager instead. Nothing of
its publish or listen path is overridden: it connects with redis-py's
defaults, publishes and re-subscribes as python-socketio 5.18.1 does.

What ``/stats`` can see of it is what it shows without being changed:

* ``subscribed``: whether its current pubsub object has subscribed (redis-py's
  own flag, set when SUBSCRIBE is sent). A failed publish makes the stock
  manager replace that object with a new, unsubscribed one while its listener
  keeps reading the old one, so after a publish failure this says False even
  while the node still hears the channel: the manager's own state, reported
  as it is.
* ``publish_failures`` and ``listener_failures``: counted from the manager's
  own log calls ("Cannot publish to redis...", "Cannot receive from
  redis..."). The stock class takes a ``logger`` argument; the one given here
  counts those lines and adds the exception text the stock manager puts in
  ``extra=``, where default formatters drop it.
* ``published`` and ``resubscriptions``: not measured (None); the stock
  manager keeps no such count.

``/healthz`` waits for the first subscription (``ready``), as it does for the
robust manager, so a cluster is not declared ready before a node hears the
channel.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import MutableMapping
from typing import Any

import socketio

from target_app.redis_queue import redact
from target_app.replies import QueueDescription

logger = logging.getLogger(__name__)

PUBLISH_FAILED = "Cannot publish to redis"  # python-socketio 5.18.1's own log lines
LISTEN_FAILED = "Cannot receive from redis"


class StockQueueHealth:
    """What ``/healthz`` and ``/stats`` see of a stock ``RedisManager`` (``manager``)."""

    def __init__(self, url: str, channel: str) -> None:
        self.url = url
        self.channel = channel
        self.manager: Any = None  # set once the manager exists
        self.publish_failures = 0
        self.listener_failures = 0
        self._ever_subscribed = False
        self._lock = threading.Lock()

    @property
    def subscribed(self) -> bool:
        pubsub = getattr(self.manager, "pubsub", None)
        now = bool(pubsub is not None and pubsub.subscribed)
        self._ever_subscribed = self._ever_subscribed or now
        return now

    @property
    def ready(self) -> bool:
        """Subscribed at least once: the node has heard the channel since it started."""
        return self.subscribed or self._ever_subscribed

    def saw(self, message: str) -> None:
        """Count one of the stock manager's failure lines."""
        with self._lock:
            if message.startswith(PUBLISH_FAILED):
                self.publish_failures += 1
            elif message.startswith(LISTEN_FAILED):
                self.listener_failures += 1

    def describe(self) -> QueueDescription:
        with self._lock:
            failures = (self.publish_failures, self.listener_failures)
        return {
            "manager": "stock",
            "url": redact(self.url),
            "channel": self.channel,
            "subscribed": self.subscribed,
            "published": None,
            "publish_failures": failures[0],
            "listener_failures": failures[1],
            "resubscriptions": None,
        }


class CountingLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The logger handed to the stock manager: counts its failure lines into ``health``
    and puts the ``redis_exception`` it passes in ``extra=`` into the message."""

    def __init__(self, health: StockQueueHealth) -> None:
        super().__init__(logger, {})
        self.health = health

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        self.health.saw(str(msg))  # counted whatever the log level lets through
        super().log(level, msg, *args, **kwargs)

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        extra = kwargs.pop("extra", None) or {}
        cause = extra.get("redis_exception")
        return (f"{msg} ({cause})" if cause else msg), kwargs


class StockRedisManager(socketio.RedisManager):
    """``socketio.RedisManager`` as shipped, with the counting logger and a ``health``."""

    def __init__(self, url: str, channel: str) -> None:
        self.health = StockQueueHealth(url, channel)
        super().__init__(url, channel=channel, logger=CountingLog(self.health))
        self.health.manager = self
