"""The README's and docs' shell examples that are cheap enough to run, so they cannot drift.

From every fenced ``sh``/``console`` block of README.md and docs/*.md:

* every ``--roombench-scenario '...'`` JSON parses as a Load (the locustfile's own
  parser), and every ``loadtests/scenarios/*.toml`` named exists and loads;
* every ``... --help`` command of ours runs and exits 0;
* ``reports summary`` / ``reports build`` / ``roombench summary`` commands run on a stored
  demo run (tests/reports/factory.py) in place of the folder they name;
* a ``console`` block's ``$`` command prints the lines the block shows (and a
  ``locust: ...`` error exits 2).

Load, servers and gates are not run here (the end-to-end tests do that).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from loadtests.model.load import Load
from loadtests.orchestrate.scenario_file import load_scenario

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```(sh|console)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SCENARIO_JSON = re.compile(r"--roombench-scenario\s+'([^']*)'", re.DOTALL)
SCENARIO_FILE = re.compile(r"loadtests/scenarios/[\w.-]+\.toml")
REPORT_COMMAND = re.compile(r"(?:-m reports|roombench) (summary|build|report)\b")
OURS = (".venv/bin/python -m ", ".venv/bin/roombench", "python -m ")


def _blocks() -> list[tuple[str, str, str]]:
    found = []
    for path in DOCS:
        for lang, body in BLOCK.findall(path.read_text()):
            found.append((path.name, lang, body))
    return found


def _commands(body: str, console: bool = False) -> list[str]:
    """Shell commands of a block: continuations joined, comments removed; in a console
    block only ``$ `` lines (and their continuations) are commands, the rest is output."""
    commands, current = [], ""
    for raw in body.splitlines():
        if console and not current and not raw.startswith("$ "):
            continue
        line = raw.removeprefix("$ ")
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip("\\").rstrip() + " "
        if not line.endswith("\\"):
            commands.append(current.split(" #")[0].strip())
            current = ""
    return commands


def _argv(command: str) -> list[str]:
    argv = shlex.split(command)
    if argv[0].startswith(".venv/bin/python") or argv[0] == "python":
        argv[0] = sys.executable
    elif argv[0].startswith(".venv/bin/"):
        argv[0] = str(Path(sys.executable).with_name(Path(argv[0]).name))
    return argv


BLOCKS = _blocks()
COMMANDS = [
    (name, command)
    for name, lang, body in BLOCKS
    for command in _commands(body, console=lang == "console")
]


@pytest.mark.parametrize(
    "text",
    # console blocks show errors on purpose
    [m for _n, lang, body in BLOCKS if lang == "sh" for m in SCENARIO_JSON.findall(body)],
)
def test_every_scenario_json_in_the_docs_parses(text: str) -> None:
    Load.from_dict(json.loads(text))


@pytest.mark.parametrize(
    "name",
    sorted({m for path in DOCS for m in SCENARIO_FILE.findall(path.read_text())}),
)
def test_every_scenario_file_named_exists_and_loads(name: str) -> None:
    load_scenario(REPO / name)


HELP_COMMANDS = sorted({c for _n, c in COMMANDS if c.endswith("--help") and c.startswith(OURS)})


@pytest.mark.slow  # each starts a Python interpreter (a second or two)
@pytest.mark.parametrize("command", HELP_COMMANDS)
def test_help_commands_run(command: str) -> None:
    done = subprocess.run(_argv(command), cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "usage" in done.stdout.lower()


def test_the_docs_show_help_commands() -> None:
    assert any("roombench locust --help" in c for c in HELP_COMMANDS)
    assert any("target_app --help" in c for c in HELP_COMMANDS)


REPORT_COMMANDS = sorted(
    {c for _n, c in COMMANDS if REPORT_COMMAND.search(c) and c.startswith(OURS)}
)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-run")
    subprocess.run(
        [sys.executable, "-m", "tests.reports.factory", str(folder)],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return folder


def _on_demo(command: str, demo: Path) -> list[str]:
    """The command with optional ``[...]`` parts dropped and its folder or placeholder
    (``reports/runs/latest``, ``/tmp/...``, ``RESULTS_OR_DIR...``) replaced by the demo run."""
    program, *args = _argv(re.sub(r"\s*\[[^\]]*\]", "", command))
    # The program itself may live under /tmp (a checkout there): only arguments are replaced.
    return [program] + [
        str(demo) if arg.startswith(("reports/runs/", "/tmp/")) or arg.isupper() else arg
        for arg in args
    ]


@pytest.mark.slow
@pytest.mark.parametrize("command", REPORT_COMMANDS)
def test_report_commands_run_on_a_stored_run(command: str, demo_run: Path) -> None:
    argv = _on_demo(command, demo_run)
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{argv}: {done.stderr}"
    if " summary" in command and "--json" not in command and "--wide" not in command:
        if "--markdown" not in command:
            assert max(len(line) for line in done.stdout.splitlines()) <= 120


CONSOLE = [(name, body) for name, lang, body in BLOCKS if lang == "console"]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "body"), CONSOLE)
def test_console_blocks_print_what_they_show(name: str, body: str) -> None:
    (command,) = _commands(body, console=True)
    shown = [line for line in body.splitlines() if line and not line.startswith(("$", " "))]
    done = subprocess.run(_argv(command), cwd=REPO, capture_output=True, text=True, timeout=120)
    printed = (done.stdout + done.stderr).splitlines()
    for line in shown:
        assert line in printed, f"{name}: {line!r} not in {printed}"
    if shown and shown[0].startswith("locust: "):
        assert done.returncode == 2


def test_every_web_ui_command_listens_on_loopback_only() -> None:
    web_ui = [
        c
        for _n, c in COMMANDS
        if "bin/locust " in c and not any(f in c for f in ("--headless", "--worker", "--help"))
    ]
    assert web_ui, "the docs show no plain-locust web UI command"
    for command in web_ui:
        assert "--web-host 127.0.0.1" in command, command
