"""What a long-polling POST may carry (``polling_guard``'s pure checks)."""

from __future__ import annotations

import pytest

from target_app.polling_guard import (
    MAX_PACKETS_PER_POST,
    content_length_problem,
    poll_body_problem,
)


@pytest.mark.parametrize("body", ["3", "1", '42["message","x"]', '40\x1e42["a"]\x1e3'])
def test_packets_a_polling_client_sends_pass(body: str) -> None:
    assert poll_body_problem(body) is None


@pytest.mark.parametrize("body", ["6", "5", "2", "2probe", "x", "", "4", "4x", "bAAAA", "3\x1e6"])
def test_other_packets_are_refused(body: str) -> None:
    assert poll_body_problem(body) is not None


def test_a_post_may_hold_at_most_engineio_s_packet_count() -> None:
    assert poll_body_problem("\x1e".join(["3"] * MAX_PACKETS_PER_POST)) is None
    assert poll_body_problem("\x1e".join(["3"] * (MAX_PACKETS_PER_POST + 1))) is not None


@pytest.mark.parametrize(
    ("raw", "length", "refused"),
    [
        ("12", 12, False),
        ("0", 0, False),
        ("100", 100, False),
        ("101", 0, True),
        ("-1", 0, True),
        (None, 0, True),
        ("", 0, True),
        ("1e3", 0, True),
    ],
)
def test_content_length_must_be_present_and_within_the_cap(
    raw: str | None, length: int, refused: bool
) -> None:
    got_length, problem = content_length_problem(raw, 100)
    assert got_length == length
    assert (problem is not None) is refused
