"""Engine.IO / Socket.IO packet decoding: namespaces, refusals, and what is refused."""

from __future__ import annotations

import pytest

from loadtests.wire import siopacket
from loadtests.wire.siopacket import SioPacket


def test_namespace_is_kept() -> None:
    assert siopacket.decode_socketio('2/admin,["x"]') == SioPacket("2", None, ["x"], "/admin")
    assert siopacket.decode_socketio('2/admin,7["x"]') == SioPacket("2", 7, ["x"], "/admin")
    assert siopacket.decode_socketio("1/admin,") == SioPacket("1", None, None, "/admin")
    assert siopacket.decode_socketio('4{"message":"m"}').namespace == "/"


def test_refusal_reads_every_shape_servers_send() -> None:
    assert siopacket.refusal({"message": "no", "data": {"why": 1}}) == ("no", {"why": 1})
    assert siopacket.refusal({"message": "no"}) == ("no", None)
    assert siopacket.refusal("Unable to connect") == ("Unable to connect", None)
    assert siopacket.refusal(None) == ("(the server gave no reason)", None)
    assert siopacket.refusal({"code": 3}) == ("(the server gave no reason)", {"code": 3})


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "unknown Socket.IO packet type ''"),
        ("7", "unknown Socket.IO packet type '7'"),
        ("x[1]", "unknown Socket.IO packet type 'x'"),
        ("2[1", "Expecting"),  # bad JSON: json's own message
    ],
)
def test_bad_socketio_packets_are_refused(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        siopacket.decode_socketio(text)


def test_engineio_constants_cover_the_v4_packet_types() -> None:
    kinds = [siopacket.EIO_OPEN, siopacket.EIO_CLOSE, siopacket.EIO_PING, siopacket.EIO_PONG]
    kinds += [siopacket.EIO_MESSAGE, siopacket.EIO_UPGRADE, siopacket.EIO_NOOP]
    assert kinds == list("0123456")
    with pytest.raises(ValueError, match="not a JSON object"):
        siopacket.decode_open("0[]")
