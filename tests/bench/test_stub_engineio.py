import socketio

from bench.fake_clients import connect_clients
from bench.payloads import EVENT, room_message
from bench.stub_engineio import AwaitedSends, stub_engineio_sends


def test_counting_sends_see_one_packet_per_member() -> None:
    server = socketio.Server(async_mode="threading", monitor_clients=False)
    sends = stub_engineio_sends(server)
    connect_clients(server, 3, rooms_of=lambda _: ["r"])
    before = sends.packets
    server.emit(EVENT, room_message("r"), to="r")
    assert sends.packets - before == 3


def test_awaited_sends_set_done_on_the_expected_packet() -> None:
    sends = AwaitedSends()
    sends.expect(2)
    sends.send_packet("a", object())
    assert not sends.done.is_set()
    sends.send_packet("b", object())
    assert sends.done.is_set()
    sends.expect(1)
    assert not sends.done.is_set()
