"""The option groups ``roombench``'s subcommands share, each said one way (docs/cli.md).

Each group is a frozen dataclass with ``add_to(parser)`` (its options, every
default stated in the help) and ``from_namespace(ns)`` (the parsed values,
built once at the command-line edge), so a subcommand's options are the sum of
its groups plus its own. The old spellings of issue 25's conflicts are parsed
here too, by the same parser, each printing one deprecation line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtests.model.errors import InputError
from loadtests.orchestrate import external_workers
from loadtests.orchestrate.external_workers import ExternalWorkers
from loadtests.orchestrate.rundir import RUNS_ROOT, new_run_dir, point_latest

NEXT_RELEASE = "goes in the next release"


def deprecated(old: str, new: str, what: str = "the old spelling") -> None:
    """The one deprecation line: ``OLD: write NEW (WHAT goes in the next release)``."""
    print(f"{old}: write {new} ({what} {NEXT_RELEASE})", file=sys.stderr)


class DeprecatedStore(argparse.Action):
    """A hidden old option: stores into the new option's ``dest`` and prints its line."""

    def __init__(self, option_strings: list[str], dest: str, new: str, **kwargs: Any) -> None:
        self.new = new
        super().__init__(option_strings, dest, help=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        deprecated(option_string or self.option_strings[0], self.new)
        setattr(namespace, self.dest, values)


@dataclass(frozen=True)
class Output:
    """``--out DIR``: the output folder; a new ``reports/runs/<UTC>/`` when left out."""

    out: Path | None = None

    @staticmethod
    def add_to(parser: argparse.ArgumentParser, what: str = "output folder") -> None:
        parser.add_argument(
            "--out",
            type=Path,
            default=None,
            metavar="DIR",
            help=f"{what} (default: reports/runs/<UTC timestamp>/, linked as reports/runs/latest)",
        )

    @classmethod
    def from_namespace(cls, ns: argparse.Namespace) -> Output:
        return cls(ns.out)

    def folder(self) -> Path:
        """The folder, created; ``reports/runs/latest`` moved whenever it lies in reports/runs."""
        if self.out is None:
            return new_run_dir()
        self.out.mkdir(parents=True, exist_ok=True)
        if self.out.resolve().parent == RUNS_ROOT.resolve():
            point_latest(self.out)
        return Path(self.out)


@dataclass(frozen=True)
class Repeats:
    """``--repeat K``: runs of each configuration (checked by ``Scenario.with_repeat``)."""

    repeat: int | None = None

    @staticmethod
    def add_to(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--repeat",
            type=int,
            default=None,
            metavar="K",
            help="runs of each configuration, interleaved A B A B (default: the scenario's repeat)",
        )

    @classmethod
    def from_namespace(cls, ns: argparse.Namespace) -> Repeats:
        return cls(ns.repeat)


@dataclass(frozen=True)
class CpuSets:
    """``--cpu-sets SPLIT`` (issue 22): where servers and generator run."""

    cpu_sets: str | None = None

    @staticmethod
    def add_to(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--cpu-sets",
            default=None,
            metavar="SPLIT",
            help="where servers and generator run: auto (default: disjoint CPU sets), off, or "
            "servers=CPUS,generator=CPUS (e.g. servers=0,generator=1)",
        )

    @classmethod
    def from_namespace(cls, ns: argparse.Namespace) -> CpuSets:
        return cls(ns.cpu_sets)


@dataclass(frozen=True)
class Redis:
    """``--redis-server PATH``, ``--redis-url URL`` (the URL is checked before any node starts)."""

    server: str | None = None
    url: str | None = None

    @staticmethod
    def add_to(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--redis-server",
            default=None,
            metavar="PATH",
            help="redis-server binary (default: found on PATH)",
        )
        parser.add_argument(
            "--redis-url",
            default=None,
            metavar="URL",
            help="use this running Redis (redis://127.0.0.1:PORT/0) instead of starting one",
        )

    @classmethod
    def from_namespace(cls, ns: argparse.Namespace) -> Redis:
        return cls(ns.redis_server, ns.redis_url)


class _OnlyAction(argparse.Action):
    """``--only A,B`` (repeatable, adds); ``--only A B`` still parsed, with its line.

    A list of words swallows the positional scenario after it (``--only A
    scenario.toml``): a last word naming a ``.toml`` file is kept apart as the
    scenario (``scenario_after_only``), never taken for a configuration.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        words = list(values)
        if len(words) > 1 and words[-1].endswith(".toml"):
            namespace.only_scenario = Path(words.pop())
        if len(words) > 1:
            deprecated(
                f"--only {' '.join(words)}",
                f"--only {','.join(words)}",
                "the space-separated form",
            )
        names = [n for word in words for n in word.split(",") if n]
        namespace.only = [*(getattr(namespace, "only", None) or []), *names]


@dataclass(frozen=True)
class Selection:
    """``--only NAME[,NAME...]``: only these configurations (None: all)."""

    only: tuple[str, ...] | None = None

    @staticmethod
    def add_to(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--only",
            action=_OnlyAction,
            nargs="+",
            default=None,
            metavar="NAME[,NAME...]",
            help="only these configurations, comma-separated (repeatable: --only A --only B)",
        )

    @classmethod
    def from_namespace(cls, ns: argparse.Namespace) -> Selection:
        return cls(tuple(ns.only) if ns.only else None)


def scenario_after_only(ns: argparse.Namespace, default: Path | None = None) -> None:
    """Set ``ns.scenario``: the positional, or the one ``--only`` swallowed, or ``default``."""
    swallowed = getattr(ns, "only_scenario", None)
    if swallowed is not None and ns.scenario is not None:
        raise InputError(f"--only: {swallowed} is not a configuration name (one scenario file)")
    ns.scenario = ns.scenario or swallowed or default


@dataclass(frozen=True)
class Load:
    """``--duration S``: the measurement window, replacing the scenario's ``window_s``."""

    duration_s: float | None = None

    @staticmethod
    def add_to(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--duration",
            type=float,
            default=None,
            metavar="S",
            help="measurement window in seconds, overriding the scenario's window_s",
        )

    @classmethod
    def from_namespace(cls, ns: argparse.Namespace) -> Load:
        return cls(ns.duration)


@dataclass(frozen=True)
class Target:
    """``--target URL...``, ``--target-pid PID...``, ``--profile NAME|FILE``."""

    urls: tuple[str, ...] = ()
    pids: tuple[int, ...] = ()
    profile: str | None = None

    @staticmethod
    def add_to(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--target",
            nargs="+",
            default=None,
            metavar="URL",
            help="one-off run against a server already running, on any host (one URL a node), "
            "at the default load; nothing is started",
        )
        parser.add_argument(
            "--target-pid",
            nargs="+",
            type=int,
            default=None,
            metavar="PID",
            help="the --target servers' pids, to sample their CPU/RSS (default: not measured)",
        )
        parser.add_argument(
            "--profile",
            default=None,
            metavar="NAME|FILE",
            help="protocol profile for every configuration: a name in loadtests/profiles/ "
            "(reference, python-socketio-chat, node-socketio-chat) or a TOML file",
        )

    @classmethod
    def from_namespace(cls, ns: argparse.Namespace) -> Target:
        return cls(tuple(ns.target or ()), tuple(ns.target_pid or ()), ns.profile)


@dataclass(frozen=True)
class External:
    """``--external-workers K --master-bind ADDR[:PORT] --workers-timeout S`` as given."""

    count: int | None = None
    bind: str | None = None
    wait_s: float | None = None

    @staticmethod
    def add_to(parser: argparse.ArgumentParser) -> None:
        external_workers.add_options(parser)

    @classmethod
    def from_namespace(cls, ns: argparse.Namespace) -> External:
        return cls(ns.external_workers, ns.master_bind, ns.workers_timeout)

    def checked(self, error: type[InputError]) -> ExternalWorkers | None:
        """The workers (None: local ones); a bind address this machine lacks is ``error``."""
        return external_workers.from_args(self.count, self.bind, self.wait_s, error)


@dataclass(frozen=True)
class Rules:
    """``--rules FILE``: the gate's rules (``gate --baseline``'s ``--config`` is deprecated)."""

    rules: Path | None = None

    @staticmethod
    def add_to(parser: argparse.ArgumentParser, old_config: bool = False) -> None:
        parser.add_argument(
            "--rules",
            type=Path,
            default=None,
            metavar="FILE",
            help="gate rules TOML (default: reports/gate.toml)",
        )
        if old_config:
            parser.add_argument(
                "--config", dest="rules", type=Path, action=DeprecatedStore, new="--rules"
            )

    @classmethod
    def from_namespace(cls, ns: argparse.Namespace) -> Rules:
        return cls(ns.rules)


@dataclass(frozen=True)
class Stored:
    """``--baseline BASE... --candidate CAND...``: stored results folders or files."""

    baseline: tuple[Path, ...] = ()
    candidate: tuple[Path, ...] = ()

    @staticmethod
    def add_to(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--baseline",
            nargs="+",
            type=Path,
            default=None,
            metavar="BASE",
            help="judge stored results instead of running: baseline results folders or files "
            "(results and/or bench JSON)",
        )
        parser.add_argument(
            "--candidate",
            nargs="+",
            type=Path,
            default=None,
            metavar="CAND",
            help="with --baseline: the candidate's results folders or files",
        )

    @classmethod
    def from_namespace(cls, ns: argparse.Namespace) -> Stored:
        return cls(tuple(ns.baseline or ()), tuple(ns.candidate or ()))


@dataclass(frozen=True)
class Summary:
    """``--no-summary``: neither the summary table nor the HTML report."""

    summary: bool = True

    @staticmethod
    def add_to(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--no-summary",
            action="store_true",
            help="do not print the summary table nor build the HTML report",
        )

    @classmethod
    def from_namespace(cls, ns: argparse.Namespace) -> Summary:
        return cls(not ns.no_summary)
