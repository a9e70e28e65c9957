"""Test hosts: Linux network namespaces on one bridge, addressed in 198.18.0.0/15.

A multi-host run (Locust master and workers, target_app nodes, redis-server on
separate machines) is rehearsed on one machine by giving each "host" its own
network stack: a namespace joined to a bridge by a veth pair, with loopback up,
an address of its own and, on request, a host name of its own (a UTS namespace,
``unshare --uts`` inside ``ip netns exec``). The machine itself sits on the
bridge too (``.254``), so a runner there reaches every host.

Why the names carry the pid: every namespace and link made here is named
``rb<pid><letter>...``, so two runs at once (or the leftovers of a killed one)
are told apart, and ``close`` deletes only its own. Why 198.18.0.0/15: it is
reserved for network benchmarks (RFC 2544), so the addresses cannot be anyone's.
Each group takes a free /24 of 198.18.0.0/16 for the bridge and, for
point-to-point links between two hosts (``connect``), a /24 of 198.19.0.0/16
cut into /30s.

A *partition* takes one end of a link down (``partition``/``heal``). The other
end keeps its route but has no carrier, so its packets vanish without an error:
the host that is cut off sees a hang, as on a real network, not a refused
connection.

Everything needs root and iproute2's ``ip``; without them ``create`` fails
with the reason (a test that wants test hosts fails; it never skips).
"""

from __future__ import annotations

import ipaddress
import itertools
import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from loadtests.cluster.processes import ManagedProcess

PREFIX = "rb"
BRIDGE_NETWORK = ipaddress.IPv4Network("198.18.0.0/16")  # a /24 of it per group
LINK_NETWORK = ipaddress.IPv4Network("198.19.0.0/16")  # a /24 per group, /30 per link
MACHINE_HOST = 254  # the machine's own address on the bridge: x.x.x.254
MAX_HOSTS = 60
MAX_LINKS = 63  # /30s in a /24
LOAD = "load"  # the machine itself, as a partition names it
_groups = itertools.count()


class TestHostError(RuntimeError):
    """Test hosts cannot be made or removed; the message says why and what to do."""

    __test__ = False  # not a pytest test class, whatever its name


def require_privileges(euid: int | None = None) -> None:
    """Raise TestHostError unless this process (or one running as ``euid``) can make
    namespaces: root, and iproute2's ``ip``."""
    euid = os.geteuid() if euid is None else euid
    if shutil.which("ip") is None:
        raise TestHostError(
            "test hosts need iproute2's ip: install it (Debian: apt-get install iproute2)"
        )
    if euid != 0:
        raise TestHostError(
            "test hosts need root (network namespaces, veth links and a bridge): "
            f"run as root; this process runs as uid {euid}"
        )


def ip(*args: str, check: bool = True) -> str:
    """Run ``ip ARGS``; its output, or TestHostError with what ``ip`` said."""
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and done.returncode != 0:
        raise TestHostError(f"ip {' '.join(args)}: {done.stderr.strip() or done.returncode}")
    return done.stdout


def names_with(prefix: str = PREFIX) -> tuple[list[str], list[str]]:
    """(namespaces, links) of this machine whose names start with ``prefix``."""
    spaces = [line.split()[0] for line in ip("netns", "list").splitlines() if line.strip()]
    links = [line.split()[0].split("@")[0] for line in ip("-br", "link").splitlines()]
    return [s for s in spaces if s.startswith(prefix)], [x for x in links if x.startswith(prefix)]


def _free_subnet(network: ipaddress.IPv4Network, start: int) -> int:
    """Index of a /24 of ``network`` no interface of this machine uses."""
    used = ip("-4", "-o", "addr")
    subnets = list(network.subnets(new_prefix=24))
    for step in range(len(subnets)):
        index = (start + step) % len(subnets)
        prefix = ".".join(str(subnets[index].network_address).split(".")[:3]) + "."
        if f" {prefix}" not in used:
            return index
    raise TestHostError(f"every /24 of {network} is in use: remove stale test hosts")


@dataclass
class TestHost:
    """One namespace: ``name`` (what scenarios and tests call it), ``netns``, its
    ``address`` on the bridge and its ``hostname`` (None: the machine's)."""

    name: str
    netns: str
    address: str
    hostname: str | None
    outer_link: str  # the machine's end of its veth, a port of the bridge
    __test__ = False

    def wrap(self, argv: Sequence[str]) -> list[str]:
        """``argv`` run inside this host (and under its host name, when it has one).

        ``ip netns exec`` and ``unshare`` both exec, so the pid the caller gets
        is the command's own and its process group is the command's.
        """
        inside = list(argv)
        if self.hostname is not None:
            inside = [
                "unshare",
                "--uts",
                "sh",
                "-c",
                'hostname "$0" && exec "$@"',
                self.hostname,
                *inside,
            ]
        return ["ip", "netns", "exec", self.netns, *inside]


@dataclass
class Link:
    """A point-to-point veth between hosts ``a`` and ``b``: ``ends`` (link names) and
    ``addresses`` (a's, b's) in a /30 of 198.19.0.0/16."""

    a: str
    b: str
    ends: tuple[str, str]
    addresses: tuple[str, str]


@dataclass
class TestHosts:
    """N test hosts on one bridge; a context manager that removes all it made.

    ``names``: the hosts (``A``, ``node-0``, ...); ``hostnames``: a host name for
    some of them (their own UTS namespace). ``log_dir``: where processes log.
    """

    names: Sequence[str]
    hostnames: Mapping[str, str] = field(default_factory=dict)
    log_dir: Path = Path(".")
    tag: str = ""
    hosts: dict[str, TestHost] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    processes: list[ManagedProcess] = field(default_factory=list)
    bridge: str = ""
    machine_address: str = ""
    _made_bridge: bool = False
    _link_index: int = 0
    _link_base: str = ""
    __test__ = False

    def __post_init__(self) -> None:
        if not self.tag:
            self.tag = f"{PREFIX}{os.getpid()}{chr(ord('a') + next(_groups) % 26)}"
        self.bridge = f"{self.tag}b"
        if len(set(self.names)) != len(self.names) or not 1 <= len(self.names) <= MAX_HOSTS:
            raise TestHostError(f"test hosts: 1..{MAX_HOSTS} distinct names, not {self.names}")
        unknown = sorted(set(self.hostnames) - set(self.names))
        if unknown:
            raise TestHostError(f"test hosts: host names for unknown hosts {unknown}")

    # -- making and removing -------------------------------------------------------

    def create(self) -> TestHosts:
        """Make the bridge and every host; on any failure remove what was made, then raise."""
        require_privileges()
        try:
            self._create()
        except BaseException:
            self.close()
            raise
        return self

    def _create(self) -> None:
        subnet = list(BRIDGE_NETWORK.subnets(new_prefix=24))[
            _free_subnet(BRIDGE_NETWORK, os.getpid() % 200)
        ]
        base = str(subnet.network_address).rsplit(".", 1)[0]
        self._link_base = str(
            list(LINK_NETWORK.subnets(new_prefix=24))[
                _free_subnet(LINK_NETWORK, os.getpid() % 200)
            ].network_address
        )
        ip("link", "add", self.bridge, "type", "bridge")
        self._made_bridge = True
        self.machine_address = f"{base}.{MACHINE_HOST}"
        ip("addr", "add", f"{self.machine_address}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")
        for index, name in enumerate(self.names):
            netns = f"{self.tag}-{name}"
            outer = f"{self.tag}f{index}"
            host = TestHost(name, netns, f"{base}.{index + 1}", self.hostnames.get(name), outer)
            ip("netns", "add", netns)
            self.hosts[name] = host
            ip("link", "add", outer, "type", "veth", "peer", "name", "eth0", "netns", netns)
            ip("link", "set", outer, "master", self.bridge, "up")
            ip("-n", netns, "addr", "add", f"{host.address}/24", "dev", "eth0")
            ip("-n", netns, "link", "set", "eth0", "up")
            ip("-n", netns, "link", "set", "lo", "up")

    def close(self) -> None:
        """Stop every process started here, then delete every namespace and link made.

        Idempotent; deletes only what this group made (not even other names with its
        tag). Raises TestHostError, after trying everything, when something made
        here is still there.
        """
        for process in reversed(self.processes):
            process.stop()
        made = [host.netns for host in self.hosts.values()]
        for host in self.hosts.values():
            # Deleting one end of a veth deletes the pair at once; a namespace's own
            # links go with it, but the kernel destroys a namespace lazily.
            ip("link", "del", host.outer_link, check=False)
            ip("netns", "del", host.netns, check=False)
        if self._made_bridge:
            ip("link", "del", self.bridge, check=False)
        deadline = time.monotonic() + 5.0
        while True:
            spaces, links = names_with(self.tag)
            left = [s for s in spaces if s in made] + [
                x for x in links if x == self.bridge or x.startswith(f"{self.tag}f")
            ]
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if left:
            raise TestHostError(f"test hosts {self.tag}: could not remove {left}")
        self.hosts.clear()
        self.links.clear()
        self._made_bridge = False

    def __enter__(self) -> TestHosts:
        return self.create()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- using -------------------------------------------------------------------

    def __getitem__(self, name: str) -> TestHost:
        try:
            return self.hosts[name]
        except KeyError:
            raise TestHostError(
                f"no test host {name!r}; allowed: {', '.join(self.hosts)}"
            ) from None

    def process(
        self,
        host: str,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> ManagedProcess:
        """A supervised process that runs ``argv`` inside ``host`` (not started yet);
        ``close`` stops it whatever happened."""
        process = ManagedProcess(
            f"{name} on {host}",
            self[host].wrap(argv),
            self.log_dir / f"{name}.log",
            env=env,
            cwd=cwd,
        )
        self.processes.append(process)
        return process

    def start(
        self,
        host: str,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> ManagedProcess:
        """``process(...)`` started."""
        return self.process(host, name, argv, env, cwd).start()

    def connect(self, a: str, b: str) -> Link:
        """A point-to-point link between hosts ``a`` and ``b`` (beside the bridge)."""
        first, second = self[a], self[b]
        if self._link_index >= MAX_LINKS:
            raise TestHostError(f"test hosts {self.tag}: at most {MAX_LINKS} links")
        index = self._link_index
        self._link_index += 1
        base = self._link_base.rsplit(".", 1)[0]
        addresses = (f"{base}.{4 * index + 1}", f"{base}.{4 * index + 2}")
        ends = (f"{self.tag}l{index}a", f"{self.tag}l{index}b")
        ip("link", "add", ends[0], "netns", first.netns, "type", "veth", "peer", "name", ends[1])
        ip("link", "set", ends[1], "netns", second.netns)
        for host, end, address in zip((first, second), ends, addresses, strict=True):
            ip("-n", host.netns, "addr", "add", f"{address}/30", "dev", end)
            ip("-n", host.netns, "link", "set", end, "up")
        link = Link(a, b, ends, addresses)
        self.links.append(link)
        return link

    def link(self, a: str, b: str) -> Link | None:
        """The point-to-point link between ``a`` and ``b`` (either order), if any."""
        for link in self.links:
            if {link.a, link.b} == {a, b}:
                return link
        return None

    def _cut_end(self, a: str, b: str) -> tuple[str | None, str]:
        """(namespace or None for the machine, link name) whose end goes down to cut a|b.

        A point-to-point link: b's end (a's packets to b then vanish). Otherwise one of
        them must be ``load`` (the machine): the other's port on the bridge.
        """
        link = self.link(a, b)
        if link is not None:
            at = 1 if link.b == b else 0
            return self[b].netns, link.ends[at]
        if LOAD in (a, b) and a != b:
            other = b if a == LOAD else a
            return None, self[other].outer_link
        raise TestHostError(
            f"no link of its own between {a!r} and {b!r}: a partition cuts a host from "
            f"the machine ({LOAD!r}) or a point-to-point link made by connect()"
        )

    def _set(self, a: str, b: str, state: str) -> str:
        netns, end = self._cut_end(a, b)
        ip(*(["-n", netns] if netns else []), "link", "set", end, state)
        return f"link {end}{' in ' + netns if netns else ''} {state}"

    def partition(self, a: str, b: str) -> str:
        """Cut ``a`` from ``b``: one end of their link down. Returns what was done."""
        return self._set(a, b, "down")

    def heal(self, a: str, b: str) -> str:
        """Undo ``partition(a, b)``: the same end up again."""
        return self._set(a, b, "up")
