"""Server-rendered SVG charts: line charts (linear or log axes) and horizontal bars.

Charts are plain inline SVG strings, so a report opens offline, prints, and
needs no JavaScript library. Every data series is a ``<path class="series">``
with a ``<title>``; the page's self-check counts those paths to prove each
chart has drawn something.

What keeps every series visible: each series after the first gets its own
dash pattern (identical series then still show both colours), a series of
one point is drawn as a dot, and a linear y-axis leaves headroom above the
highest value so a flat line never sits on the frame. The x-axis spans the
points that have a value, no more. Each chart also carries invisible hover
targets (``circle.hover``, at most ``HOVER_POINTS`` a series) whose
``data-tip`` the page's script shows next to the pointer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from html import escape

# Okabe-Ito (readable by colour-blind viewers), ordered so the first three
# (the usual number of configurations) differ most, then a few extra hues.
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#009E73",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#8C564B",
    "#7F7F7F",
    "#F0E442",
)

Point = tuple[float, "float | None"]


@dataclass(frozen=True)
class Axis:
    """One axis. ``ticks`` overrides the automatic ones as (value, label) pairs.

    ``zero`` makes a linear axis start at 0; ``fmt`` labels automatic ticks.
    """

    label: str
    log: bool = False
    zero: bool = False
    ticks: Sequence[tuple[float, str]] | None = None
    fmt: Callable[[float], str] = lambda v: f"{v:g}"
    lo: float | None = None
    hi: float | None = None
    tight: bool = False
    headroom: bool = False


@dataclass(frozen=True)
class Series:
    """A named line; points with a None y break the line there."""

    name: str
    points: Sequence[Point]
    color: str | None = None
    dashed: bool = False
    dash: str | None = None


@dataclass(frozen=True)
class Band:
    """A shaded x range (warm-up, drain) with a label at its top."""

    x0: float
    x1: float
    label: str
    fill: str = "#999999"


@dataclass(frozen=True)
class Mark:
    """A labelled vertical line at ``x``: a fault event, or a process that died."""

    x: float
    label: str
    color: str = "#B00020"


# Dash patterns by series position: solid first, then ones that stay distinct when
# lines coincide.
DASHES = ("", "7 4", "2 3", "10 3 2 3", "4 2 1 2", "1 4")
HEADROOM = 0.08  # of the data range, above the highest value of a linear y-axis
HOVER_POINTS = 160
SPARSE_MARKERS = 8  # dots along a line drawn without markers
LEGEND_CHARS = 24
MARK_LABEL_CHARS = 22


def _short(text: str) -> str:
    """Legend text that fits beside the plot; the full name stays in the tooltip."""
    return text if len(text) <= LEGEND_CHARS else text[: LEGEND_CHARS - 1] + "…"


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values (1, 2, 5 x 10^k steps) covering [lo, hi]."""
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def log_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten covering [lo, hi], with 2 and 5 between them on short ranges."""
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    mantissas = (1, 2, 5) if last - first <= 2 else (1,)
    return [
        m * 10.0**e
        for e in range(first, last + 1)
        for m in mantissas
        if lo / 1.0001 <= m * 10.0**e <= hi * 1.0001
    ]


class _Scale:
    def __init__(self, axis: Axis, values: Sequence[float], pixel_lo: float, pixel_hi: float):
        values = [v for v in values if v is not None and (not axis.log or v > 0)]
        lo = axis.lo if axis.lo is not None else (min(values) if values else 0.0)
        hi = axis.hi if axis.hi is not None else (max(values) if values else 1.0)
        if axis.ticks:
            lo = min(lo, min(t for t, _ in axis.ticks))
            hi = max(hi, max(t for t, _ in axis.ticks))
        if axis.log:
            lo = max(lo, 1e-12)
            if hi <= lo:
                hi = lo * 10
            self.ticks = (
                list(axis.ticks) if axis.ticks else [(t, axis.fmt(t)) for t in log_ticks(lo, hi)]
            )
        else:
            if axis.zero:
                lo = min(lo, 0.0)
            if hi <= lo:
                hi = lo + (abs(lo) or 1.0)
            if axis.headroom and axis.hi is None:
                hi += (hi - lo) * HEADROOM
            auto = nice_ticks(lo, hi)
            if not axis.ticks and axis.lo is None and axis.hi is None and not axis.tight:
                lo, hi = min(lo, auto[0]), max(hi, auto[-1])
            self.ticks = (
                list(axis.ticks)
                if axis.ticks
                else [(t, axis.fmt(t)) for t in auto if lo <= t <= hi]
            )
        self.log, self.lo, self.hi = axis.log, lo, hi
        self.pixel_lo, self.pixel_hi = pixel_lo, pixel_hi

    def __call__(self, value: float) -> float:
        if self.log:
            value = max(value, self.lo)
            frac = math.log(value / self.lo) / math.log(self.hi / self.lo)
        else:
            frac = (value - self.lo) / (self.hi - self.lo)
        return self.pixel_lo + frac * (self.pixel_hi - self.pixel_lo)


def _path(series: Series, sx: _Scale, sy: _Scale) -> str:
    parts: list[str] = []
    pen_down = False
    for x, y in series.points:
        if y is None or (sx.log and x <= 0) or (sy.log and y <= 0):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{sx(x):.1f},{sy(y):.1f}")
        pen_down = True
    return " ".join(parts)


def _hover_points(series: Series, sx: _Scale, sy: _Scale, x: Axis, y: Axis) -> list[str]:
    """Invisible targets for the page's hover script, thinned to ``HOVER_POINTS``."""
    points = [
        (xv, yv)
        for xv, yv in series.points
        if yv is not None and (not sx.log or xv > 0) and (not sy.log or yv > 0)
    ]
    step = max(1, math.ceil(len(points) / HOVER_POINTS))
    out = []
    for xv, yv in points[::step]:
        tip = f"{series.name}: {y.label} {yv:.4g} at {x.label} {xv:.4g}"
        out.append(
            f'<circle class="hover" cx="{sx(xv):.1f}" cy="{sy(yv):.1f}" r="5" '
            f'data-tip="{escape(tip)}"/>'
        )
    return out


def _frame(
    sx: _Scale, sy: _Scale, x: Axis, y: Axis, box: tuple[float, float, float, float], height: int
) -> list[str]:
    """Grid, ticks, frame and axis labels."""
    left, right, top, bottom = box
    out = []
    for value, label in sx.ticks:
        px = sx(value)
        out.append(f'<line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{bottom}" class="grid"/>')
        out.append(
            f'<text x="{px:.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'class="tick">{escape(label)}</text>'
        )
    for value, label in sy.ticks:
        py = sy(value)
        out.append(f'<line x1="{left}" y1="{py:.1f}" x2="{right}" y2="{py:.1f}" class="grid"/>')
        out.append(
            f'<text x="{left - 6}" y="{py + 4:.1f}" text-anchor="end" '
            f'class="tick">{escape(label)}</text>'
        )
    out.append(
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" class="frame"/>'
    )
    out.append(
        f'<text x="{(left + right) / 2}" y="{height - 8}" text-anchor="middle" '
        f'class="axis-label">{escape(x.label)}</text>'
    )
    out.append(
        f'<text transform="translate(14,{(top + bottom) / 2}) rotate(-90)" '
        f'text-anchor="middle" class="axis-label">{escape(y.label)}</text>'
    )
    return out


def _bands(bands: Sequence[Band], sx: _Scale, top: float, bottom: float) -> list[str]:
    out = []
    for band in bands:
        x0, x1 = sx(max(band.x0, sx.lo)), sx(min(band.x1, sx.hi))
        if x1 > x0:
            out.append(
                f'<rect x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" '
                f'height="{bottom - top}" fill="{band.fill}" opacity="0.15"/>'
            )
            # A label wider than a narrow band ends at its right edge, inside the plot.
            wide = len(band.label) * 6 < x1 - x0
            at, anchor = ((x0 + x1) / 2, "middle") if wide else (x1 - 3, "end")
            out.append(
                f'<text x="{at:.1f}" y="{top + 12}" class="band-label" '
                f'text-anchor="{anchor}">{escape(band.label)}</text>'
            )
    return out


def line_chart(
    title: str,
    x: Axis,
    y: Axis,
    series: Sequence[Series],
    bands: Sequence[Band] = (),
    width: int = 600,
    height: int = 320,
    markers: bool | None = None,
    marks: Sequence[Mark] = (),
) -> str:
    """An inline ``<svg class="chart">`` with axes, grid, optional bands and a legend.

    ``marks`` draw a dashed vertical line each (``class="event-mark"``), labelled
    at the top of the plot; the full label is the line's tooltip.

    Series with nothing to draw are left out; with none left the chart is a
    short "no data" note instead, so an empty axis never passes for a chart.
    """
    # Colours and dashes follow the position given, so a configuration keeps its
    # look in every chart even when it has nothing to draw in this one.
    series = [
        replace(
            s,
            color=s.color or color(i),
            dash=s.dash if s.dash is not None else ("6 4" if s.dashed else DASHES[i % len(DASHES)]),
        )
        for i, s in enumerate(series)
    ]
    series = [s for s in series if any(y is not None for _, y in s.points)]
    if not series:
        return f'<p class="no-data">{escape(title)}: no data in these results.</p>'
    left, right, top, bottom = 64, width - 178, 34, height - 46
    # The x-axis spans the points with a value, and the bands (a drain with no sends still shows).
    xs = [p[0] for s in series for p in s.points if p[1] is not None]
    xs += [edge for band in bands for edge in (band.x0, band.x1)]
    ys = [p[1] for s in series for p in s.points if p[1] is not None]
    sx, sy = _Scale(x, xs, left, right), _Scale(y, ys, bottom, top)
    out = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="20" class="chart-title">{escape(title)}</text>',
    ]
    out += _bands(bands, sx, top, bottom)
    out += _frame(sx, sy, x, y, (left, right, top, bottom), height)
    out += _marks(marks, sx, top, bottom)
    hover: list[str] = []
    for i, s in enumerate(series):
        stroke = s.color or color(i)
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        out.append(
            f'<path class="series" d="{_path(s, sx, sy)}" stroke="{stroke}"{dash} '
            f'data-series="{escape(s.name)}"><title>{escape(s.name)}</title></path>'
        )
        drawn = [
            (xv, yv)
            for xv, yv in s.points
            if yv is not None and (not sx.log or xv > 0) and (not sy.log or yv > 0)
        ]
        show_markers = markers if markers is not None else len(s.points) <= 12
        if show_markers or len(drawn) == 1:  # one point draws no line: show it as a dot
            dots = drawn
        else:
            # A few dots a line, each series offset from the others, so a series drawn
            # exactly under another still shows its colour.
            stride = max(2, len(drawn) // SPARSE_MARKERS)
            offset = (i * stride) // max(1, len(series))
            dots = drawn[offset::stride]
        for xv, yv in dots:
            out.append(
                f'<circle cx="{sx(xv):.1f}" cy="{sy(yv):.1f}" r="{3 if show_markers else 2.5}" '
                f'fill="{stroke}" data-series="{escape(s.name)}">'
                f"<title>{escape(s.name)}: {yv:g}</title></circle>"
            )
        hover += _hover_points(s, sx, sy, x, y)
        ly = top + 6 + i * 18
        out.append(
            f'<line x1="{right + 12}" y1="{ly}" x2="{right + 36}" y2="{ly}" '
            f'stroke="{stroke}" stroke-width="2.5"{dash}/>'
        )
        out.append(
            f'<text x="{right + 42}" y="{ly + 4}" class="legend" data-series="{escape(s.name)}">'
            f"{escape(_short(s.name))}<title>{escape(s.name)}</title></text>"
        )
    out += hover  # last, so the targets lie above every line
    out.append("</svg>")
    return "\n".join(out)


def _marks(marks: Sequence[Mark], sx: _Scale, top: float, bottom: float) -> list[str]:
    out = []
    # Labels stack downwards so marks a second apart stay readable.
    for i, mark in enumerate(m for m in marks if sx.lo <= m.x <= sx.hi):
        px = sx(mark.x)
        label = mark.label
        short = label if len(label) <= MARK_LABEL_CHARS else label[: MARK_LABEL_CHARS - 1] + "…"
        out.append(
            f'<g class="event-mark"><line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{bottom}" '
            f'stroke="{mark.color}" stroke-width="1.5" stroke-dasharray="4 3"/>'
            f'<text x="{px + 3:.1f}" y="{top + 24 + 12 * (i % 4)}" class="mark-label" '
            f'fill="{mark.color}">{escape(short)}</text>'
            f"<title>{escape(label)}</title></g>"
        )
    return out
