"""Test hosts for real: namespaces, host names, links, partitions, and nothing left behind.

Slow (root, real namespaces): a few seconds.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from loadtests.cluster.testhosts import PREFIX, TestHostError, TestHosts, ip
from tests.loadtests.conftest import MakeTestHosts

pytestmark = pytest.mark.slow

SERVE = (
    "import socket,sys\n"
    "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(4)\n"
    "while True:\n"
    "    c,_=s.accept(); c.sendall(socket.gethostname().encode()); c.close()\n"
)


def machine_state() -> tuple[list[str], list[str]]:
    """``ip netns list`` and the link list, names only, sorted."""
    spaces = sorted(line.split()[0] for line in ip("netns", "list").splitlines() if line.strip())
    links = sorted(line.split()[0].split("@")[0] for line in ip("-br", "link").splitlines())
    return spaces, links


def ask(address: str, port: int, timeout_s: float = 2.0) -> str:
    with socket.create_connection((address, port), timeout=timeout_s) as sock:
        return sock.recv(64).decode()


def ask_from(hosts: TestHosts, host: str, address: str, port: int) -> str:
    """What a connection from inside ``host`` to ``address:port`` reads ('' on failure)."""
    argv = [
        sys.executable,
        "-c",
        "import socket,sys\n"
        "try:\n"
        "    c=socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1)\n"
        "    print(c.recv(64).decode())\n"
        "except OSError as e:\n"
        "    print('failed', type(e).__name__)\n",
        address,
        str(port),
    ]
    done = subprocess.run(hosts[host].wrap(argv), capture_output=True, text=True, timeout=20)
    return done.stdout.strip()


def test_hosts_talk_under_their_own_names_and_partitions_cut_and_heal(
    test_hosts: MakeTestHosts,
) -> None:
    before = machine_state()
    hosts = test_hosts(["A", "B", "C"], hostnames={"B": "load-b", "C": "load-c"})
    assert {h.address.rsplit(".", 2)[0] for h in hosts.hosts.values()} == {"198.18"}
    for name in ("B", "C"):
        hosts.start(
            name, f"serve-{name}", [sys.executable, "-c", SERVE, hosts[name].address, "7000"]
        )
    hosts.start("A", "serve-A", [sys.executable, "-c", SERVE, hosts["A"].address, "7000"])
    link = hosts.connect("B", "C")
    hosts.start("C", "serve-C-link", [sys.executable, "-c", SERVE, link.addresses[1], "7001"])

    def wait_answer(address: str, port: int) -> str:
        for _ in range(100):
            try:
                return ask(address, port)
            except OSError:
                subprocess.run(["sleep", "0.05"], check=True)
        raise AssertionError(f"nothing answers on {address}:{port}")

    # Each host has its own stack and, on request, its own host name; the machine
    # reaches every host over the bridge.
    assert wait_answer(hosts["B"].address, 7000) == "load-b"
    assert wait_answer(hosts["C"].address, 7000) == "load-c"
    assert wait_answer(hosts["A"].address, 7000) == socket.gethostname()
    assert ask_from(hosts, "A", hosts["B"].address, 7000) == "load-b"
    assert (
        wait_answer(hosts["C"].address, 7000)
        and ask_from(hosts, "B", link.addresses[1], 7001) == "load-c"
    )

    # A partition on the point-to-point link: B's packets to C vanish (a timeout,
    # not a refusal), the bridge is untouched; heal restores it.
    hosts.partition("B", "C")
    assert ask_from(hosts, "B", link.addresses[1], 7001) == "failed TimeoutError"
    assert ask_from(hosts, "B", hosts["C"].address, 7000) == "load-c"
    hosts.heal("B", "C")
    assert ask_from(hosts, "B", link.addresses[1], 7001) == "load-c"
    # Cut from the machine: the host's bridge port down.
    hosts.partition("C", "load")
    assert ask_from(hosts, "A", hosts["C"].address, 7000) == "failed TimeoutError"
    hosts.heal("C", "load")
    assert ask_from(hosts, "A", hosts["C"].address, 7000) == "load-c"
    with pytest.raises(TestHostError, match="no link of its own between 'A' and 'B'"):
        hosts.partition("A", "B")
    with pytest.raises(TestHostError, match="no test host 'Z'"):
        hosts.partition("Z", "load")

    hosts.close()
    assert machine_state() == before
    assert not [p for p in hosts.processes if p.alive()]


def test_a_failure_half_way_removes_what_was_made(tmp_path: Path) -> None:
    before = machine_state()
    hosts = TestHosts(["A", "B"], log_dir=tmp_path)
    # Occupy the second host's namespace name: creating it fails after A exists.
    clash = f"{hosts.tag}-B"
    ip("netns", "add", clash)
    try:
        with pytest.raises(TestHostError, match="netns add"):
            hosts.create()
    finally:
        ip("netns", "del", clash)
    assert machine_state() == before


def test_names_carry_the_prefix_and_the_pid(test_hosts: MakeTestHosts) -> None:
    hosts = test_hosts(["x"])
    assert hosts.tag.startswith(f"{PREFIX}{os.getpid()}")
    spaces, links = machine_state()
    assert [s for s in spaces if s.startswith(hosts.tag)] == [f"{hosts.tag}-x"]
    assert sorted(x for x in links if x.startswith(hosts.tag)) == [
        f"{hosts.tag}b",
        f"{hosts.tag}f0",
    ]
