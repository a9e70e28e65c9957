"""Text from results files reaches the page as text: escaped markup, a closed data block."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from loadtests.cli import main
from reports.html.page import embed_json
from tests.reports.factory import make_results, write_json

LABEL = "<script>alert(1)</script>"
REASON = '"&<>'
# Ends the data block, or (after "<!--") changes how the browser finds its end.
BREAKOUT = "</script><!--<script>x</script>-->"


class _Page(HTMLParser):
    """Scripts (with their text) and the text of each warnings list item."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str]] = []
        self.items: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open.append(tag)
        if tag == "script":
            self.scripts.append({"id": dict(attrs).get("id") or "", "text": ""})
        elif tag == "li":
            self.items.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1] == "script":
            self.scripts[-1]["text"] += data
        elif "li" in self._open:
            self.items[-1] += data


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp("hostile")
    doc = make_results(LABEL, flags={"lost": REASON, "leaked": BREAKOUT})
    write_json(doc, directory / "hostile.0.json")
    assert main(["report", str(directory)]) == 0
    return (directory / "index.html").read_text(encoding="utf-8")


def test_label_and_reason_are_escaped(hostile_page: str) -> None:
    assert LABEL not in hostile_page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile_page
    assert REASON not in hostile_page
    assert "&#34;&amp;&lt;&gt;" in hostile_page
    # Read back as a browser would, the warning says exactly what the results file said.
    items = _parse(hostile_page).items
    assert f"{LABEL} repeat 0: lost — {REASON}" in items
    assert f"{LABEL} repeat 0: leaked — {BREAKOUT}" in items


def test_hostile_text_adds_no_script_and_the_data_block_reads_back(hostile_page: str) -> None:
    scripts = _parse(hostile_page).scripts
    # The error capture, the data block, the hover tips, the self-check: nothing from the
    # results file.
    assert [s["id"] for s in scripts] == ["", "roombench-data", "", ""]
    downloads = json.loads(scripts[1]["text"])["downloads"]
    raw = json.loads(next(d["text"] for d in downloads if d["name"] == "hostile.0.json"))
    assert raw["config_name"] == LABEL
    assert raw["flags"] == {"lost": REASON, "leaked": BREAKOUT}
    assert any(d["what"].endswith(f"{LABEL}, 1 repeat(s) merged (base64)") for d in downloads)


@pytest.mark.parametrize("value", [BREAKOUT, {"k</script>": ["<!--", "&amp;", "a>b"]}, "plain"])
def test_embed_json_reads_back_and_has_no_markup_characters(value: object) -> None:
    text = str(embed_json(value))
    assert json.loads(text) == value
    assert not set("<>&") & set(text)
