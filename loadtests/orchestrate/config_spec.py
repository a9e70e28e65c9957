"""One ``[[config]]`` of a scenario file: which server to measure, as one of three kinds.

- ``ReferenceServer``: target_app nodes the harness starts itself (nodes, queue,
  async_mode, gc, server_args, fault injection, app_dir, test_hosts, events,
  redis_manager);
- ``CommandServer``: any other Socket.IO server the harness starts from a
  ``command`` (nodes, queue, events);
- ``RunningTarget``: servers already running at ``target`` URLs, nothing started
  (target, target_pids).

Each kind holds only its own keys: a key that cannot apply to it cannot be set
(``orchestrate.config_table`` refuses it in the file, naming it). What every kind
has (name, load, protocol, abuse) is ``ConfigSpec``, the type the runner and the
capacity search take. ``to_dict`` writes every key for every kind, the ones a kind
does not have at the reference's defaults, so the results documents keep the
``config`` section they always had.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from loadtests.abuse.spec import AbuseSpec
from loadtests.cluster.supervisor import ClusterSpec
from loadtests.model.json_object import JsonObject
from loadtests.model.load import Load
from loadtests.model.profile import REFERENCE, Protocol
from loadtests.orchestrate.timeline import FaultEvent

MAX_NODES = 16

# The results' ``config`` section (JSON: docs/results-schema.md), a pass-through of
# what the scenario file said.
ConfigDoc = JsonObject

# The config document's keys in their order, at the values a kind that does not have
# the key is written with (the reference server's defaults; ReferenceServer's own).
_DOC_DEFAULTS: ConfigDoc = {
    "nodes": 1,
    "queue": "none",
    "async_mode": "eventlet",
    "gc": "freeze",
    "server_args": [],
    "inject_delay_ms": 0.0,
    "inject_drop_rate": 0.0,
    "load": None,
    "app_dir": None,
    "events": [],
    "command": [],
    "target": [],
    "target_pids": [],
    "protocol": None,
    "abuse": None,
    "test_hosts": False,
    "redis_manager": "robust",
}


@dataclass(frozen=True)
class ConfigSpec(ABC):
    """What every kind of server configuration has; use one of the three kinds below."""

    name: str
    load: Load | None = None  # this configuration's own load (None: the scenario's [load])
    protocol: Protocol = REFERENCE
    abuse: AbuseSpec | None = None  # [config.abuse]: hostile clients beside the load

    # What the runner asks of every kind; each kind has them as keys or derives them.
    @property
    @abstractmethod
    def nodes(self) -> int: ...

    @property
    def queue(self) -> str:
        return "none"

    @property
    def events(self) -> tuple[FaultEvent, ...]:
        return ()

    @property
    def test_hosts(self) -> bool:
        return False

    @abstractmethod
    def server_text(self) -> str:
        """The server, in the runner's one-line announcement of a run."""

    def target_app_args(self) -> list[str]:
        """The extra ``python -m target_app`` arguments (none: not a target_app)."""
        return []

    @abstractmethod
    def cluster_spec(
        self, redis_url: str | None = None, redis_binary: str | None = None
    ) -> ClusterSpec:
        """What the runner (and the capacity search) starts for this configuration."""

    def _handshake(self) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
        """The protocol's (query, headers) for the Engine.IO handshake that checks a server."""
        _auth, query, headers = self.protocol.connect_options(0)
        return tuple(query.items()), tuple(headers.items())

    def _own_doc(self) -> ConfigDoc:
        """This kind's own keys of the config document, JSON-ready."""
        return {}

    def to_dict(self) -> ConfigDoc:
        doc = {"name": self.name, **_DOC_DEFAULTS}
        doc.update(nodes=self.nodes, queue=self.queue, **self._own_doc())
        doc["load"] = self.load.to_dict() if self.load is not None else None
        doc["events"] = [event.to_dict() for event in self.events]
        doc["protocol"] = self.protocol.to_dict()
        doc["abuse"] = self.abuse.to_dict() if self.abuse is not None else None
        doc["test_hosts"] = self.test_hosts
        return doc


@dataclass(frozen=True, kw_only=True)
class ReferenceServer(ConfigSpec):
    """target_app nodes the harness starts. Defaults: 1 node, no queue, eventlet, gc
    ``freeze`` (target_app's own default: gc.freeze() after start-up, measured to cut
    full-collection pauses from 20-57 ms to 4-7 ms on this machine)."""

    nodes: int = 1
    queue: str = "none"
    async_mode: str = "eventlet"
    gc: str = "freeze"
    server_args: tuple[str, ...] = ()
    inject_delay_ms: float = 0.0
    inject_drop_rate: float = 0.0
    app_dir: Path | None = None  # run target_app from this checkout (None: this one)
    events: tuple[FaultEvent, ...] = ()
    test_hosts: bool = False  # nodes and redis-server on test hosts (cluster.hosted; root)
    redis_manager: str = "robust"  # target_app's --redis-manager (queue = "redis" only)

    def server_text(self) -> str:
        return f"{self.async_mode}, gc {self.gc}"

    def target_app_args(self) -> list[str]:
        args = ["--gc", self.gc]
        if self.inject_delay_ms:
            args += ["--inject-delay-ms", repr(self.inject_delay_ms)]
        if self.inject_drop_rate:
            args += ["--inject-drop-rate", repr(self.inject_drop_rate)]
        if self.redis_manager != "robust":
            args += ["--redis-manager", self.redis_manager]
        return args + list(self.server_args)

    def cluster_spec(
        self, redis_url: str | None = None, redis_binary: str | None = None
    ) -> ClusterSpec:
        query, headers = self._handshake()
        return ClusterSpec(
            nodes=self.nodes,
            queue=self.queue,
            async_mode=self.async_mode,
            extra_args=tuple(self.target_app_args()),
            redis_url=redis_url,
            redis_binary=redis_binary,
            app_dir=self.app_dir,
            handshake_query=query,
            handshake_headers=headers,
            test_hosts=self.test_hosts,
        )

    def _own_doc(self) -> ConfigDoc:
        return {
            "async_mode": self.async_mode,
            "gc": self.gc,
            "server_args": list(self.server_args),
            "inject_delay_ms": self.inject_delay_ms,
            "inject_drop_rate": self.inject_drop_rate,
            "app_dir": str(self.app_dir) if self.app_dir is not None else None,
            "redis_manager": self.redis_manager,
        }


@dataclass(frozen=True, kw_only=True)
class CommandServer(ConfigSpec):
    """Another Socket.IO server the harness starts, ``nodes`` times, from ``command``
    (placeholders ``{port}``, ``{node}``, ``{redis_url}`` filled per node)."""

    command: tuple[str, ...]
    nodes: int = 1
    queue: str = "none"
    events: tuple[FaultEvent, ...] = ()

    def server_text(self) -> str:
        return f"command {self.command[0]}"

    def cluster_spec(
        self, redis_url: str | None = None, redis_binary: str | None = None
    ) -> ClusterSpec:
        query, headers = self._handshake()
        return ClusterSpec(
            nodes=self.nodes,
            queue=self.queue,
            redis_url=redis_url,
            redis_binary=redis_binary,
            command=self.command,
            handshake_query=query,
            handshake_headers=headers,
        )

    def _own_doc(self) -> ConfigDoc:
        return {"command": list(self.command)}


@dataclass(frozen=True, kw_only=True)
class RunningTarget(ConfigSpec):
    """Servers already running at ``target`` URLs (one node a URL); nothing is started,
    and their CPU and memory are sampled only through ``target_pids``."""

    target: tuple[str, ...]
    target_pids: tuple[int, ...] = ()

    @property
    def nodes(self) -> int:
        return len(self.target)

    def server_text(self) -> str:
        return f"running at {', '.join(self.target)}"

    def cluster_spec(
        self, redis_url: str | None = None, redis_binary: str | None = None
    ) -> ClusterSpec:
        query, headers = self._handshake()
        return ClusterSpec(
            nodes=self.nodes,
            redis_url=redis_url,
            redis_binary=redis_binary,
            targets=self.target,
            target_pids=self.target_pids,
            handshake_query=query,
            handshake_headers=headers,
        )

    def _own_doc(self) -> ConfigDoc:
        return {"target": list(self.target), "target_pids": list(self.target_pids)}
