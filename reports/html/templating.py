"""The Jinja2 environment of the HTML report and the unit the page is built from.

Every template under ``templates/`` is rendered with autoescaping on, so any
value a template prints (configuration labels, flag reasons, file names) is
HTML-escaped unless it is ``Markup``. Only two kinds of value are Markup: the
SVG charts (``svg.py`` escapes its own text) and sections already rendered by
this environment. ``StrictUndefined`` turns a misspelt variable into an error
instead of an empty cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    # On for every template (.html, .js, .css alike): nothing a template prints
    # is trusted unless it arrives as Markup.
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Section:
    """One block of the page: ``templates/sections/<template>`` rendered with ``context``."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)

    def render(self) -> Markup:
        rendered = ENVIRONMENT.get_template(f"sections/{self.template}").render(self.context)
        # Output of an autoescaping template: every value in it is escaped already.
        return Markup(rendered)


def render(template: str, **context: Any) -> str:
    """``templates/<template>`` rendered with ``context``."""
    return ENVIRONMENT.get_template(template).render(context)
