"""Strict parsing of user-written tables (scenario files, ``[load]``, gate rules).

A misspelt key or a value of the wrong kind must never fall back to a default
and silently measure (or gate) something else, so every parser of user input
checks each key and value through these functions, and every error reads the
same way: ``KEY: what is wrong; allowed: …``.

    >>> typed(5, float, "load.window_s")
    5.0
    >>> one_of("kafka", ("none", "redis"), "config.queue")
    Traceback (most recent call last):
    InputError: config.queue: 'kafka' is not allowed; allowed: none, redis

Each caller passes its own error class (a subclass of ``InputError``), so a
scenario error and a gate-rules error stay distinguishable to their callers.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, NoReturn

# The one input error, re-exported: scenario, rules and capacity errors derive from it here.
from loadtests.model.errors import InputError as InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_KIND_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def fail(key: str, problem: str, allowed: str, error: type[InputError] = InputError) -> NoReturn:
    """Raise ``error`` with the one wording: ``KEY: problem; allowed: …``."""
    raise error(f"{key}: {problem}; allowed: {allowed}")


def check_keys(
    table: Mapping[str, Any],
    allowed: Collection[str],
    where: str,
    error: type[InputError] = InputError,
) -> None:
    """Fail on the first key of ``table`` not in ``allowed``, naming it under ``where``."""
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        key = unknown[0]
        fail(f"{where}.{key}", f"unknown key {key!r}", ", ".join(sorted(allowed)), error)


def table_of(value: Any, key: str, error: type[InputError] = InputError) -> Mapping[str, Any]:
    """``value`` if it is a table of keys, else fail naming ``key``."""
    if not isinstance(value, Mapping):
        fail(key, f"{value!r} is not a table", "a table of keys", error)
    return value


def typed(value: Any, kind: type, key: str, error: type[InputError] = InputError) -> Any:
    """``value`` checked to be of ``kind`` (str, int, float or bool).

    TOML has no int/float distinction a user thinks about: 5 is a fine float,
    and 5.0 a fine integer. A bool is never a number.
    """
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        expected = _KIND_NAMES.get(kind, kind.__name__)
        fail(key, f"{value!r} is not {expected}", expected, error)
    return value


def one_of(
    value: Any, choices: Collection[str], key: str, error: type[InputError] = InputError
) -> Any:
    """``value`` if it is one of ``choices``, else fail listing them."""
    if value not in choices:
        fail(key, f"{value!r} is not allowed", ", ".join(choices), error)
    return value


def in_range(
    value: float,
    low: float,
    high: float,
    key: str,
    error: type[InputError] = InputError,
    *,
    low_open: bool = False,
) -> float:
    """``value`` if ``low <= value <= high`` (``low < value`` when ``low_open``), else fail."""
    above = value > low if low_open else value >= low
    if not (above and value <= high):
        bounds = f"({low:g}, {high:g}]" if low_open else f"{low:g}..{high:g}"
        fail(key, f"{value!r} is out of range", bounds, error)
    return value


def string_list(value: Any, key: str, error: type[InputError] = InputError) -> tuple[str, ...]:
    """A list of strings, as a tuple."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        fail(key, f"{value!r} is not a list of strings", 'a list like ["--flag", "value"]', error)
    return tuple(value)


def read_toml(
    path: Path, error: type[InputError] = InputError, what: str = "TOML file"
) -> dict[str, Any]:  # tomllib's own type: readers check each value with this module
    """Read a TOML file; a missing file or bad syntax is ``error`` naming the file."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        fail(str(path), f"no such {what} (cannot read it)", f"an existing {what}", error)
    except OSError as exc:
        fail(str(path), f"cannot read it ({exc.strerror})", "a readable TOML file", error)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        fail(str(path), f"not valid TOML ({exc})", "TOML syntax", error)
