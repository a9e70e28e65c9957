"""Horizontal bar charts as inline SVG (the micro-benchmarks' handler/raw ratio).

Drawn like ``svg.line_chart``'s charts (same palette, classes and self-check
hooks): every bar is a ``<path class="series bar">`` with a ``<title>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from reports.html.svg import color


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float]],
    unit_label: str,
    width: int = 660,
    reference: float | None = None,
) -> str:
    """Horizontal bars, one per (label, value), with an optional reference line (e.g. 1.0x)."""
    row_h, left, top = 26, 180, 34
    right = width - 60
    height = top + row_h * len(bars) + 40
    hi = max([v for _, v in bars] + [reference or 0.0, 1e-12]) * 1.1
    out = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="12" y="20" class="chart-title">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        y0 = top + i * row_h
        bar_w = (right - left) * value / hi
        out.append(
            f'<text x="{left - 8}" y="{y0 + 17}" text-anchor="end" '
            f'class="tick">{escape(label)}</text>'
        )
        out.append(
            f'<path class="series bar" d="M{left},{y0 + 4} h{bar_w:.1f} v18 h{-bar_w:.1f} Z" '
            f'style="fill:{color(i)}"><title>{escape(label)}: {value:.3g}</title></path>'
        )
        out.append(
            f'<text x="{left + bar_w + 6:.1f}" y="{y0 + 17}" class="tick">'
            f"{value:.3g}{escape(unit_label)}</text>"
        )
    if reference is not None:
        px = left + (right - left) * reference / hi
        out.append(
            f'<line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{top + row_h * len(bars)}" '
            'class="reference"/>'
        )
    out.append("</svg>")
    return "\n".join(out)
