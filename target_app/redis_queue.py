"""A Redis message queue that fails loudly and recovers, instead of silently.

Why not python-socketio's ``RedisManager`` as is (5.18.1 with redis-py 8.1):

* Its publisher and its listener share ``self.redis`` / ``self.pubsub``; a
  failed publish reconnects by replacing both, pool and all.
* redis-py 8's default pool allows 100 connections and then raises "Too many
  connections" at once. Under eventlet or gevent every handler greenlet that
  publishes holds a connection until the reply, so a burst exhausts the pool
  and the message is lost.
* redis-py 8's default socket timeout is 5 s and its default ``Retry``
  retries timeouts: on a CPU-saturated node a PUBLISH reply can wait longer
  than that for its greenlet to be scheduled, and the retry then publishes
  the same message a second time.
* Failures are logged with the exception text in ``extra=``, which default
  formatters drop; the listener backs off up to 60 s after a failure, and
  Redis pub/sub does not buffer, so a node stays deaf (losing every message
  meanwhile) with nothing in its log saying why.

What this manager does instead (sizes in ``config.RedisQueueOptions``):

* The publisher has its own ``BlockingConnectionPool`` (32 connections):
  a PUBLISH on loopback takes microseconds, so 32 in flight means Redis is
  the bottleneck and more connections would not help; when all are busy a
  publisher *waits* (up to 30 s) instead of failing, which is backpressure,
  not loss. Its read timeout is 30 s: long enough that scheduling delay on a
  saturated node never trips it, short enough to notice a hung Redis.
  redis-py's own retries are off. A connection error is retried once (the
  command most likely never reached Redis); a timeout is *not* retried,
  because the message may already have been published and a retry would
  duplicate it. Every failure is logged at WARNING/ERROR with its cause.
* The listener has its own single connection, no read timeout (an idle
  channel is normal; redis-py 8 blocks indefinitely in ``listen()`` anyway),
  and TCP keepalive. After a failure it logs an ERROR saying that messages
  are being lost, and re-subscribes after 50 ms, backing off to at most 2 s;
  when subscribed again it logs a WARNING with how long it was deaf.
* ``health`` counts publish failures, listener failures and re-subscriptions
  for ``/stats``, and says whether the node is subscribed: ``/healthz``
  reports not-ok until it is, so a cluster is not declared ready while a
  node would still miss messages.

A subscriber that falls behind by more than redis-server's
``client-output-buffer-limit pubsub`` (32 MB by default) is disconnected by
Redis; that shows here as a listener failure, logged and counted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
import socketio
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from target_app.config import RedisQueueOptions
from target_app.replies import QueueDescription

logger = logging.getLogger(__name__)


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs and /stats)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


@dataclass
class QueueHealth:
    """What the queue has been through; read by ``/healthz`` and ``/stats``."""

    url: str
    channel: str
    subscribed: bool = False
    published: int = 0
    publish_failures: int = 0
    listener_failures: int = 0
    resubscriptions: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def ready(self) -> bool:
        """Subscribed now: every publish reaches this node (``/healthz``)."""
        return self.subscribed

    def count(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)

    def describe(self) -> QueueDescription:
        with self._lock:
            return {
                "manager": "robust",
                "url": redact(self.url),
                "channel": self.channel,
                "subscribed": self.subscribed,
                "published": self.published,
                "publish_failures": self.publish_failures,
                "listener_failures": self.listener_failures,
                "resubscriptions": self.resubscriptions,
            }


class RobustRedisManager(socketio.RedisManager):
    """``socketio.RedisManager`` with separate, deliberately sized publish and listen clients."""

    def __init__(
        self,
        url: str,
        channel: str = "flask-socketio",
        options: RedisQueueOptions | None = None,
    ) -> None:
        super().__init__(url, channel=channel)
        self.options = options or RedisQueueOptions()
        self.health = QueueHealth(url=url, channel=channel)
        self._publisher: redis.Redis | None = None
        self._publisher_lock = threading.Lock()

    def _publisher_client(self) -> redis.Redis:
        with self._publisher_lock:
            if self._publisher is None:
                opts = self.options
                pool = redis.BlockingConnectionPool.from_url(
                    self.redis_url,
                    max_connections=opts.publish_pool_size,
                    timeout=opts.pool_wait_s,
                    socket_timeout=opts.publish_timeout_s,
                    socket_connect_timeout=opts.connect_timeout_s,
                    socket_keepalive=True,
                    retry=Retry(NoBackoff(), 0),
                )
                self._publisher = redis.Redis(connection_pool=pool)
            return self._publisher

    def _publish(self, data: Any) -> Any:
        message = self.json.dumps(data)
        for attempt in (1, 2):
            try:
                receivers = self._publisher_client().publish(self.channel, message)
                self.health.count("published")
                return receivers
            except RedisTimeoutError as exc:
                self.health.count("publish_failures")
                logger.error(
                    "redis PUBLISH timed out (%s): the %s message may or may not have reached "
                    "other nodes; not retried, a retry could deliver it twice",
                    exc,
                    data.get("method"),
                )
                return None
            except RedisError as exc:
                self.health.count("publish_failures")
                if attempt == 1:
                    logger.warning(
                        "redis PUBLISH failed (%s: %s); retrying once", type(exc).__name__, exc
                    )
                else:
                    logger.error(
                        "redis PUBLISH failed again (%s: %s): the %s message is lost for "
                        "other nodes",
                        type(exc).__name__,
                        exc,
                        data.get("method"),
                    )
        return None

    def _listen(self) -> Iterator[bytes]:
        """Yield every message on the channel, re-subscribing after any failure."""
        channel = self.channel.encode("utf-8")
        backoff_s = self.options.resubscribe_min_s
        deaf_since: float | None = None
        while True:
            pubsub = None
            try:
                client = redis.Redis.from_url(
                    self.redis_url,
                    socket_timeout=None,
                    socket_connect_timeout=self.options.connect_timeout_s,
                    socket_keepalive=True,
                    retry=Retry(NoBackoff(), 0),
                )
                pubsub = client.pubsub()
                pubsub.subscribe(self.channel)
                for message in pubsub.listen():
                    kind = message["type"]
                    if kind == "message" and message["channel"] == channel:
                        yield message["data"]
                    elif kind == "subscribe":
                        # Redis confirmed the subscription: from now on every
                        # publish reaches this node.
                        self.health.subscribed = True
                        backoff_s = self.options.resubscribe_min_s
                        if deaf_since is not None:
                            self.health.count("resubscriptions")
                            logger.warning(
                                "redis listener subscribed to %r again after %.2f s; messages "
                                "published in that time did not reach this node",
                                self.channel,
                                time.monotonic() - deaf_since,
                            )
                            deaf_since = None
                raise redis.ConnectionError("subscription ended without an error")
            except Exception as exc:  # anything here means a deaf node
                self.health.subscribed = False
                self.health.count("listener_failures")
                if deaf_since is None:
                    deaf_since = time.monotonic()
                logger.error(
                    "redis listener lost its subscription to %r (%s: %s): messages from other "
                    "nodes are being lost; re-subscribing in %.2f s",
                    self.channel,
                    type(exc).__name__,
                    exc,
                    backoff_s,
                )
            finally:
                if pubsub is not None:
                    _close_quietly(pubsub)
            self.server.sleep(backoff_s)
            backoff_s = min(backoff_s * 2, self.options.resubscribe_max_s)


def _close_quietly(pubsub: Any) -> None:
    try:
        pubsub.close()
    except Exception:  # the connection is already broken
        logger.debug("closing a broken redis pubsub failed", exc_info=True)
