"""What a subcommand module hands ``roombench``'s parser tree (``loadtests/cli.py``).

``add_arguments`` puts its options on its subparser; ``options`` builds its
frozen options dataclass from the parsed namespace (once, at the edge);
``execute`` runs it and returns an exit code (``loadtests.model.exit_codes``),
given the arguments the tree did not know, which only a ``passes_through``
subcommand accepts (``bench``: pytest's; ``locust``, ``worker``: Locust's).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Subcommand:
    name: str
    summary: str  # its line in `roombench --help`
    description: str  # the top of `roombench NAME --help`
    add_arguments: Callable[[argparse.ArgumentParser], None]
    # Any: each subcommand its own options dataclass; `execute` takes what `options` built.
    options: Callable[[argparse.Namespace], Any]
    execute: Callable[[Any, list[str]], int]
    passes_through: bool = False
    add_help: bool = True  # False: `--help` goes to the program behind (Locust)
