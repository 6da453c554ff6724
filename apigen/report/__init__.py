"""The HTML report: one self-contained page of plots rendered from a run's statistics.

Contract
--------
``render_report(stats, *, source) -> str``
    The page for ``stats`` (an :class:`apigen.store.Stats`, the record
    ``Store.stats(run_id)`` computes with SQL): headline cards, the funnel, top
    rejection reasons per blueprint stage and trajectory verifier, how rejected
    episodes ended, turn and tool-call histograms, tool usage, and cost and tokens
    per accepted trajectory by role. ``source`` (a URL with its password hidden) is
    shown in the header.
``write_report(stats, out, *, source) -> Path``
    The same page written to ``out`` (UTF-8); returns ``out``.

The page is static HTML with inline SVG bar charts: no script, no stylesheet or
font to fetch, nothing from the network; it opens offline in any browser. This
package only renders: it reads the statistics record and never the database, so
it imports no SQLAlchemy (the store computes, the report draws).
"""

from apigen.report._html import render_report, write_report

__all__ = ["render_report", "write_report"]
