"""A real python-socketio server refusing the namespace: its reason reaches ``connect()``'s caller.

A target_app node never refuses a connect, so this starts the tiny server in
``refusing_server.py`` (python-socketio, gevent WSGI, websocket only) in its
own process on a free loopback port, and stops it by its pid.
"""

from __future__ import annotations

import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtests.wire.client import ConnectRefused, SioClient

SERVER = Path(__file__).with_name("refusing_server.py")
START_TIMEOUT_S = 20.0


@pytest.fixture
def refusing_server() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, str(SERVER)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT_S)
        line = proc.stdout.readline() if ready else ""
        if not line.strip().isdigit():
            proc.kill()
            _, err = proc.communicate(timeout=5)
            pytest.fail(f"refusing_server.py gave no port within {START_TIMEOUT_S:.0f} s: {err}")
        yield f"http://127.0.0.1:{int(line)}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.slow
def test_namespace_refused_for_auth_shows_the_servers_reason(refusing_server: str) -> None:
    for _ in range(2):  # the refusal ends the session cleanly: a second try gets the same
        client = SioClient(refusing_server, {})
        with pytest.raises(ConnectRefused) as info:
            client.connect(timeout_s=10)
        error = info.value
        assert (error.namespace, error.message, error.data) == (
            "/",
            "authentication failed",
            {"need": "token"},
        )
        assert 'authentication failed (data: {"need": "token"})' in str(error)
        assert not client.connected
