"""The JSON module Flask-SocketIO encodes and decodes packets with (``--json``).

``SocketIO(json=...)`` takes any object with ``dumps`` and ``loads``;
python-socketio calls ``dumps(data, separators=(",", ":"))``. ``json`` keeps
python-socketio's default (``engineio.json``: the standard library's, with
integers over 100 digits refused); ``orjson`` (pinned in
constraints.txt) is a faster C encoder whose output is already compact, so
the adapter drops the keyword and returns ``str`` as python-socketio expects.
Where the two differ, orjson is stricter: integers beyond 64 bits and
non-string object keys are refused, and a packet it cannot decode is a bad
packet (``packet_guard``), not a crash.
"""

from __future__ import annotations

import importlib
from typing import Any

JSON_MODULES = ("json", "orjson")


class OrjsonModule:
    """``orjson`` shaped as python-socketio calls a JSON module."""

    def __init__(self) -> None:
        self._orjson = importlib.import_module("orjson")
        self.JSONDecodeError = self._orjson.JSONDecodeError

    def dumps(self, obj: Any, **_kwargs: Any) -> str:
        encoded: bytes = self._orjson.dumps(obj)
        return encoded.decode("utf-8")

    def loads(self, text: str | bytes, **_kwargs: Any) -> Any:
        return self._orjson.loads(text)


def json_module(name: str) -> Any:
    """The module for ``--json NAME`` (None: python-socketio's default); ValueError naming
    the flag if it is unavailable."""
    if name == "json":
        return None
    if name == "orjson":
        try:
            return OrjsonModule()
        except ImportError as exc:
            raise ValueError(f"--json orjson: orjson is not installed ({exc})") from exc
    raise ValueError(f"--json must be one of {', '.join(JSON_MODULES)}, not {name!r}")
