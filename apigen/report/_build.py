"""``apigen report``: gather a run's statistics (and a comparison run's) from the
store, measure a sample of its exported records, render the page."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from apigen.report._html import Side, render_report
from apigen.report._lengths import ESTIMATE, Lengths, record_lengths, tokenizer_counter

if TYPE_CHECKING:
    from apigen.store import Stats, Store

__all__ = ["build_report"]


def _lengths(
    store: Store,
    stats: Stats,
    *,
    limit: int | None,
    sample: int,
    count: Callable[[str], int] | None,
    method: str,
) -> Lengths | None:
    """Lengths of up to ``sample`` accepted records as ``apigen export --format openai``
    writes them (the exporter itself runs, into a temporary file)."""
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
            return record_lengths(
                (line.rstrip("\\n") for line in lines),
                limit=limit,
                available=stats.accepted,
                count=count,
                method=method,
            )


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
        sides = []
        for rid in [run] + ([compare] if compare is not None else []):
            stats = store.stats(rid)
            lengths = _lengths(
                store, stats, limit=context_limit, sample=sample, count=count, method=method
            )
            sides.append(Side(stats, lengths))
        source = store.url
    a = sides[0]
    return render_report(
        a.stats, source=source, lengths=a.lengths, compare=sides[1] if compare else None
    )
