"""The batched reader: kernel receive stamps, read statistics, the poller's bookkeeping."""

from __future__ import annotations

import socket
import struct
import time

import gevent
from gevent import socket as gsocket

from loadtests.wire import readpoll


def _timespec(t_ns: int) -> bytes:
    return struct.pack("@qq", t_ns // 1_000_000_000, t_ns % 1_000_000_000)


def test_kernel_time_from_ancillary_data() -> None:
    t_ns = 1_700_000_000_123_456_789
    anc = [(socket.SOL_SOCKET, readpoll.SCM_TIMESTAMPNS, _timespec(t_ns))]
    assert readpoll.kernel_time_ns(anc) == t_ns


def test_kernel_time_ignores_other_or_short_messages() -> None:
    assert readpoll.kernel_time_ns([]) is None
    assert readpoll.kernel_time_ns([(socket.SOL_SOCKET, 29, _timespec(5))]) is None  # SO_TIMESTAMP
    scm = readpoll.SCM_TIMESTAMPNS
    assert readpoll.kernel_time_ns([(socket.IPPROTO_IP, scm, _timespec(5))]) is None
    assert readpoll.kernel_time_ns([(socket.SOL_SOCKET, scm, b"\0" * 8)]) is None


def test_receive_stats_count_shared_stamps_and_start_afresh() -> None:
    stats = readpoll.ReceiveStats()
    stats.note(1)
    stats.note(0)  # a partial frame
    stats.note(3)
    stats.note(2, stamped=False)
    assert stats.take() == {
        "reads": 4,
        "frames": 6,
        "multi_frame_reads": 2,
        "frames_in_multi_frame_reads": 5,
        "unstamped_reads": 1,
    }
    assert set(stats.take().values()) == {0}


def _tcp_pair() -> tuple[socket.socket, socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    client = gsocket.create_connection(server.getsockname())
    peer, _ = server.accept()
    server.close()
    peer.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return client, peer


def test_loopback_stamp_is_the_arrival_not_the_read() -> None:
    """The stamp lies between the send and the (late) read: reading late adds nothing."""
    client, peer = _tcp_pair()
    try:
        readpoll.enable_timestamps(client)
        # The kernel turns receive stamping on asynchronously once the first
        # socket asks: data arriving before that has no stamp (counted as
        # unstamped_reads in a run).
        time.sleep(0.05)
        before = time.time_ns()
        peer.sendall(b"hello")
        after = time.time_ns()
        gevent.sleep(0.05)
        data, anc, _flags, _addr = client.recvmsg(1024, readpoll.ANCILLARY_BYTES)
        read_ns = time.time_ns()
        stamp = readpoll.kernel_time_ns(anc)
        assert data == b"hello"
        assert stamp is not None
        assert before - 1_000_000 <= stamp <= after + 1_000_000  # 1 ms slack for clock reads
        assert read_ns - stamp >= 40_000_000
    finally:
        client.close()
        peer.close()


def test_poller_reads_ready_sockets_once_per_tick_and_forgets_removed_ones() -> None:
    client, peer = _tcp_pair()
    poller = readpoll.ReadPoller(gevent.get_hub().loop, interval_s=0.005)
    got: list[bytes] = []

    def reader() -> None:
        got.append(client.recv(1024))

    try:
        fd = client.fileno()
        poller.add(fd, reader)
        assert len(poller) == 1
        gevent.sleep(0.03)
        assert got == []  # nothing ready: the reader is not called
        peer.sendall(b"a")
        peer.sendall(b"b")
        gevent.sleep(0.03)
        assert b"".join(got) == b"ab"
        poller.remove(fd)
        poller.remove(fd)  # idempotent
        assert len(poller) == 0
        peer.sendall(b"c")
        gevent.sleep(0.03)
        assert b"".join(got) == b"ab"
    finally:
        poller.remove(client.fileno())
        client.close()
        peer.close()


def test_one_poller_per_hub() -> None:
    assert readpoll.poller() is readpoll.poller()
