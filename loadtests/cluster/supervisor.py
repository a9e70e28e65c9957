"""The cluster under test: a private redis-server and N target_app nodes.

Both the matrix runner and the test fixtures start servers through this module,
so what the tests exercise is what users run. Everything listens on loopback,
on ports chosen here, and is stopped by process group when the ``cluster``
context exits — on success, failure, timeout or Ctrl-C alike.
"""

from __future__ import annotations

import json
import shutil
import socket
import sys
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtests.cluster import handshake, hosted
from loadtests.cluster.command_node import CommandNode
from loadtests.cluster.cpusets import CpuPlan
from loadtests.cluster.ports import LOOPBACK, free_port, port_in_use
from loadtests.cluster.processes import ManagedProcess, ProcessError
from loadtests.cluster.targets import ExternalTarget, check_pid, serves_stats
from loadtests.cluster.testhosts import TestHosts
from loadtests.model.json_object import JsonObject

REDIS_INSTALL_HINT = (
    "install it (Debian: apt-get install redis-server), pass --redis-server PATH, "
    "or pass --redis-url redis://127.0.0.1:PORT/0 for a server you run"
)


def find_redis_server(explicit: str | None = None) -> str:
    """Path of the redis-server binary, or a ProcessError saying how to get one."""
    if explicit:
        if Path(explicit).is_file():
            return explicit
        raise ProcessError(f"redis-server not found at {explicit}: {REDIS_INSTALL_HINT}")
    found = shutil.which("redis-server")
    if found is None:
        raise ProcessError(f"redis-server not found on PATH: {REDIS_INSTALL_HINT}")
    return found


# Runs argv somewhere else (a test host: ``TestHost.wrap``); None: here.
Wrap = Callable[[Sequence[str]], list[str]]
HERE = socket.gethostname()  # where a process the runner starts runs, unless wrapped


def _redis_ping(port: int, host: str = LOOPBACK) -> bool:
    with socket.create_connection((host, port), timeout=0.5) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


class RedisServer:
    """A throw-away redis-server on a free loopback port, without persistence.

    ``bind``: its addresses (default loopback; the first is the one ``url`` and the
    health check use); ``wrap`` runs it on a test host, named ``where`` in results.
    """

    def __init__(
        self,
        log_dir: Path,
        binary: str | None = None,
        port: int | None = None,
        bind: Sequence[str] = (LOOPBACK,),
        wrap: Wrap | None = None,
        where: str = HERE,
    ) -> None:
        self.binary = find_redis_server(binary)
        self.address = bind[0]
        self.port = port or free_port()
        self.url = f"redis://{self.address}:{self.port}/0"
        self.where = where
        argv = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            *bind,
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            str(log_dir),
            # redis-server's default disconnects a pub/sub subscriber that falls
            # 8 MB behind for 60 s; a node under load would lose every message of
            # that gap. A benchmark wants the backlog visible as latency instead.
            "--client-output-buffer-limit",
            "pubsub 0 0 0",
        ]
        if self.address != LOOPBACK:
            # On a test host (a namespace of its own), reachable from test hosts only:
            # redis-server's protected mode would refuse every client from another host.
            argv += ["--protected-mode", "no"]
        self.process = ManagedProcess(
            "redis-server", wrap(argv) if wrap else argv, log_dir / f"redis-{self.port}.log"
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self, timeout_s: float = 10.0) -> RedisServer:
        if port_in_use(self.port, self.address):
            raise ProcessError(f"port {self.port} is in use: cannot start redis-server there")
        self.process.start()
        self.process.wait_until(
            lambda: _redis_ping(self.port, self.address), timeout_s, "answering PING"
        )
        return self

    def stop(self) -> None:
        self.process.stop()


@dataclass(frozen=True)
class NodeSpec:
    """How to start one target_app node.

    ``async_mode`` defaults to eventlet (the user's card); ``message_queue`` is a
    redis:// URL or None for a single node; ``extra_args`` are passed verbatim to
    ``python -m target_app`` (e.g. ``("--gc", "freeze", "--inject-delay-ms", "5")``);
    ``app_dir`` is a checkout whose ``target_app`` runs instead of this one (None:
    this one), e.g. a git worktree of another commit for an A/B gate.
    """

    async_mode: str = "eventlet"
    message_queue: str | None = None
    extra_args: tuple[str, ...] = ()
    app_dir: Path | None = None


def _http_json(url: str, timeout_s: float = 2.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (loopback only)
        return json.loads(response.read())


class TargetNode:
    """One ``python -m target_app`` process on a free loopback port (or on ``bind``
    inside a test host, when ``wrap`` runs it there; ``where`` names that host)."""

    def __init__(
        self,
        spec: NodeSpec,
        log_dir: Path,
        index: int = 0,
        port: int | None = None,
        bind: str = LOOPBACK,
        wrap: Wrap | None = None,
        where: str = HERE,
    ) -> None:
        self.spec = spec
        self.index = index
        self.address = bind
        self.where = where
        self.port = port or free_port()
        self.url = f"http://{bind}:{self.port}"
        argv = [
            sys.executable,
            "-m",
            "target_app",
            "--host",
            bind,
            "--port",
            str(self.port),
            "--async-mode",
            spec.async_mode,
            "--node-id",
            f"node-{index}",
        ]
        if spec.message_queue:
            argv += ["--message-queue", spec.message_queue]
        argv += list(spec.extra_args)
        # `python -m` imports from the working directory first, so a node started
        # in another checkout runs that checkout's target_app.
        self.process = ManagedProcess(
            f"target_app node-{index}",
            wrap(argv) if wrap else argv,
            log_dir / f"node-{index}.log",
            cwd=spec.app_dir,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self, timeout_s: float = 30.0) -> TargetNode:
        if port_in_use(self.port, self.address):
            raise ProcessError(
                f"port {self.port} is in use: cannot start target_app node-{self.index}"
            )
        self.process.start()
        self.process.wait_until(self.healthy, timeout_s, "healthy (GET /healthz)")
        return self

    def healthy(self) -> bool:
        return bool(_http_json(f"{self.url}/healthz", timeout_s=1.0).get("ok"))

    def stats(self) -> JsonObject:
        """The node's ``GET /stats`` document."""
        result: JsonObject = _http_json(f"{self.url}/stats")
        return result

    def stop(self) -> None:
        self.process.stop()


@dataclass
class Cluster:
    """What ``cluster()`` started: the nodes, and redis when a queue is used;
    ``targets``: servers already running (nothing started, ``nodes`` empty)."""

    nodes: list[TargetNode | CommandNode]
    redis: RedisServer | None = None
    redis_url: str | None = None
    processes: list[ManagedProcess] = field(default_factory=list)
    targets: list[ExternalTarget] = field(default_factory=list)
    cpu_plan: CpuPlan | None = None  # where servers and generator run (None: not planned)
    hosts: TestHosts | None = None  # the test hosts the nodes and Redis run on, if any

    @property
    def generator_cpus(self) -> frozenset[int] | None:
        """The CPUs the generator's processes are pinned to (None: anywhere)."""
        plan = self.cpu_plan
        return plan.generator if plan is not None and plan.pinned else None

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes] + [target.url for target in self.targets]


QUEUES = ("none", "redis")


def check_topology(nodes: int, queue: str) -> None:
    """Raise ValueError when ``nodes`` nodes cannot share rooms over ``queue``."""
    if queue not in QUEUES:
        raise ValueError(f"queue must be 'none' or 'redis', not {queue!r}")
    if nodes > 1 and queue == "none":
        raise ValueError(f"{nodes} nodes need queue = 'redis' (rooms span nodes through Redis)")


@dataclass(frozen=True)
class ClusterSpec:
    """What to start: ``nodes`` target_app nodes (default 1) in ``async_mode``
    (default eventlet) with ``extra_args``, sharing a Redis queue when ``queue``
    is "redis" (default "none"). ``redis_url`` uses a Redis the caller runs
    instead of starting one (found on PATH, or ``redis_binary``); ``app_dir``
    runs target_app from another checkout (default: this one).
    ``command`` starts that command instead of target_app (``command_node``);
    ``targets`` are running servers' URLs (nothing is started), with
    ``target_pids`` to sample; ``handshake_query``/``handshake_headers`` are the
    protocol's, for the Engine.IO handshake that checks a server answers.
    ``cpu_plan`` pins every server started to its ``servers`` set (None: no pinning).
    ``test_hosts``: each node and redis-server on a test host of its own
    (``cluster.hosted``; target_app nodes only, needs root).
    """

    nodes: int = 1
    queue: str = "none"
    async_mode: str = "eventlet"
    extra_args: tuple[str, ...] = ()
    redis_url: str | None = None
    redis_binary: str | None = None
    app_dir: Path | None = None
    command: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    target_pids: tuple[int, ...] = ()
    handshake_query: tuple[tuple[str, str], ...] = ()
    handshake_headers: tuple[tuple[str, str], ...] = ()
    cpu_plan: CpuPlan | None = None
    test_hosts: bool = False

    def __post_init__(self) -> None:
        if not self.targets:
            check_topology(self.nodes, self.queue)


@contextmanager
def cluster(log_dir: Path, spec: ClusterSpec) -> Iterator[Cluster]:
    """Start redis (when ``spec.queue == "redis"`` and no ``redis_url``) and the nodes.

    Everything started is stopped when the block exits, however it exits.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    query, headers = dict(spec.handshake_query), dict(spec.handshake_headers)
    if spec.targets:
        # Already running: check each answers, start nothing.
        for url in spec.targets:
            handshake.check_engineio(url, query, headers)
        for pid in spec.target_pids:
            check_pid(pid)
        pids = list(spec.target_pids) + [None] * len(spec.targets)
        # A target_app node anywhere is measured through its /stats when no pid is given.
        targets = [
            ExternalTarget(i, u, pids[i], stats=pids[i] is None and serves_stats(u))
            for i, u in enumerate(spec.targets)
        ]
        yield Cluster([], targets=targets, cpu_plan=spec.cpu_plan)
        return
    if spec.test_hosts:
        with _hosted(log_dir, spec) as running:
            yield running
        return
    plan = spec.cpu_plan
    server_cpus = plan.servers if plan is not None and plan.pinned else None
    with ExitStack() as stack:
        redis: RedisServer | None = None
        redis_url = spec.redis_url
        if spec.queue == "redis" and redis_url is None:
            redis = RedisServer(log_dir, binary=spec.redis_binary)
            redis.process.cpus = server_cpus
            stack.callback(redis.stop)
            redis.start()
            redis_url = redis.url
        node_spec = NodeSpec(
            spec.async_mode,
            redis_url if spec.queue == "redis" else None,
            spec.extra_args,
            spec.app_dir,
        )
        started: list[TargetNode | CommandNode] = []
        for index in range(spec.nodes):
            node: TargetNode | CommandNode = (
                CommandNode(spec.command, log_dir, index, redis_url, query=query, headers=headers)
                if spec.command
                else TargetNode(node_spec, log_dir, index)
            )
            node.process.cpus = server_cpus
            stack.callback(node.stop)
            started.append(node.start())
        processes = ([redis.process] if redis else []) + [n.process for n in started]
        yield Cluster(started, redis, redis_url, processes, cpu_plan=plan)


@contextmanager
def _hosted(log_dir: Path, spec: ClusterSpec) -> Iterator[Cluster]:
    """``cluster`` on test hosts: every node and redis-server on a namespace of its own."""
    if spec.command or spec.redis_url:
        raise ProcessError(
            "test_hosts: only target_app nodes and the harness's own redis-server are placed "
            "on test hosts; leave out command / --redis-url"
        )
    with ExitStack() as stack:
        hosts = stack.enter_context(hosted.test_hosts_for(log_dir, spec.nodes, spec.queue))
        redis: RedisServer | None = None
        if spec.queue == "redis":
            redis_host = hosts[hosted.REDIS_HOST]
            redis = RedisServer(
                log_dir,
                binary=spec.redis_binary,
                port=hosted.REDIS_PORT,
                bind=hosted.redis_addresses(hosts),
                wrap=redis_host.wrap,
                where=hosted.REDIS_HOST,
            )
            stack.callback(redis.stop)
            redis.start()
        started: list[TargetNode | CommandNode] = []
        for index in range(spec.nodes):
            host = hosts[hosted.node_host(index)]
            queue = hosted.redis_url_for(hosts, index) if redis is not None else None
            node = TargetNode(
                NodeSpec(spec.async_mode, queue, spec.extra_args, spec.app_dir),
                log_dir,
                index,
                port=hosted.NODE_PORT,
                bind=host.address,
                wrap=host.wrap,
                where=host.name,
            )
            stack.callback(node.stop)
            started.append(node.start())
        processes = ([redis.process] if redis else []) + [n.process for n in started]
        yield Cluster(started, redis, redis.url if redis else None, processes, hosts=hosts)
