"""The Engine.IO handshake check when nothing answers (no server needed)."""

from __future__ import annotations

import pytest

from loadtests.cluster.handshake import HandshakeError, answers, check_engineio
from loadtests.cluster.ports import free_port
from loadtests.cluster.processes import ProcessError


def test_nothing_listening_is_an_error_naming_the_url_and_what_was_expected() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(HandshakeError) as caught:
        check_engineio(url, timeout_s=1.0)
    message = str(caught.value)
    assert message.startswith(f"{url}: ConnectionRefusedError:")
    assert "expected HTTP 101 Switching Protocols, then an Engine.IO v4 open packet" in message
    assert isinstance(caught.value, ProcessError)  # the runner records it as a failed config
    assert answers(url) is False
