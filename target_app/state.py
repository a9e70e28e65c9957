"""Everything one node holds, in one object handed to handlers and HTTP routes."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from target_app.config import ServerConfig
from target_app.faults import FaultInjector
from target_app.log_limit import RateLimitedLog
from target_app.membership import Membership
from target_app.protocol import BAD_HTTP
from target_app.redis_queue import QueueHealth
from target_app.replies import StatsDocument
from target_app.stats import Counters, ProcessClock, stats_document
from target_app.stock_redis_queue import StockQueueHealth


@dataclass
class NodeState:
    """The node's configuration, membership index, counters and queue/fault state."""

    config: ServerConfig
    counters: Counters = field(default_factory=Counters)
    membership: Membership = field(default_factory=Membership)
    clock: ProcessClock = field(default_factory=ProcessClock)
    faults: FaultInjector | None = None
    queue: QueueHealth | StockQueueHealth | None = None
    log: RateLimitedLog = field(init=False)

    def __post_init__(self) -> None:
        # One rate limit per node for lines about hostile or broken clients.
        self.log = RateLimitedLog(
            logging.getLogger("target_app.guard"), self.config.guards.log_interval_s
        )

    def accept_failed(self, errno_name: str) -> None:
        """An ``accept()`` failed for lack of resources and will be retried."""
        self.counters.accept_error(errno_name)
        self.log.warn("accept_error", "accept() failed with %s; retrying", errno_name)

    def bad_request(self, detail: str) -> None:
        """The web server could not read a request (too many headers, a header timeout)."""
        self.counters.protocol_error(BAD_HTTP)
        self.log.warn(BAD_HTTP, "refused an HTTP request: %s", detail)

    def healthy(self) -> bool:
        """Ready to serve: always without a queue, once subscribed with one."""
        return self.queue is None or self.queue.ready

    def stats(self) -> StatsDocument:
        return stats_document(
            node_id=self.config.node_id,
            async_mode=self.config.async_mode,
            message_queue=self.queue.describe() if self.queue is not None else None,
            connections=self.membership.client_count,
            rooms=self.membership.room_count,
            counters=self.counters,
            clock=self.clock,
            faults=self.faults.describe() if self.faults is not None else None,
            gc_mode=self.config.gc_mode,
        )
