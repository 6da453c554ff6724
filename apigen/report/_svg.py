"""Inline SVG bar charts: no scripts, no fonts to fetch, nothing from the network."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Bar", "hbar_chart", "nice_ticks", "vbar_chart"]

MAIN, LIGHT, TEXT, GRID, ALERT = "#2f6fb0", "#b9d3ee", "#222", "#e3e3e3", "#c0392b"


@dataclass(frozen=True)
class Bar:
    """One bar: ``value`` drawn dark; ``total`` (when set) drawn light behind it."""

    label: str
    value: float
    total: float | None = None
    note: str = ""


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() or abs(x) >= 100 else f"{x:,.4g}"


def nice_ticks(top: float, *, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (steps of 1, 2 or 5 x 10^k)."""
    if top <= 1e-9:
        return [0.0, 1.0]
    raw = top / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(k * mag for k in (1, 2, 5, 10) if k * mag >= raw)
    if top >= 1 and step < 1:
        step = 1.0
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 12) for i in range(max(n, 1) + 1)]


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{escape(title)}" font-family="system-ui, sans-serif" font-size="12">'
    )
    return "\n".join([head, f"<title>{escape(title)}</title>", *body, "</svg>"])


def _marker_label(x: float, y: float, text: str, *, right: float) -> str:
    """A marker's label, right of its line, or left of it near the chart's right edge."""
    left_side = x + 8 * len(text) > right
    anchor, at = ("end", x - 4) if left_side else ("start", x + 4)
    return (
        f'<text x="{at:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{ALERT}" '
        f'font-weight="600">{escape(text)}</text>'
    )


def _rect(cls: str, x: float, y: float, w: float, h: float, fill: str, tip: str) -> str:
    return (
        f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" '
        f'height="{max(h, 0):.1f}" fill="{fill}"><title>{escape(tip)}</title></rect>'
    )


def hbar_chart(
    title: str,
    bars: Sequence[Bar],
    *,
    width: int = 760,
    label_width: int = 260,
    fmt: Callable[[float], str] = _fmt,
    scale_max: float | None = None,
    axis_title: str = "",
    marker: tuple[float, str] | None = None,
) -> str:
    """Horizontal bars, one row per label, over a value axis with gridlines and
    tick counts; the value (and total) printed at the bar's end. ``scale_max``
    shares one scale between charts; ``marker`` draws a labelled vertical line."""
    row, top, axis = 24, 8, 34 if axis_title else 22
    plot = width - label_width - (170 if any(b.note for b in bars) else 110)
    rows_h = row * max(len(bars), 1)
    height = top + rows_h + axis
    highest = max([b.total or b.value for b in bars] + [scale_max or 0.0, 1e-12])
    ticks = nice_ticks(highest)
    scale = ticks[-1]
    body: list[str] = []
    for t in ticks:
        x = label_width + plot * t / scale
        body.append(
            f'<line class="grid" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + rows_h}" '
            f'stroke="{GRID}"/>'
        )
        body.append(
            f'<text class="tick" x="{x:.1f}" y="{top + rows_h + 14}" text-anchor="middle" '
            f'fill="#555" font-size="11">{escape(fmt(t))}</text>'
        )
    body.append(
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{top + rows_h}" '
        f'stroke="#999"/>'
    )
    if axis_title:
        body.append(
            f'<text x="{label_width + plot / 2:.1f}" y="{height - 4}" text-anchor="middle" '
            f'fill="{TEXT}">{escape(axis_title)}</text>'
        )
    for i, b in enumerate(bars):
        y = top + i * row
        label = b.label if len(b.label) <= 42 else b.label[:41] + "…"
        body.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" fill="{TEXT}">'
            f"<title>{escape(b.label)}</title>{escape(label)}</text>"
        )
        if b.total is not None:
            w = plot * b.total / scale
            tip = f"{b.label}: {fmt(b.total)}"
            body.append(_rect("bar total", label_width, y + 3, w, row - 6, LIGHT, tip))
        w = plot * b.value / scale
        tip = f"{b.label}: {fmt(b.value)}{' ' + b.note if b.note else ''}"
        body.append(_rect("bar", label_width, y + 3, w, row - 6, MAIN, tip))
        shown = fmt(b.value) + (f" / {fmt(b.total)}" if b.total is not None else "")
        shown += f"  {b.note}" if b.note else ""
        end = label_width + plot * max(b.total or 0.0, b.value) / scale + 6
        body.append(f'<text x="{end:.1f}" y="{y + 16}" fill="{TEXT}">{escape(shown)}</text>')
    if marker is not None:
        x = label_width + plot * min(marker[0], scale) / scale
        body.append(
            f'<line class="marker" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + rows_h}" '
            f'stroke="{ALERT}" stroke-width="2" stroke-dasharray="4 3"/>'
        )
        body.append(
            f'<text x="{x + 4:.1f}" y="{top + 10}" fill="{ALERT}">{escape(marker[1])}</text>'
        )
    if not bars:
        body.append(f'<text x="{label_width + 8}" y="{top + 16}" fill="#888">no data</text>')
    return _svg(width, height, title, body)


def vbar_chart(
    title: str,
    bars: Sequence[Bar],
    *,
    width: int = 760,
    height: int = 240,
    x_title: str = "",
    y_title: str = "",
    scale_max: float | None = None,
    marker: tuple[float, str] | None = None,
) -> str:
    """A histogram: one column per bin (``total`` light, ``value`` dark in front) over
    a count axis with gridlines and tick counts. ``marker`` (position in bars, e.g.
    2.5 is the middle of the third bar's slot; text) draws a labelled vertical line."""
    left, bottom, top = 64, 40, 14
    plot_w, plot_h = width - left - 12, height - bottom - top
    highest = max([b.total or b.value for b in bars] + [scale_max or 0.0, 1e-12])
    ticks = nice_ticks(highest)
    scale = ticks[-1]
    step = plot_w / max(len(bars), 1)
    body: list[str] = []
    for t in ticks:
        y = top + plot_h - plot_h * t / scale
        body.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{GRID}"/>'
        )
        body.append(
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555" '
            f'font-size="11">{_fmt(t)}</text>'
        )
    body += [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="#999"/>',
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle" '
        f'fill="{TEXT}">{escape(x_title)}</text>',
    ]
    if y_title:
        body.append(
            f'<text x="12" y="{top + plot_h / 2:.1f}" text-anchor="middle" fill="{TEXT}" '
            f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{escape(y_title)}</text>'
        )
    every = max(1, math.ceil(len(bars) / 20))
    for i, b in enumerate(bars):
        x = left + i * step + step * 0.1
        w = step * 0.8
        for cls, v, fill in (("bar total", b.total, LIGHT), ("bar", b.value, MAIN)):
            if v is None:
                continue
            h = plot_h * v / scale
            tip = f"{b.label}: {_fmt(v)}{' ' + b.note if b.note and cls == 'bar' else ''}"
            body.append(_rect(cls, x, top + plot_h - h, w, h, fill, tip))
        if i % every == 0:
            body.append(
                f'<text x="{x + w / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
                f'fill="{TEXT}" font-size="11">{escape(b.label)}</text>'
            )
    if marker is not None and bars:
        x = left + marker[0] * step
        body.append(
            f'<line class="marker" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" '
            f'stroke="{ALERT}" stroke-width="2" stroke-dasharray="4 3"/>'
        )
        body.append(
            f'<text x="{x + 4:.1f}" y="{top + 10}" fill="{ALERT}">{escape(marker[1])}</text>'
        )
    if not bars:
        body.append(f'<text x="{left + 8}" y="{top + 20}" fill="#888">no data</text>')
    return _svg(width, height, title, body)
