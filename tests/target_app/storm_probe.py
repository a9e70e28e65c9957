"""Time ``/healthz`` after a threading node's clients all reset at once (issue 27, defect 3).

``python -m tests.target_app.storm_probe CLIENTS [target_app options...]`` starts one
threading node, connects up to CLIENTS raw websocket clients one after another (those
past ``--max-threading-sessions`` are refused), resets them all at once (SO_LINGER 0)
and prints how long ``GET /healthz`` took to answer, then how long the node took to
drop every session. A measurement, not a test: run it under the machine lock.
"""

from __future__ import annotations

import resource
import socket
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from loadtests.cluster.supervisor import NodeSpec, TargetNode
from tests.target_app.raw_ws import RawClient

HEALTHZ_TIMEOUT_S = 90.0
CLEANUP_LIMIT_S = 60.0


def main(argv: list[str]) -> int:
    clients_wanted, extra = int(argv[0]), tuple(argv[1:])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    node = TargetNode(NodeSpec("threading", None, extra), Path(tempfile.mkdtemp()))
    node.start()
    clients = []
    try:
        refused = 0
        for _ in range(clients_wanted):
            client = RawClient(node.port)
            try:
                clients.append(client.connect())
            except AssertionError:
                refused += 1
                client.close()
        stats = node.stats()
        print(
            f"connected {len(clients)} refused {refused} "
            f"(sessions_refused {stats['sessions_refused']}) threads {stats['threads']}"
        )
        for client in clients:
            client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            client.close()
        started = time.monotonic()
        with urllib.request.urlopen(f"{node.url}/healthz", timeout=HEALTHZ_TIMEOUT_S) as reply:  # noqa: S310
            print(f"healthz {reply.status} after {time.monotonic() - started:.2f} s")
        started = time.monotonic()
        while node.stats()["connections"] and time.monotonic() - started < CLEANUP_LIMIT_S:
            time.sleep(0.2)
        print(f"every session dropped after {time.monotonic() - started:.1f} s more")
    finally:
        node.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
