"""``apigen report``: gather a run's statistics (and a comparison run's) from the
store, measure a sample of its exported records, render the page."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from apigen.report._html import Side, render_report
from apigen.report._lengths import (
    ESTIMATE,
    estimate_tokens,
    summarise_lengths,
    tokenizer_counter,
)

if TYPE_CHECKING:
    from apigen.store import Stats, Store

__all__ = ["build_report"]


def _lengths(
    store: Store, stats: Stats, *, sample: int, count: Callable[[str], int]
) -> list[int] | None:
    """Token lengths of up to ``sample`` accepted records as ``apigen export --format
    openai`` writes them (the exporter itself runs, into a temporary file)."""
    from apigen.errors import EmptyExportError
    from apigen.export import ExportOptions
    from apigen.store import TrajectoryFilter

    if sample <= 0 or stats.accepted == 0:
        return None
    with tempfile.TemporaryDirectory(prefix="apigen-report-") as tmp:
        out = Path(tmp) / "records.jsonl"
        where = TrajectoryFilter(run_id=stats.run_id, limit=sample)
        try:
            store.export(where, ExportOptions(format="openai", out=out, force=True))
        except EmptyExportError:
            return None
        with out.open(encoding="utf-8") as lines:
            return [count(line.rstrip("\n")) for line in lines]


def build_report(
    db: str | None,
    run: str | None,
    *,
    compare: str | None = None,
    context_limit: int | None = None,
    tokenizer: Path | None = None,
    sample: int = 2000,
) -> str:
    """The report page for ``run`` (every run when ``None``) of the database ``db``,
    with run ``compare`` beside it; lengths of ``sample`` exported records per run
    against ``context_limit``, counted by ``tokenizer`` (a ``tokenizer.json``) or
    estimated. Unknown runs and unreadable tokenizers raise :class:`ConfigError`."""
    from apigen.store import Store

    count, method = tokenizer_counter(tokenizer) if tokenizer is not None else (None, ESTIMATE)
    with Store.open(db, read_only=True) as store:
        measured = []
        for rid in [run] + ([compare] if compare is not None else []):
            stats = store.stats(rid)
            measured.append(
                (stats, _lengths(store, stats, sample=sample, count=count or estimate_tokens))
            )
        source = store.url
    # compared runs share one axis: bins up to the longest record of either
    top = max((max(v, default=0) for _, v in measured if v is not None), default=0)
    sides = [
        Side(
            stats,
            None
            if values is None
            else summarise_lengths(
                values, limit=context_limit, available=stats.accepted, method=method, top=top
            ),
        )
        for stats, values in measured
    ]
    a = sides[0]
    return render_report(
        a.stats, source=source, lengths=a.lengths, compare=sides[1] if compare else None
    )
