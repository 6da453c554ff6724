"""The report page: headline figures, then one section per question a curator asks.

With two runs (``compare``) every section shows them side by side on one scale,
and the headline figures become a table with the difference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apigen.report._lengths import Lengths
from apigen.report._svg import Bar, hbar_chart, vbar_chart

if TYPE_CHECKING:  # records only: importing apigen.store would load SQLAlchemy
    from apigen.store import Bin, Count, Stats, ToolUse

__all__ = ["Side", "render_report", "write_report"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:24px auto;max-width:820px;color:#222}
body.cmp{max-width:1560px} h1{font-size:22px;margin-bottom:4px}
h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
h3{font-size:14px;margin:14px 0 4px} .meta{color:#666;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0} .card{border:1px solid #ddd;
border-radius:6px;padding:8px 14px} .card b{display:block;font-size:20px}
.legend{font-size:12px;color:#555} .sw{display:inline-block;width:10px;height:10px;
margin:0 4px 0 10px} .examples{font-size:12px;color:#444;margin:2px 0}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:24px} .grid2>div{min-width:0}
.side{font-weight:600;font-size:13px;color:#2f6fb0;margin-top:6px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
td,th{border-bottom:1px solid #eee;padding:3px 10px;text-align:right}
td:first-child,th:first-child,td.t,th.t{text-align:left} .note{font-size:12px;color:#666}
p{font-size:14px}
.warn{background:#fff4e5;border:1px solid #f0c36d;padding:6px 10px;border-radius:6px;
font-size:13px}
"""


@dataclass(frozen=True)
class Side:
    """One run's statistics (and, when measured, its exported records' lengths)."""

    stats: Stats
    lengths: Lengths | None = None


def _money(x: float | None) -> str:
    return "–" if x is None else f"${x:,.4f}"


def _share(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _duration(s: float | None) -> str:
    if s is None:
        return "–"
    h, rest = divmod(int(s), 3600)
    return f"{h}h {rest // 60:02d}m" if h else f"{rest // 60}m {rest % 60:02d}s"


def _legend(dark: str, light: str) -> str:
    return (
        f'<div class="legend"><span class="sw" style="background:#2f6fb0"></span>{dark}'
        f'<span class="sw" style="background:#b9d3ee"></span>{light}</div>'
    )


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
    return '<ul class="examples">' + "".join(rows) + "</ul>"


def _bins(bins: tuple[Bin, ...], span: tuple[int, int] | None = None) -> list[Bar]:
    """Bars for every value from min to max (or over ``span``, shared by compared runs;
    empty bins shown) when the range is small."""
    if not bins:
        return []
    by = {b.value: b for b in bins}
    lo, hi = span or (min(by), max(by))
    values = range(lo, hi + 1) if hi - lo <= 100 else sorted(by)
    return [
        Bar(str(v), by[v].accepted if v in by else 0, by[v].count if v in by else 0, "accepted")
        for v in values
    ]


def _episodes(s: Stats) -> int:
    return next((f.entered for f in s.funnel if f.step == "episodes"), 0)


def _count(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f}"


def _signed(fmt: Callable[[float | None], str], d: float) -> str:
    """A difference in the figure's own format: +12, -0m 40s, +3.1 pt, -$0.0010."""
    if fmt is _share:
        return f"{100 * d:+.1f} pt"
    return ("+" if d >= 0 else "-") + fmt(abs(d))


def _headline(s: Stats) -> list[tuple[str, Callable[[float | None], str], float | None]]:
    """(label, format, value) of the figures the page opens with."""
    # below a second the rate says nothing (records written straight into the store)
    hours = s.wall_time_s / 3600 if s.wall_time_s and s.wall_time_s >= 1 else None
    return [
        ("accepted trajectories", _count, s.accepted),
        ("episodes", _count, _episodes(s)),
        ("wall time", _duration, s.wall_time_s),
        ("accepted per hour", _count, s.accepted / hours if hours else None),
        ("cost per accepted", _money, s.cost_per_accepted),
        ("judge agreement", _share, s.judge_agreement),
        ("episodes with parallel calls", _share, _ratio(s.parallel_episodes, _episodes(s))),
        ("user-simulator failures", _share, s.failure_rates().get("human")),
        ("agent failures", _share, s.failure_rates().get("agent")),
    ]


def _cards(s: Stats) -> str:
    cards = "".join(f'<div class="card">{k}<b>{f(v)}</b></div>' for k, f, v in _headline(s))
    return f'<div class="cards">{cards}</div>'


def _compare_table(a: Stats, b: Stats) -> str:
    rows = []
    for (label, fmt, x), (_, _, y) in zip(_headline(a), _headline(b), strict=True):
        diff = "–" if x is None or y is None else _signed(fmt, y - x)
        rows.append(f"<tr><td>{label}</td><td>{fmt(x)}</td><td>{fmt(y)}</td><td>{diff}</td></tr>")
    head = f"<tr><th></th><th>A: {_scope(a)}</th><th>B: {_scope(b)}</th><th>B − A</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _scope(s: Stats) -> str:
    return escape(f"run {s.run_id}" if s.run_id else "all runs")


def _sim_roles(sides: Sequence[Side]) -> list[str]:
    return sorted(
        {
            f"{m.role} ({m.model})"
            for x in sides
            for m in x.stats.models
            if m.model.startswith("sim/")
        }
    )


def _columns(
    sides: Sequence[Side], draw: Callable[[Side, float | None], str], top: float | None
) -> str:
    """One block per side; two sides go side by side on one shared scale ``top``."""
    if len(sides) == 1:
        return draw(sides[0], None)
    cells = [
        f'<div><div class="side">{"AB"[i]}: {_scope(x.stats)}</div>{draw(x, top)}</div>'
        for i, x in enumerate(sides)
    ]
    return f'<div class="grid2">{"".join(cells)}</div>'


def _funnel(sides: Sequence[Side], w: int) -> list[str]:
    """One chart per phase, each in its own unit, in pipeline order."""
    parts = ["<h2>Funnel</h2>", _legend("passed", "entered")]
    phases = list(dict.fromkeys(f.phase or "all" for x in sides for f in x.stats.funnel))
    for phase in phases:
        steps = [[f for f in x.stats.funnel if (f.phase or "all") == phase] for x in sides]
        unit = next((f.unit for fs in steps for f in fs if f.unit), "")
        parts.append(f"<h3>{escape(phase)}{' – counted in ' + escape(unit) if unit else ''}</h3>")
        top = max([f.entered for fs in steps for f in fs] + [0])

        def draw(x: Side, scale: float | None, phase: str = phase, unit: str = unit) -> str:
            bars = [
                Bar(f.step, f.passed, f.entered, _share(_ratio(f.passed, f.entered)))
                for f in x.stats.funnel
                if (f.phase or "all") == phase
            ]
            return hbar_chart(f"Funnel, {phase}", bars, width=w, scale_max=scale, axis_title=unit)

        parts.append(_columns(sides, draw, top))
    return parts


def _rejections(sides: Sequence[Side], w: int) -> list[str]:
    def draw(x: Side, scale: float | None) -> str:
        s, out = x.stats, []
        groups = [("blueprint stage", g) for g in s.blueprint_rejections]
        groups += [("trajectory verifier", g) for g in s.verdict_rejections]
        for kind, g in groups:
            out.append(f"<h3>{escape(kind)} {escape(g.stage)}: {g.failed:,} failed</h3>")
            bars = [Bar(c.label, c.count) for c in g.reasons]
            out.append(hbar_chart(f"Top reasons: {kind} {g.stage}", bars, width=w, label_width=300))
            out.append(_examples(g.reasons))
        if s.endings:
            out.append("<h3>How rejected episodes ended</h3>")
            out.append(
                hbar_chart(
                    "Endings of rejected episodes",
                    [Bar(c.label, c.count) for c in s.endings],
                    width=w,
                )
            )
            out.append(_examples(s.endings))
        return "".join(out) or "<p>No rejections recorded.</p>"

    return [
        "<h2>Rejection reasons</h2>",
        '<p class="note">Grouped by check, with counts; open an example with '
        "<code>apigen show ID</code>.</p>",
        _columns(sides, draw, None),
    ]


def _tools(sides: Sequence[Side], w: int) -> list[str]:
    def usage(x: Side, scale: float | None) -> str:
        bars = [Bar(t.tool, t.accepted_trajectories, t.trajectories) for t in x.stats.tools]
        out = hbar_chart(
            "Episodes that called each tool", bars, width=w, scale_max=scale, axis_title="episodes"
        )
        if x.stats.tools_unused:
            out += f"<p>Never called: {escape(', '.join(x.stats.tools_unused))}</p>"
        return out

    def rates(x: Side, scale: float | None) -> str:
        calls = sum(t.calls for t in x.stats.tools)
        worst = sorted(
            (t for t in x.stats.tools if _problems(t)), key=lambda t: (-_problems(t), t.tool)
        )
        if not worst:
            return (
                f"<p>None of the {calls:,} calls failed, and every call's arguments fit "
                "its tool's schema.</p>"
            )
        clean = len(x.stats.tools) - len(worst)
        bars = [
            Bar(
                f"{t.tool} · {what}",
                100 * n / t.calls if t.calls else 0.0,
                None,
                f"{n:,} of {t.calls:,} calls",
            )
            for t in worst
            for what, n in (("errors", t.failed), ("invalid arguments", t.invalid_arguments))
        ]
        chart = hbar_chart(
            "Error and invalid-argument rate per tool (%)",
            bars,
            width=w,
            label_width=300,
            fmt=lambda v: f"{v:.1f}%",
            scale_max=scale,
            axis_title="share of the tool's calls (%)",
        )
        return chart + (
            f"<p>{clean} other tools: no errors, no invalid arguments.</p>" if clean else ""
        )

    top = max([t.trajectories for x in sides for t in x.stats.tools] + [0])
    top_rate = max(
        [
            100 * max(t.failed, t.invalid_arguments) / t.calls
            for x in sides
            for t in x.stats.tools
            if t.calls
        ]
        + [0]
    )
    return [
        "<h2>Tool usage</h2>",
        _legend("in accepted episodes", "in all episodes"),
        _columns(sides, usage, top),
        "<h3>Errors and invalid arguments per tool</h3>",
        '<p class="note">Error: the tool answered <code>Error…</code>. Invalid arguments: '
        "a required parameter missing, an undeclared one, or a value of the wrong type, "
        "checked against the run's tool schema.</p>",
        _columns(sides, rates, top_rate),
    ]


def _problems(t: ToolUse) -> float:
    return (t.failed + t.invalid_arguments) / t.calls if t.calls else 0.0


def _diversity(sides: Sequence[Side], w: int) -> list[str]:
    if all(x.stats.diversity is None for x in sides):
        return []

    def draw(x: Side, scale: float | None) -> str:
        d = x.stats.diversity
        if d is None:
            return "<p>No accepted blueprint.</p>"
        distinct = "-" if d.instruction_distinct_2 is None else f"{d.instruction_distinct_2:.3f}"
        return (
            f"<p>{d.blueprints:,} accepted blueprints: {d.distinct_write_sequences:,} distinct "
            f"write sequences; tool coverage {_share(d.tool_coverage)} "
            f"({d.tools_used} of {d.tools_offered} tools); instruction distinct-2 {distinct}; "
            f"{d.near_duplicate_instructions:,} near-duplicate instructions.</p>"
        )

    return ["<h2>Diversity of accepted blueprints</h2>", _columns(sides, draw, None)]


def _lengths(sides: Sequence[Side], w: int) -> list[str]:
    if all(x.lengths is None for x in sides):
        return []

    def draw(x: Side, scale: float | None) -> str:
        n = x.lengths
        if n is None:
            return "<p>Not measured.</p>"
        bars = [Bar(f"{lo:,}", c, None, f"{lo:,}–{hi - 1:,} tokens") for lo, hi, c in n.bins]
        marker = None
        if n.limit:
            width = n.bins[0][1] - n.bins[0][0]
            marker = (n.limit / width, f"limit {n.limit:,}")
        over = (
            f"{n.over_limit:,} ({_share(_ratio(n.over_limit, n.measured))}) over the limit"
            if n.limit
            else "no limit given (--context-limit)"
        )
        summary = (
            f"<p>{n.measured:,} of {n.available:,} accepted records measured "
            f"({escape(n.method)}): median {n.p50:,}, p90 {n.p90:,}, p99 {n.p99:,}, "
            f"longest {n.longest:,} tokens; {over}.</p>"
        )
        return summary + vbar_chart(
            "Token length of exported records",
            bars,
            width=w,
            x_title="tokens per record (bin start)",
            y_title="records",
            scale_max=scale,
            marker=marker,
        )

    top = max([c for x in sides if x.lengths for _, _, c in x.lengths.bins] + [0])
    return ["<h2>Length of exported records</h2>", _columns(sides, draw, top)]


def _histograms(sides: Sequence[Side], w: int) -> list[str]:
    parts: list[str] = []
    for title, field, unit in (
        ("Turns per episode", "turns", "turns"),
        ("Tool calls per episode", "tool_calls", "tool calls"),
    ):
        values = [b.value for x in sides for b in getattr(x.stats, field)]
        span = (min(values), max(values)) if values else None

        def draw(
            x: Side, scale: float | None, field: str = field, unit: str = unit, span: Any = span
        ) -> str:
            bins = _bins(getattr(x.stats, field), span)
            return vbar_chart(
                unit, bins, width=w, x_title=unit, y_title="episodes", scale_max=scale
            )

        top = max([b.count for x in sides for b in getattr(x.stats, field)] + [0])
        parts += [f"<h2>{title}</h2>", _legend("accepted", "all episodes")]
        parts.append(_columns(sides, draw, top))
    return parts


def _parallel(sides: Sequence[Side], w: int) -> list[str]:
    def draw(x: Side, scale: float | None) -> str:
        s = x.stats
        bars = [
            Bar(
                "all episodes",
                s.parallel_episodes,
                _episodes(s),
                _share(_ratio(s.parallel_episodes, _episodes(s))),
            ),
            Bar(
                "accepted episodes",
                s.parallel_accepted,
                s.accepted,
                _share(_ratio(s.parallel_accepted, s.accepted)),
            ),
        ]
        return hbar_chart(
            "Episodes with a parallel-call turn",
            bars,
            width=w,
            scale_max=scale,
            axis_title="episodes",
        )

    top = max([_episodes(x.stats) for x in sides] + [0])
    return [
        "<h2>Parallel calls</h2>",
        _legend("with a turn of two or more calls", "all"),
        _columns(sides, draw, top),
    ]


def _yield(sides: Sequence[Side], w: int) -> list[str]:
    top = max([b.count for x in sides for b in x.stats.blueprint_yield] + [0])

    def draw(x: Side, scale: float | None) -> str:
        bars = [Bar(str(b.value), b.count) for b in x.stats.blueprint_yield]
        return vbar_chart(
            "Blueprints by accepted trials",
            bars,
            width=w,
            x_title="accepted trials",
            y_title="blueprints",
            scale_max=scale,
        )

    return [
        "<h2>Yield per blueprint</h2>",
        "<p>Blueprints by how many of their trials were accepted.</p>",
        _columns(sides, draw, top),
    ]


def _row(*cells: object, cell: str = "td") -> str:
    """A table row: numbers right-aligned with thousands separators, text left."""
    out = [
        f"<{cell}>{c:,}</{cell}>"
        if isinstance(c, int)
        else f'<{cell} class="t">{escape(str(c))}</{cell}>'
        for c in cells
    ]
    return "<tr>" + "".join(out) + "</tr>"


def _models(sides: Sequence[Side], w: int) -> list[str]:
    def draw(x: Side, scale: float | None) -> str:
        s = x.stats
        rows = "".join(
            _row(
                m.role, m.model, m.calls, m.prompt_tokens + m.completion_tokens, m.errors, m.retries
            )
            for m in s.models
        )
        head = '<tr><th class="t">role</th><th class="t">model</th>'
        head += "".join(f"<th>{h}</th>" for h in ("calls", "tokens", "errors", "retries")) + "</tr>"
        table = f"<table>{head}{rows}</table>" if rows else "<p>No model usage recorded.</p>"
        priced = [r for r in s.roles if r.cost_per_accepted is not None]
        cost = (
            hbar_chart(
                "Cost per accepted trajectory by role (USD)",
                [Bar(r.role, r.cost_per_accepted or 0.0) for r in priced],
                width=w,
                fmt=lambda v: f"${v:,.4f}",
                axis_title="USD",
            )
            if priced
            else "<p>No role has a known price (sim models and unpriced endpoints).</p>"
        )
        return (
            table
            + "<h3>Cost per accepted trajectory by role (USD)</h3>"
            + cost
            + "<h3>Tokens per accepted trajectory by role</h3>"
            + hbar_chart(
                "Tokens per accepted trajectory by role",
                [Bar(r.role, r.tokens_per_accepted or 0.0) for r in s.roles],
                width=w,
                axis_title="tokens",
            )
        )

    return ["<h2>Models per role</h2>", _columns(sides, draw, None)]


def render_report(
    stats: Stats,
    *,
    source: str,
    lengths: Lengths | None = None,
    compare: Side | None = None,
) -> str:
    """The HTML page for ``stats`` (run A); with ``compare`` (run B) side by side.
    ``source`` (a redacted URL) is shown in the header."""
    sides = [Side(stats, lengths)] + ([compare] if compare is not None else [])
    w = 740 if compare is not None else 780
    title = f"{_scope(stats)} vs {_scope(compare.stats)}" if compare is not None else _scope(stats)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>apigen report – {title}</title><style>{_CSS}</style></head>",
        f'<body class="{"cmp" if compare is not None else ""}">',
        f"<h1>apigen report – {title}</h1>",
        f'<div class="meta">{escape(source)} · generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC'
        "</div>",
    ]
    if sim := _sim_roles(sides):
        parts.append(
            f'<p class="warn">Simulated players: {escape(", ".join(sim))}. Rates and yields '
            "describe the sim, not a real model.</p>"
        )
    parts.append(_compare_table(stats, compare.stats) if compare is not None else _cards(stats))
    for section in (
        _funnel,
        _rejections,
        _yield,
        _tools,
        _lengths,
        _parallel,
        _histograms,
        _models,
    ):
        parts += section(sides, w)
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(
    stats: Stats,
    out: Path,
    *,
    source: str,
    lengths: Lengths | None = None,
    compare: Side | None = None,
) -> Path:
    """Write :func:`render_report` to ``out`` and return ``out``."""
    out.write_text(
        render_report(stats, source=source, lengths=lengths, compare=compare), encoding="utf-8"
    )
    return out
