"""``reports build``: read results and bench files, write one self-contained HTML page."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from loadtests import atomic
from reports.configs import group_configs
from reports.html.page import render_page
from reports.loading import InputError, default_output_dir, load_inputs
from reports.table import build_table, rules_with
from reports.verdict_line import read_gate


def build_report(
    paths: Sequence[Path],
    output: Path | None = None,
    baseline: str | None = None,
    alpha: float | None = None,
) -> Path:
    """Write the report for ``paths`` and return its path.

    ``output`` defaults to ``index.html`` in the first directory given (or the
    first file's directory). Raises InputError when nothing is there to show
    or ``baseline`` names no configuration.
    """
    inputs = load_inputs(paths)
    if not inputs.results and not inputs.bench:
        raise InputError(
            f"no results or bench files in {', '.join(map(str, paths))}: "
            "run `make loadtest` or `make bench` first"
        )
    configs = group_configs(inputs.results)
    try:
        table = build_table(configs, baseline, rules_with(alpha)) if configs else None
    except KeyError as exc:
        raise InputError(str(exc.args[0])) from exc
    page = render_page(
        configs,
        table,
        inputs.bench,
        inputs.result_paths,
        inputs.results,
        time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        read_gate(default_output_dir(paths)),
    )
    return atomic.write_text(output or default_output_dir(paths) / "index.html", page)
