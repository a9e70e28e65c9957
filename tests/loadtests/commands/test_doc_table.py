"""docs/cli.md is the parser tree's own rendering: the page and the tree cannot drift."""

from __future__ import annotations

from loadtests import cli
from loadtests.commands.doc_table import PAGE, render

REWRITE = (
    ".venv/bin/python -c 'from loadtests import cli; from loadtests.commands import doc_table "
    "as d; d.PAGE.write_text(d.render(cli.build_parser(), cli.SUBCOMMANDS))'"
)


def test_docs_cli_md_is_the_tree_rendered() -> None:
    assert PAGE.read_text() == render(cli.build_parser(), cli.SUBCOMMANDS), (
        f"docs/cli.md differs from the parser tree; write it again: {REWRITE}"
    )


def test_the_page_names_every_subcommand_and_option() -> None:
    page = PAGE.read_text()
    for name in cli.SUBCOMMANDS:
        assert f"## `roombench {name}`" in page
    for option in ("`--out DIR`", "`--only NAME[,NAME...] [NAME[,NAME...] ...]`", "`--rules FILE`"):
        assert option in page
    assert "--config" not in page.split("## Deprecated")[0]  # hidden: the old spellings
    assert "| 130 |" in page
