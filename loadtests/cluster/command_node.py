"""A server the harness starts from a configuration's ``command``: any Socket.IO server.

``command = ["node", "server.js", "--port", "{port}"]`` is started once per
node, each on a free loopback port, in its own process group, logging to
``node-N.log``, watched and sampled like a target_app node and stopped with
its process group at the end. Healthy = the Engine.IO handshake answers on its
port (``handshake``): any Socket.IO server does that, none need a
``/healthz``. Placeholders: ``{port}``, ``{node}`` (0-based index),
``{redis_url}`` (only with ``queue = "redis"``); ``{python}`` (this
interpreter) and ``{here}`` (the scenario file's folder) are filled in when
the scenario is read.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Sequence
from pathlib import Path

from loadtests.cluster import handshake
from loadtests.cluster.ports import LOOPBACK, free_port, port_in_use
from loadtests.cluster.processes import ManagedProcess, ProcessError
from loadtests.model.json_object import JsonObject

START_PLACEHOLDERS = ("port", "node", "redis_url")
PARSE_PLACEHOLDERS = ("python", "here")
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def command_placeholders(command: Sequence[str]) -> list[str]:
    """Every placeholder name the command uses, in order."""
    return [m.group(1) for arg in command for m in _PLACEHOLDER.finditer(arg)]


def fill(command: Sequence[str], values: dict[str, str]) -> list[str]:
    """``command`` with the placeholders of ``values`` replaced (others left as they are)."""
    return [_PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), arg) for arg in command]


class CommandNode:
    """Node ``index``: ``command`` on a free loopback port (same interface as ``TargetNode``)."""

    def __init__(
        self,
        command: Sequence[str],
        log_dir: Path,
        index: int = 0,
        redis_url: str | None = None,
        port: int | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.index = index
        self.where = socket.gethostname()  # the host, as results name it
        self.port = port or free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.query = query or {}
        self.headers = headers or {}
        argv = fill(
            command, {"port": str(self.port), "node": str(index), "redis_url": redis_url or ""}
        )
        self.process = ManagedProcess(
            f"node-{index} ({argv[0]})", argv, log_dir / f"node-{index}.log"
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self, timeout_s: float = 30.0) -> CommandNode:
        if port_in_use(self.port):
            raise ProcessError(f"port {self.port} is in use: cannot start node-{self.index}")
        try:
            self.process.start()
        except OSError as exc:
            raise ProcessError(
                f"node-{self.index}: cannot run {self.process.argv[0]!r} ({exc.strerror}); "
                "check the configuration's command"
            ) from exc
        self.process.wait_until(
            self.healthy, timeout_s, f"answering the Engine.IO handshake on port {self.port}"
        )
        return self

    def healthy(self) -> bool:
        return handshake.answers(self.url, self.query, self.headers)

    def stats(self) -> JsonObject:
        """No ``/stats`` outside target_app: say so instead of guessing."""
        return {"not_measured": "server counters: only target_app serves /stats"}

    def stop(self) -> None:
        self.process.stop()
