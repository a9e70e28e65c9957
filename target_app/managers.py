"""Which python-socketio client manager a configuration gets (a registry by queue scheme).

No queue: a ``FanoutManager`` (in-memory rooms, counted, faults applied).
``redis://`` or ``rediss://``: ``RedisFanoutManager``, the robust Redis
manager whose local fan-out is a ``FanoutManager``. Its MRO is
RedisFanoutManager -> RobustRedisManager -> RedisManager -> PubSubManager ->
FanoutManager -> Manager, so ``PubSubManager``'s ``super().emit`` (the local
delivery of every emit, local or received from Redis) goes through
``FanoutManager.emit``. ``--redis-manager stock`` swaps the robust manager for
python-socketio's own (``StockRedisFanoutManager``, the same MRO with
``StockRedisManager`` in its place).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import socketio

from target_app.config import ServerConfig
from target_app.fanout import FanoutManager
from target_app.faults import FaultInjector
from target_app.redis_queue import RobustRedisManager
from target_app.stats import Counters
from target_app.stock_redis_queue import StockRedisManager


class RedisFanoutManager(RobustRedisManager, FanoutManager):
    """Robust Redis queue + counted, fault-injectable local fan-out."""

    def __init__(
        self, config: ServerConfig, counters: Counters, faults: FaultInjector | None
    ) -> None:
        assert config.message_queue is not None
        # The cooperative __init__ chain reaches FanoutManager without
        # arguments; its collaborators are set right after.
        super().__init__(config.message_queue, channel=config.queue_channel, options=config.redis)
        self.counters = counters
        self.faults = faults


class StockRedisFanoutManager(StockRedisManager, FanoutManager):
    """python-socketio's Redis queue as shipped + counted, fault-injectable local fan-out."""

    def __init__(
        self, config: ServerConfig, counters: Counters, faults: FaultInjector | None
    ) -> None:
        assert config.message_queue is not None
        super().__init__(config.message_queue, channel=config.queue_channel)
        self.counters = counters
        self.faults = faults


ManagerFactory = Callable[[ServerConfig, Counters, "FaultInjector | None"], socketio.Manager]


def _local(
    config: ServerConfig, counters: Counters, faults: FaultInjector | None
) -> socketio.Manager:
    return FanoutManager(counters, faults)


# --redis-manager: which Redis manager a queued node runs
REDIS_MANAGERS: dict[str, ManagerFactory] = {
    "robust": RedisFanoutManager,
    "stock": StockRedisFanoutManager,
}


def _redis(
    config: ServerConfig, counters: Counters, faults: FaultInjector | None
) -> socketio.Manager:
    return REDIS_MANAGERS[config.redis_manager](config, counters, faults)


MANAGERS: dict[str, ManagerFactory] = {"": _local, "redis": _redis, "rediss": _redis}


def build_manager(
    config: ServerConfig, counters: Counters, faults: FaultInjector | None
) -> socketio.Manager:
    """The client manager for ``config.message_queue`` (none -> in-memory)."""
    scheme = urlsplit(config.message_queue).scheme if config.message_queue else ""
    return MANAGERS[scheme](config, counters, faults)
