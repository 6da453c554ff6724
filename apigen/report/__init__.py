"""The HTML report: one self-contained page that answers a curator's questions about a
run (or two runs side by side).

Contract
--------
``build_report(db, run, *, compare=None, context_limit=None, tokenizer=None, sample=2000) -> str``
    What ``apigen report`` writes: opens the store read-only, takes
    ``Store.stats(run)`` (and ``Store.stats(compare)``), exports up to ``sample``
    accepted records per run with the ``openai`` exporter into a temporary file and
    measures their token length (:func:`record_lengths`), and renders the page.
``render_report(stats, *, source, lengths=None, compare=None) -> str``
    The page for ``stats`` (an :class:`apigen.store.Stats`); ``compare`` is a
    :class:`Side` (run B's stats and lengths) drawn beside it on the same scales.
    Sections, in this order: headline figures (accepted, episodes, wall time,
    accepted per hour, cost per accepted, judge agreement, parallel-call share; a
    table with B − A when comparing); the funnel, one chart per phase in its own unit
    (work items; phase 1 in blueprint drafts; phase 2 in episodes) in pipeline order;
    rejection reasons grouped by check with counts and two example ids each (open
    with ``apigen show ID``); yield per blueprint; tool usage with per-tool error and
    invalid-argument rates; token length of the exported records against the context
    limit; parallel-call share; turn and tool-call histograms; models per role with
    calls, tokens, errors and retries, and cost and tokens per accepted trajectory.
    Every chart has a value axis with gridlines and tick counts. When any role was
    played by a ``sim/…`` model the page says so at the top.
``write_report(stats, out, *, source, lengths=None, compare=None) -> Path``
    :func:`render_report` written to ``out`` (UTF-8).
``record_lengths(records, *, limit=None, available=None, count=None, method=..., top=0) -> Lengths``
    Percentiles, the number over ``limit`` and a histogram of the token lengths of
    record texts (``count``: a token counter, default characters / 4, which the page
    labels as an estimate); :func:`tokenizer_counter` loads a ``tokenizer.json``.
``summarise_lengths(values, *, limit=None, available=None, method=..., top=0) -> Lengths``
    The same from token counts; the axis reaches at least ``top``, so two compared
    runs (``build_report`` passes their common longest) share bin edges.

The page is static HTML with inline SVG: no script, no stylesheet or font to fetch,
nothing from the network; it opens offline in any browser. Rendering reads records
only; the database is reached through :class:`apigen.store.Store` in
:func:`build_report`, so importing this package loads no SQLAlchemy.
"""

from apigen.report._build import build_report
from apigen.report._html import Side, render_report, write_report
from apigen.report._lengths import Lengths, record_lengths, summarise_lengths, tokenizer_counter

__all__ = [
    "Lengths",
    "Side",
    "build_report",
    "record_lengths",
    "render_report",
    "summarise_lengths",
    "tokenizer_counter",
    "write_report",
]
