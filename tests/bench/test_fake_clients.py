import pytest
import socketio

from bench.fake_clients import (
    NAMESPACE,
    attach_engineio_socket,
    connect_client,
    connect_clients,
    drain,
)
from bench.payloads import EVENT, room_message
from bench.stub_engineio import stub_engineio_sends


def new_server() -> socketio.Server:
    return socketio.Server(async_mode="threading", monitor_clients=False)


def test_clients_are_connected_and_in_their_rooms() -> None:
    server = new_server()
    stub_engineio_sends(server)
    clients = connect_clients(server, 2, rooms_of=lambda i: [f"own-{i}", "shared"])
    assert [c.eio_sid for c in clients] == ["eio-0", "eio-1"]
    assert server.manager.is_connected(clients[0].sid, NAMESPACE)
    assert sorted(server.rooms(clients[1].sid)) == sorted([clients[1].sid, "own-1", "shared"])


def test_refused_connection_is_an_error() -> None:
    server = new_server()
    stub_engineio_sends(server)
    server.on("connect", lambda sid, environ: False)
    with pytest.raises(RuntimeError, match="refused"):
        connect_client(server, "eio-x")


def test_real_engineio_socket_queues_what_the_room_gets() -> None:
    server = new_server()
    sock = attach_engineio_socket(server, "eio-0")
    connect_clients(server, 1, rooms_of=lambda _: ["r"])
    assert drain(sock) == 1  # the CONNECT reply
    server.emit(EVENT, room_message("r"), to="r")
    server.emit(EVENT, room_message("r"), to="r")
    assert drain(sock) == 2
    assert drain(sock) == 0
