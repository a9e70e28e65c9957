"""``roombench locust``: the project's locustfile and a loopback web UI unless told otherwise."""

from __future__ import annotations

from loadtests.locust_launch import LOCUSTFILE, locust_args


def test_defaults_are_added_when_absent() -> None:
    assert locust_args(["--host", "http://127.0.0.1:5000"]) == [
        "-f",
        str(LOCUSTFILE),
        "--host",
        "http://127.0.0.1:5000",
        "--web-host",
        "127.0.0.1",
    ]


def test_given_values_are_kept_in_both_spellings() -> None:
    args = ["-f", "other.py", "--web-host=::1"]
    assert locust_args(args) == args
    args = ["--locustfile=other.py", "--web-host", "127.0.0.2"]
    assert locust_args(args) == args
