"""``apigen schema``: the tables for query writers, generated from the models."""

from __future__ import annotations

import inspect

from sqlalchemy import Column, Table

from apigen.store._models import Base

__all__ = ["EXAMPLES", "schema_markdown"]

EXAMPLES: tuple[tuple[str, str | None, str], ...] = (
    (
        "Accepted trajectories per domain",
        None,
        "SELECT domain, count(*) AS n FROM trajectories WHERE accepted GROUP BY domain",
    ),
    (
        "Accepted trajectories that called a tool, with 6+ turns",
        None,
        "SELECT t.id, t.turns, t.tool_calls FROM trajectories t\n"
        "JOIN trajectory_tools tt ON tt.trajectory_id = t.id\n"
        "WHERE tt.tool = 'deposit' AND t.accepted AND t.turns >= 6 ORDER BY t.id",
    ),
    (
        "Top blueprint rejection reasons per stage",
        None,
        "SELECT stage, reason, count(*) AS n FROM blueprint_stages WHERE NOT passed\n"
        "GROUP BY stage, reason ORDER BY n DESC LIMIT 20",
    ),
    (
        "Trajectories the judges disagreed on",
        None,
        "SELECT id, votes_passed, votes_total FROM trajectories\n"
        "WHERE votes_total > 0 AND votes_passed < votes_total ORDER BY id LIMIT 50",
    ),
    (
        "Cost per accepted trajectory by run",
        None,
        "SELECT run_id, sum(cost_usd) / nullif(sum(CASE WHEN accepted THEN 1 ELSE 0 END), 0)\n"
        "  AS cost_per_accepted FROM trajectories GROUP BY run_id",
    ),
    (
        "Why episodes ended",
        None,
        "SELECT ending, accepted, count(*) AS n FROM trajectories GROUP BY ending, accepted\n"
        "ORDER BY n DESC",
    ),
    (
        "First user message of each trajectory (SQLite JSON)",
        "sqlite",
        "SELECT id, json_extract(messages, '$[1].content') AS first_user FROM trajectories\n"
        "WHERE json_extract(messages, '$[1].role') = 'user' LIMIT 10",
    ),
    (
        "First user message of each trajectory (PostgreSQL JSONB)",
        "postgresql",
        "SELECT id, messages->1->>'content' AS first_user FROM trajectories\n"
        "WHERE messages->1->>'role' = 'user' LIMIT 10",
    ),
)
"""(title, engine or None for both, SQL). Tests run every example on its engines."""


def _type(col: Column[object]) -> str:
    name = type(col.type).__name__.upper()
    length = getattr(col.type, "length", None)
    return f"{name}({length})" if length else name


def _table(table: Table, doc: str) -> list[str]:
    lines = [
        f"## `{table.name}`",
        "",
        doc,
        "",
        "| column | type | null | meaning |",
        "|---|---|---|---|",
    ]
    shapes: list[str] = []
    for col in table.columns:
        info = col.info
        key = " (PK)" if col.primary_key else ""
        fks = ", ".join(f"→ `{fk.target_fullname}`" for fk in col.foreign_keys)
        meaning = " ".join(x for x in (info.get("doc", ""), fks) if x)
        null = "yes" if col.nullable else "no"
        lines.append(f"| `{col.name}`{key} | {_type(col)} | {null} | {meaning} |")
        if "json" in info:
            shapes.append(f"- `{col.name}`: `{info['json']}`")
    if shapes:
        lines += ["", "JSON shapes:", "", *shapes]
    indexes = sorted(", ".join(c.name for c in ix.columns) for ix in table.indexes)
    if indexes:
        lines += ["", "Indexed: " + "; ".join(f"({i})" for i in indexes)]
    return [*lines, ""]


def schema_markdown() -> str:
    """Markdown documenting every table, column, JSON shape and example queries."""
    classes = {m.class_.__tablename__: m.class_ for m in Base.registry.mappers}
    out = [
        "# apigen database schema",
        "",
        "Generated from `apigen/store/_models.py` (`apigen schema`). Query it read-only",
        'with `apigen query "SQL"`. Booleans are 0/1 on SQLite and true/false on',
        "PostgreSQL; `WHERE accepted` works on both. JSON columns are JSON text on",
        "SQLite (`json_extract`) and JSONB on PostgreSQL (`->`, `->>`).",
        "",
    ]
    for table in Base.metadata.sorted_tables:
        doc = (inspect.getdoc(classes[table.name]) or "").replace("``", "`")
        out += _table(table, doc)
    out += ["## Example queries", ""]
    for title, engine, sql in EXAMPLES:
        where = f" ({engine} only)" if engine else ""
        out += [f"{title}{where}:", "", "```sql", sql, "```", ""]
    return "\n".join(out)
