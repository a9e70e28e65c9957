"""The package import graph: arrows point down, and the known exceptions can only go.

docs/architecture.md draws the layers. Every ``import`` and ``from ... import`` in
``loadtests/``, ``reports/``, ``bench/`` and ``target_app/`` (read with ``ast``, so
imports inside functions count too) becomes an edge between *units*: a subpackage
of ``loadtests`` (``loadtests.measure``), a top-level module of ``loadtests``
(``loadtests.units``), or one of the other three packages as a whole. The rules:

* an edge goes to a lower rank (``RANKS``), or sideways where ``SIDEWAYS`` says so;
* ``reports`` (a reader of documents) imports only the bottom rank and
  ``loadtests.measure`` (the results schema, HDR decoding), and only the commands
  on top and the gate (``REPORTS_READERS``) import it;
* ``target_app`` imports nothing of the harness;
* without the allowed edges below, the graph has no cycle.

``KNOWN_VIOLATIONS`` would list an edge that breaks a rule, with the modules that
make it; issue 25 (the shared words at the bottom of the graph, the gate in one
package) emptied it. A new upward import fails this test.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("loadtests", "reports", "bench", "target_app")
Edge = tuple[str, str]

# Lower numbers are lower in the picture (docs/architecture.md, "Import order").
RANKS: dict[str, int] = {
    # the bottom: shared words and small mechanisms every layer may use
    "loadtests": 0,  # the package's __init__
    "loadtests.units": 0,
    "loadtests.atomic": 0,
    "loadtests.periodic": 0,
    "loadtests.interrupts": 0,
    "loadtests.model": 0,  # the shared words (LAYOUT.md): scenario, documents, errors
    "target_app": 0,  # a separate program: its config is read, it reads nothing of ours
    "loadtests.servers": 0,  # example foreign servers, separate programs too
    "loadtests.wire": 1,
    "loadtests.measure": 2,
    "loadtests.cluster": 2,
    # inside Locust
    "loadtests.users": 3,
    "loadtests.coordination": 3,
    "loadtests.webui": 3,
    "loadtests.abuse": 3,
    "loadtests.csv_writer_stop": 3,
    "loadtests.orchestrate": 4,
    "loadtests.capacity": 5,
    "loadtests.gate": 5,  # the A/B runs, the self-check and the judgement of results
    # the commands and Locust's entry point
    "loadtests.locustfile": 6,
    "loadtests.locust_launch": 6,
    "loadtests.cli": 6,
    "loadtests.commands": 6,  # one module a subcommand, under loadtests.cli's tree
    "bench": 6,
    # the deprecated `python -m` spellings: each calls loadtests.cli.alias only (ALIASES)
    "loadtests.__main__": 7,
    "loadtests.capacity.__main__": 7,
    "reports.__main__": 7,
    "bench.__main__": 7,
}
# Their own units: one line above the tree each, whichever package holds them.
ALIASES = {name for name, rank in RANKS.items() if rank == 7}
REPORTS = "reports"  # its own column: reads documents, run by the commands
REPORTS_MAY_IMPORT_ABOVE_BOTTOM = {"loadtests.measure"}
# Below the commands, only the gate reads documents through reports (the statistics,
# rules and verdict the page shares with it); reports never imports the gate.
REPORTS_READERS = {"loadtests.gate"}
TOP = 6

# Same-rank edges that are part of the design.
SIDEWAYS: set[Edge] = {
    ("loadtests.webui", "loadtests.coordination"),  # the Fan-out tab reads the progress state
    # a Locust user runs on its worker's Agent and senders follow its Pace (one way only:
    # coordination reads the layout from model, not from users)
    ("loadtests.users", "loadtests.coordination"),
    ("loadtests.abuse", "loadtests.coordination"),  # its clients start with the progress window
    # roombench's tree and its subcommands; bench and locust start the programs behind
    ("loadtests.cli", "loadtests.commands"),
    ("loadtests.commands", "bench"),
    ("loadtests.commands", "loadtests.locust_launch"),
}

# Every import that breaks a rule, by edge ("m -> n": module m imports module n). Empty
# since issue 25 moved the shared words to loadtests.model and the gate into one package:
# an entry here is a debt to name, never a way to let a new upward import in.
KNOWN_VIOLATIONS: dict[Edge, set[str]] = {}


def unit_of(module: str) -> str | None:
    """The unit a dotted module name belongs to, or None outside the four packages."""
    if module in ALIASES:
        return module
    parts = module.split(".")
    if parts[0] not in PACKAGES:
        return None
    if parts[0] == "loadtests" and len(parts) > 1:
        below = ROOT / "loadtests" / parts[1]
        if below.is_dir() or below.with_suffix(".py").is_file():
            return f"loadtests.{parts[1]}"
    return parts[0]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    path = ROOT / Path(*name.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def imported(tree: ast.AST, module: str) -> set[str]:
    """Every module ``tree`` imports, anywhere in it (inside functions too).

    ``from X import Y`` imports module ``X.Y`` when there is one, else module ``X``.
    """
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.split(".")[: -node.level]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for alias in node.names:
                name = f"{prefix}.{alias.name}"
                found.add(name if is_module(name) else prefix)
    return found


def import_graph(root: Path = ROOT) -> dict[Edge, set[str]]:
    """{(unit, unit): {"module -> imported module", ...}} for imports across units."""
    edges: dict[Edge, set[str]] = defaultdict(set)
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            module = module_name(path)
            source = unit_of(module)
            assert source is not None
            for name in imported(ast.parse(path.read_text(), str(path)), module):
                target = unit_of(name)
                if target is not None and target != source:
                    edges[(source, target)].add(f"{module} -> {name}")
    return dict(edges)


def rule_broken(edge: Edge) -> str | None:
    """Which rule ``edge`` breaks, or None."""
    source, target = edge
    if source == "target_app":
        return "target_app imports nothing of the harness"
    if source == REPORTS:
        if target in REPORTS_MAY_IMPORT_ABOVE_BOTTOM or RANKS.get(target) == 0:
            return None
        return "reports imports only the bottom and loadtests.measure"
    if target == REPORTS:
        if RANKS[source] == TOP or source in REPORTS_READERS:
            return None
        return "only the commands and the gate import reports"
    if source not in RANKS or target not in RANKS:
        return f"{source} or {target} has no rank: give it one in RANKS"
    if RANKS[target] < RANKS[source]:
        return None
    if RANKS[target] == RANKS[source] and edge in SIDEWAYS:
        return None
    return f"rank {RANKS[source]} imports rank {RANKS[target]}"


def cycles(edges: set[Edge]) -> list[list[str]]:
    """The strongly connected components with more than one unit (Tarjan)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        for other in sorted(graph[unit]):
            if other not in index:
                visit(other)
                low[unit] = min(low[unit], low[other])
            elif other in stack:
                low[unit] = min(low[unit], index[other])
        if low[unit] == index[unit]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == unit:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for unit in sorted(graph):
        if unit not in index:
            visit(unit)
    return found


def test_every_unit_has_a_place_in_the_picture() -> None:
    units = {unit_of(module_name(p)) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    assert units - set(RANKS) - {REPORTS} == set(), "new units need a rank in RANKS"


def test_no_new_upward_import() -> None:
    edges = import_graph()
    new = {
        edge: (why, sorted(imports - KNOWN_VIOLATIONS.get(edge, set())))
        for edge, imports in edges.items()
        if (why := rule_broken(edge)) and imports - KNOWN_VIOLATIONS.get(edge, set())
    }
    assert new == {}, "imports against docs/architecture.md's order: {edge: (rule, imports)}"


def test_the_known_violations_still_exist_so_the_list_only_shrinks() -> None:
    edges = import_graph()
    gone = {
        edge: sorted(imports - edges.get(edge, set()))
        for edge, imports in KNOWN_VIOLATIONS.items()
        if imports - edges.get(edge, set())
    }
    assert gone == {}, "these imports are gone: delete them from KNOWN_VIOLATIONS"
    still_fine = sorted(edge for edge in KNOWN_VIOLATIONS if rule_broken(edge) is None)
    assert still_fine == [], "these break no rule: they do not belong in KNOWN_VIOLATIONS"


def test_without_the_known_violations_there_is_no_cycle() -> None:
    allowed = set(import_graph()) - set(KNOWN_VIOLATIONS)
    assert cycles(allowed) == []


def test_the_rules_that_hold_today() -> None:
    """Stated plainly, so a reader need not work them out from the ranks."""
    edges = import_graph()
    assert [e for e in edges if e[0] in ("target_app", "loadtests.servers")] == []
    assert [e for e in edges if e[1] == "loadtests.orchestrate" and RANKS.get(e[0], 9) <= 2] == []
    assert [e for e in edges if e[0] == "loadtests.wire" and e[1] != "loadtests.units"] == []
    assert [e for e in edges if e[0] == REPORTS and e[1] == "loadtests.orchestrate"] == []
    assert {e[1] for e in edges if e[0] == "bench"} <= {
        "loadtests.cluster",  # bench.conftest starts redis-server for the queue benchmark
        "loadtests.measure",
        "loadtests.model",  # the bench document's types (loadtests.model.bench)
        "loadtests.orchestrate",  # bench.launch -> orchestrate.rundir (the run folder)
        "loadtests.units",
        "loadtests.users",
        "loadtests.wire",
        "reports",  # bench.launch builds the page in-process (reports.build)
        "target_app",
    }


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The rule machinery flags an edge it has never seen (wire importing orchestrate)."""
    assert rule_broken(("loadtests.wire", "loadtests.orchestrate")) == "rank 1 imports rank 4"
    assert rule_broken(("reports", "loadtests.orchestrate")) is not None
    assert rule_broken(("target_app", "loadtests.units")) is not None
    assert rule_broken(("loadtests.cluster", "reports")) is not None
    assert rule_broken(("loadtests.orchestrate", "loadtests.measure")) is None
    assert cycles({("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}) == [["a", "b", "c"]]
    tree = ast.parse("def f():\n    from loadtests.orchestrate import runner\n")
    assert "loadtests.orchestrate.runner" in imported(tree, "loadtests.wire.client")
