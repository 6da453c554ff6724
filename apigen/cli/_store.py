"""Curation commands over the results database: runs, stats, query, schema, report, export.

Every command takes ``--db URL`` (a SQLAlchemy URL or a SQLite file path), falling
back to ``$APIGEN_DATABASE_URL`` and then ``./apigen.db``. Text output passes through
:func:`apigen.safety.printable` (stored model text cannot drive the terminal);
``--json`` and ``--csv`` stay exact.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import typer

from apigen.cli._render import echo_json, echo_text
from apigen.safety import check_output, printable

__all__ = ["export", "query", "report", "runs", "schema", "stats"]

_DB_HELP = "Database URL or SQLite file (default: $APIGEN_DATABASE_URL, else ./apigen.db)."
DbOption = typer.Option(None, "--db", help=_DB_HELP, show_default=False)
RunOption = typer.Option(None, "--run", help="Only this run id.", show_default=False)
ForceOption = typer.Option(False, "--force", help="Overwrite an existing --out file.")


def runs(db: str | None = DbOption, json_out: bool = typer.Option(False, "--json")) -> None:
    """List runs: status, domain, items done/planned, trajectories accepted/total."""
    from apigen.store import Store

    with Store.open(db, read_only=True) as store:
        found = store.runs()
    if json_out:
        echo_json([r.model_dump(mode="json") for r in found])
        return
    if not found:
        typer.echo("no runs")
    for r in found:
        echo_text(
            f"{r.id}  {r.status:<11} {r.domain:<12} items {r.items_done}/{r.planned_items}"
            f" (failed {r.items_failed})  accepted {r.accepted}/{r.trajectories}"
            f"  {r.started_at:%Y-%m-%d %H:%M}  {r.code_version}"
        )


def stats(
    db: str | None = DbOption,
    run: str | None = RunOption,
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """The funnel, top rejection reasons, tool coverage, turns and cost per accepted."""
    from apigen.store import Store

    with Store.open(db, read_only=True) as store:
        result = store.stats(run)
    if json_out:
        echo_json(result.model_dump(mode="json"))
        return
    echo_text(_stats_text(result))


def query(
    sql: str = typer.Argument(..., help="One read-only SQL statement."),
    db: str | None = DbOption,
    json_out: bool = typer.Option(False, "--json", help="Rows as a JSON list of objects."),
    csv_out: bool = typer.Option(False, "--csv", help="Rows as CSV with a header."),
    max_rows: int = typer.Option(100_000, min=1, help="Stop after this many rows."),
    timeout: float = typer.Option(60.0, min=0.001, help="Stop the query after this many seconds."),
    reader_url: str | None = typer.Option(
        None,
        "--reader-url",
        help="PostgreSQL: read-only login to run as (default: reader_url of --config, "
        "else $APIGEN_READER_URL, else apigen_reader when --db is a superuser).",
        show_default=False,
    ),
    config: Path | None = typer.Option(
        None, "--config", help="Settings file: its database_url and reader_url apply."
    ),
) -> None:
    """Run read-only SQL (the database refuses writes). See `apigen schema` for tables."""
    from apigen.settings import load_settings
    from apigen.store import run_query

    settings = load_settings(config, flags={"database_url": db, "reader_url": reader_url})
    result = run_query(
        sql,
        settings.database_url,
        max_rows=max_rows,
        timeout_s=timeout,
        reader_url=settings.reader_url,
    )
    if json_out:
        echo_json([dict(zip(result.columns, row, strict=True)) for row in result.rows])
    elif csv_out:
        writer = csv.writer(sys.stdout)
        writer.writerow(result.columns)
        writer.writerows(result.rows)
    else:
        echo_text(_table_text(result.columns, result.rows))


def schema(
    out: Path | None = typer.Option(None, help="Write Markdown here instead of stdout."),
    force: bool = ForceOption,
) -> None:
    """Document the tables, columns, JSON shapes and example queries (Markdown)."""
    from apigen.store import schema_markdown

    if out is not None:
        check_output(out, force=force)
    text = schema_markdown()
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")


def report(
    out: Path = typer.Option(Path("report.html"), "--out", help="HTML file to write."),
    db: str | None = DbOption,
    run: str | None = RunOption,
    force: bool = ForceOption,
) -> None:
    """Write one self-contained HTML page of plots (opens offline in any browser)."""
    from apigen.report import write_report
    from apigen.store import Store

    check_output(out, force=force)
    with Store.open(db, read_only=True) as store:
        stats, source = store.stats(run), store.url
    typer.echo(f"wrote {write_report(stats, out, source=source)}")


def export(
    format: str = typer.Option(
        ..., "--format", help="sharegpt, openai, chat-template, parquet, hf-datasets, adp."
    ),
    out: Path = typer.Option(
        ..., "--out", help="Output file or folder (with --split: stem.train/.val)."
    ),
    force: bool = ForceOption,
    db: str | None = DbOption,
    run: str | None = RunOption,
    domain: str | None = typer.Option(None, help="Only this domain."),
    include_rejected: bool = typer.Option(
        False, "--include-rejected", help="Also export rejected trajectories."
    ),
    min_turns: int | None = typer.Option(None, help="At least this many turns."),
    max_turns: int | None = typer.Option(None, help="At most this many turns."),
    tool: str | None = typer.Option(None, help="Only trajectories that called this tool."),
    min_judge_agreement: float | None = typer.Option(
        None, help="Share of judge votes that passed, 0..1."
    ),
    limit: int | None = typer.Option(None, help="At most this many records (id order)."),
    split: float | None = typer.Option(
        None, help="Train share, e.g. 0.9: writes .train/.val; a blueprint stays on one side."
    ),
    split_by: str = typer.Option("blueprint", help="blueprint (no leakage) or trajectory."),
    seed: int = typer.Option(0, help="Seed for the split and distractors."),
    distractors: int = typer.Option(0, help="Irrelevant tools from other domains per record."),
    reasoning: str = typer.Option("drop", help="keep or drop assistant reasoning."),
    arguments: str | None = typer.Option(
        None, help="Tool-call arguments: object (HF, TRL) or string (OpenAI); default per format."
    ),
    call_ids: str = typer.Option("keep", help="keep, openai (call_...) or alnum9 (Mistral)."),
    parallel: str = typer.Option(
        "keep", help="keep parallel calls, or sequential: one call and result per turn."
    ),
    train_on: str = typer.Option(
        "all", help="Assistant turns with loss: all, final, tool-calls or replies."
    ),
    per_turn: bool = typer.Option(
        False, "--per-turn", help="One record per assistant turn with its history."
    ),
    chat_output: str = typer.Option("text", help="chat-template: text, prompt-completion or mask."),
    provenance: bool = typer.Option(
        False, "--provenance", help="Add what each record passed (run, models, verdicts)."
    ),
    license: str | None = typer.Option(None, help="hf-datasets: licence for the dataset card."),
    chat_template: str | None = typer.Option(
        None,
        help="chat-template: qwen2.5, hermes2pro, llama3.1, a .jinja or tokenizer_config.json.",
    ),
    bos_token: str | None = typer.Option(None, help="Override the template's bos_token."),
    eos_token: str | None = typer.Option(None, help="Override the template's eos_token."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Export trajectories as training files; invalid records are reported and skipped.

    Writing no record at all is an error (exit 2) that says why.
    """
    from apigen.export import ExportOptions
    from apigen.store import Store, TrajectoryFilter

    where = _build(
        TrajectoryFilter,
        "min_turns",
        run_id=run,
        domain=domain,
        accepted_only=not include_rejected,
        min_turns=min_turns,
        max_turns=max_turns,
        tool=tool,
        min_judge_agreement=min_judge_agreement,
        limit=limit,
    )
    options = _build(
        ExportOptions,
        "option",
        format=format,
        out=out,
        force=force,
        split=split,
        split_by=split_by,
        seed=seed,
        distractors=distractors,
        reasoning=reasoning,
        arguments=arguments,
        call_ids=call_ids,
        parallel=parallel,
        train_on=train_on,
        per_turn=per_turn,
        chat_output=chat_output,
        provenance=provenance,
        license=license,
        chat_template=chat_template,
        bos_token=bos_token,
        eos_token=eos_token,
    )
    with Store.open(db, read_only=True) as store:
        result = store.export(where, options)
    if json_out:
        echo_json(result.model_dump(mode="json"))
        return
    for f in result.files:
        typer.echo(f"wrote {f.records} records to {f.path}")
    for extra in result.extra_files:
        typer.echo(f"wrote {extra}")
    if result.skipped:
        typer.echo(f"skipped {result.skipped} invalid records:")
        for reason, n in result.skip_reasons.items():
            typer.echo(f"  {n:>6}  {reason}")
    for note in result.notes:
        typer.echo(f"note: {note}")


_FLAGS = {"run_id": "--run", "accepted_only": "--include-rejected"}


def _build(model: Any, what: str, **values: Any) -> Any:
    """Validate CLI values into a record; a bad value is a one-line ConfigError."""
    from pydantic import ValidationError

    from apigen.errors import ConfigError

    try:
        return model(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else what
        name = _FLAGS.get(field, "--" + field.replace("_", "-"))
        raise ConfigError(err["msg"].removeprefix("Value error, "), field=name) from None


def _table_text(columns: tuple[str, ...], rows: tuple[tuple[Any, ...], ...]) -> str:
    cell = lambda v: printable("NULL" if v is None else str(v).replace("\n", " "))[:80]  # noqa: E731
    cells = [[cell(v) for v in r] for r in rows]
    columns = tuple(printable(c, newlines=False) for c in columns)
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths, strict=True))  # noqa: E731
    out = [line(list(columns)), line(["-" * w for w in widths]), *(line(r) for r in cells)]
    return "\n".join([*out, f"({len(rows)} rows)"])


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def _diversity_lines(d: Any) -> list[str]:
    if d is None:
        return ["diversity of accepted blueprints: -"]
    cover = "-" if d.tool_coverage is None else f"{100 * d.tool_coverage:.0f}%"
    distinct = "-" if d.instruction_distinct_2 is None else f"{d.instruction_distinct_2:.3f}"
    return [
        f"diversity of accepted blueprints ({d.blueprints}):",
        f"  distinct write sequences {d.distinct_write_sequences}"
        f"  tool coverage {cover} ({d.tools_used}/{d.tools_offered})",
        f"  instruction distinct-2 {distinct}"
        f"  near-duplicate instructions {d.near_duplicate_instructions}",
    ]


def _stats_text(s: Any) -> str:
    money = lambda x: "-" if x is None else f"${x:.4f}"  # noqa: E731
    out = [f"funnel{' of run ' + s.run_id if s.run_id else ''}:"]
    for f in s.funnel:
        out.append(f"  {f.step:<28} {f.entered:>8} -> {f.passed:>8}  {_pct(f.passed, f.entered)}")
    eg = lambda c: f"  (e.g. {', '.join(c.examples)})" if c.examples else ""  # noqa: E731
    for title, groups in (
        ("blueprint rejections", s.blueprint_rejections),
        ("verdict rejections", s.verdict_rejections),
    ):
        out.append(f"{title} (apigen show ID prints an example):")
        for g in groups:
            out.append(f"  {g.stage} ({g.failed} failed)")
            out += [f"    {c.count:>7}  {c.label[:100]}{eg(c)}" for c in g.reasons]
    out.append("endings of rejected episodes:")
    out += [f"  {c.count:>7}  {c.label}{eg(c)}" for c in s.endings]
    agreement = "-" if s.judge_agreement is None else f"{100 * s.judge_agreement:.1f}%"
    out.append(f"judge agreement (votes that passed): {agreement}")
    out += _diversity_lines(s.diversity)
    out.append("blueprint yield (accepted trials: blueprints):")
    out.append("  " + "  ".join(f"{b.value}:{b.count}" for b in s.blueprint_yield))
    out.append("tools (trajectories / calls / in accepted):")
    out += [
        f"  {t.tool:<32} {t.trajectories:>7} {t.calls:>8} {t.accepted_trajectories:>7}"
        for t in s.tools
    ]
    if s.tools_unused:
        out.append("  never called: " + ", ".join(s.tools_unused))
    for title, bins in (("turns", s.turns), ("tool calls", s.tool_calls)):
        out.append(f"{title} (value: episodes / accepted):")
        out.append("  " + "  ".join(f"{b.value}:{b.count}/{b.accepted}" for b in bins))
    out.append(f"per role (accepted trajectories: {s.accepted}):")
    for r in s.roles:
        per = "-" if r.tokens_per_accepted is None else f"{r.tokens_per_accepted:,.0f}"
        out.append(
            f"  {r.role:<10} calls {r.calls:>8}  tokens/accepted {per:>10}"
            f"  cost {money(r.cost_usd):>10}  cost/accepted {money(r.cost_per_accepted)}"
        )
    out.append(f"cost per accepted trajectory: {money(s.cost_per_accepted)}")
    return "\n".join(out)
