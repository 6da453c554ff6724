"""Inline SVG bar charts: no scripts, no fonts to fetch, nothing from the network."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Bar", "hbar_chart", "vbar_chart"]

MAIN, LIGHT, TEXT, GRID = "#2f6fb0", "#b9d3ee", "#222", "#e3e3e3"


@dataclass(frozen=True)
class Bar:
    """One bar: ``value`` drawn dark; ``total`` (when set) drawn light behind it."""

    label: str
    value: float
    total: float | None = None
    note: str = ""


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() or abs(x) >= 100 else f"{x:,.4g}"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{escape(title)}" font-family="system-ui, sans-serif" font-size="12">'
    )
    return "\n".join([head, f"<title>{escape(title)}</title>", *body, "</svg>"])


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
) -> str:
    """Horizontal bars, one row per label; the value printed at the bar's end."""
    row, top = 24, 8
    height = top * 2 + row * max(len(bars), 1)
    scale_max = max([b.total or b.value for b in bars] + [1e-12])
    plot = width - label_width - 90
    body: list[str] = []
    for i, b in enumerate(bars):
        y = top + i * row
        label = b.label if len(b.label) <= 42 else b.label[:41] + "…"
        body.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" fill="{TEXT}">'
            f"<title>{escape(b.label)}</title>{escape(label)}</text>"
        )
        if b.total is not None:
            w = plot * b.total / scale_max
            tip = f"{b.label}: {fmt(b.total)}"
            body.append(_rect("bar total", label_width, y + 3, w, row - 6, LIGHT, tip))
        w = plot * b.value / scale_max
        tip = f"{b.label}: {fmt(b.value)}{' ' + b.note if b.note else ''}"
        body.append(_rect("bar", label_width, y + 3, w, row - 6, MAIN, tip))
        shown = fmt(b.value) + (f" / {fmt(b.total)}" if b.total is not None else "")
        end = label_width + plot * (b.total or b.value) / scale_max + 6
        body.append(f'<text x="{end:.1f}" y="{y + 16}" fill="{TEXT}">{escape(shown)}</text>')
    if not bars:
        body.append(f'<text x="{label_width}" y="{top + 16}" fill="#888">no data</text>')
    return _svg(width, height, title, body)


def vbar_chart(
    title: str,
    bars: Sequence[Bar],
    *,
    width: int = 760,
    height: int = 220,
    x_title: str = "",
) -> str:
    """A histogram: one column per bin (``total`` light, ``value`` dark in front)."""
    left, bottom, top = 48, 36, 12
    plot_w, plot_h = width - left - 12, height - bottom - top
    scale_max = max([b.total or b.value for b in bars] + [1e-12])
    step = plot_w / max(len(bars), 1)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{GRID}"/>',
        f'<text x="8" y="{top + 10}" fill="{TEXT}">{_fmt(scale_max)}</text>',
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle" '
        f'fill="{TEXT}">{escape(x_title)}</text>',
    ]
    for i, b in enumerate(bars):
        x = left + i * step + step * 0.1
        w = step * 0.8
        for cls, v, fill in (("bar total", b.total, LIGHT), ("bar", b.value, MAIN)):
            if v is None:
                continue
            h = plot_h * v / scale_max
            tip = f"{b.label}: {_fmt(v)}{' ' + b.note if b.note and cls == 'bar' else ''}"
            body.append(_rect(cls, x, top + plot_h - h, w, h, fill, tip))
        if len(bars) <= 30 or i % max(1, len(bars) // 20) == 0:
            body.append(
                f'<text x="{x + w / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
                f'fill="{TEXT}">{escape(b.label)}</text>'
            )
    if not bars:
        body.append(f'<text x="{left + 8}" y="{top + 20}" fill="#888">no data</text>')
    return _svg(width, height, title, body)
