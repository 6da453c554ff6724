"""The report page: cards, then one section of inline SVG charts per statistic."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from apigen.report._svg import Bar, hbar_chart, vbar_chart

if TYPE_CHECKING:  # records only: importing apigen.store would load SQLAlchemy
    from apigen.store import Bin, Count, Stats

__all__ = ["render_report", "write_report"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:24px auto;max-width:820px;color:#222}
h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
h3{font-size:14px;margin:14px 0 4px} .meta{color:#666;font-size:13px}
.cards{display:flex;gap:12px;margin:16px 0} .card{border:1px solid #ddd;border-radius:6px;
padding:8px 14px} .card b{display:block;font-size:20px} .legend{font-size:12px;color:#555}
.sw{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
.examples{font-size:12px;color:#444;margin:2px 0}
"""


def _money(x: float | None) -> str:
    return "–" if x is None else f"${x:,.4f}"


def _legend(dark: str, light: str) -> str:
    return (
        f'<div class="legend"><span class="sw" style="background:#2f6fb0"></span>{dark}'
        f'<span class="sw" style="background:#b9d3ee"></span>{light}</div>'
    )


def _share(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def _examples(counts: tuple[Count, ...]) -> str:
    """Example ids per reason, to open with ``apigen show ID``."""
    rows = [
        f"<li>{escape(c.label[:120])}: <code>{'</code>, <code>'.join(map(escape, c.examples))}"
        "</code></li>"
        for c in counts
        if c.examples
    ]
    if not rows:
        return ""
    return (
        '<ul class="examples">'
        + "".join(rows)
        + "</ul><p>Open one: <code>apigen show ID</code></p>"
    )


def _bins(bins: tuple[Bin, ...]) -> list[Bar]:
    """Bars for every value from min to max (empty bins shown) when the range is small."""
    if not bins:
        return []
    by = {b.value: b for b in bins}
    lo, hi = min(by), max(by)
    values = range(lo, hi + 1) if hi - lo <= 100 else sorted(by)
    return [
        Bar(str(v), by[v].accepted if v in by else 0, by[v].count if v in by else 0, "accepted")
        for v in values
    ]


def render_report(stats: Stats, *, source: str) -> str:
    """The HTML page for ``stats``; ``source`` (a redacted URL) is shown in the header."""
    s = stats
    scope = f"run {s.run_id}" if s.run_id else "all runs"
    episodes = next((f for f in s.funnel if f.step == "episodes"), None)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>apigen report – {escape(scope)}</title><style>{_CSS}</style></head><body>",
        f"<h1>apigen report – {escape(scope)}</h1>",
        f'<div class="meta">{escape(source)} · generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC'
        "</div>",
        '<div class="cards">',
        f'<div class="card">accepted trajectories<b>{s.accepted:,}</b></div>',
        f'<div class="card">episodes<b>{episodes.entered if episodes else 0:,}</b></div>',
        f'<div class="card">cost per accepted<b>{_money(s.cost_per_accepted)}</b></div>',
        f'<div class="card">judge agreement<b>{_share(s.judge_agreement)}</b></div>',
        "</div>",
        "<h2>Funnel</h2>",
        _legend("passed", "entered"),
        hbar_chart(
            "Funnel: entered and passed per step",
            [Bar(f.step, f.passed, f.entered) for f in s.funnel],
        ),
        "<h2>Rejection reasons</h2>",
    ]
    groups = [("blueprint stage", g) for g in s.blueprint_rejections]
    groups += [("trajectory verifier", g) for g in s.verdict_rejections]
    for kind, g in groups:
        parts.append(f"<h3>{escape(kind)} {escape(g.stage)}: {g.failed:,} failed</h3>")
        bars = [Bar(c.label, c.count) for c in g.reasons]
        parts.append(hbar_chart(f"Top reasons: {kind} {g.stage}", bars, label_width=330))
        parts.append(_examples(g.reasons))
    if s.endings:
        parts.append("<h3>How rejected episodes ended</h3>")
        bars = [Bar(c.label, c.count) for c in s.endings]
        parts.append(hbar_chart("Endings of rejected episodes", bars))
        parts.append(_examples(s.endings))
    if not groups and not s.endings:
        parts.append("<p>No rejections recorded.</p>")
    parts += [
        "<h2>Turns per episode</h2>",
        _legend("accepted", "all episodes"),
        vbar_chart("Turns histogram", _bins(s.turns), x_title="turns"),
        "<h2>Tool calls per episode</h2>",
        _legend("accepted", "all episodes"),
        vbar_chart("Tool-call histogram", _bins(s.tool_calls), x_title="tool calls"),
        "<h2>Yield per blueprint</h2>",
        "<p>Blueprints by how many of their trials were accepted.</p>",
        vbar_chart(
            "Blueprints by accepted trials",
            [Bar(str(b.value), b.count) for b in s.blueprint_yield],
            x_title="accepted trials",
        ),
        "<h2>Tool usage</h2>",
        _legend("in accepted episodes", "in all episodes"),
        hbar_chart(
            "Episodes that called each tool",
            [Bar(t.tool, t.accepted_trajectories, t.trajectories) for t in s.tools],
        ),
    ]
    if s.tools_unused:
        parts.append(f"<p>Never called: {escape(', '.join(s.tools_unused))}</p>")
    d = s.diversity
    if d is not None:
        parts += [
            "<h2>Diversity of accepted blueprints</h2>",
            f"<p>{d.blueprints:,} accepted blueprints: {d.distinct_write_sequences:,} distinct "
            f"write sequences; tool coverage {_share(d.tool_coverage)} "
            f"({d.tools_used} of {d.tools_offered} tools); instruction distinct-2 "
            f"{'-' if d.instruction_distinct_2 is None else f'{d.instruction_distinct_2:.3f}'}; "
            f"{d.near_duplicate_instructions:,} near-duplicate instructions.</p>",
        ]
    priced = [r for r in s.roles if r.cost_per_accepted is not None]
    parts += [
        "<h2>Cost per accepted trajectory</h2>",
        hbar_chart(
            "Cost per accepted trajectory by role (USD)",
            [Bar(r.role, r.cost_per_accepted or 0.0) for r in priced],
            fmt=lambda x: f"${x:,.4f}",
        ),
        "<h3>Tokens per accepted trajectory by role</h3>",
        hbar_chart(
            "Tokens per accepted trajectory by role",
            [Bar(r.role, r.tokens_per_accepted or 0.0) for r in s.roles],
        ),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(stats: Stats, out: Path, *, source: str) -> Path:
    """Write :func:`render_report` of ``stats`` to ``out`` and return ``out``."""
    out.write_text(render_report(stats, source=source), encoding="utf-8")
    return out
