import pytest

from bench.payloads import EVENT, room_message, room_message_packet


@pytest.mark.parametrize("size", [0, 64, 16384])
def test_text_has_the_requested_size(size: int) -> None:
    assert len(room_message("r", size)["text"]) == size


def test_payload_carries_the_load_test_fields() -> None:
    assert set(room_message("r")) == {"room", "sender", "seq", "t_ns", "text"}


def test_packet_encodes_the_event_once() -> None:
    encoded = room_message_packet("r", 8).encode()
    assert encoded.startswith(f'2["{EVENT}",') and '"text":"xxxxxxxx"' in encoded


def test_negative_size_is_rejected() -> None:
    with pytest.raises(ValueError, match="text_bytes"):
        room_message("r", -1)
