"""`apigen schema` is generated from the models, and its example queries run."""

from __future__ import annotations

from pathlib import Path

from apigen.store import Store, run_query, schema_markdown
from apigen.store._models import Base
from apigen.store._schema_doc import EXAMPLES
from tests.store.conversations import trajectory


def test_committed_copy_is_current() -> None:
    committed = Path(__file__).parents[2] / "docs" / "schema.md"
    assert committed.read_text() == schema_markdown(), "run: apigen schema --out docs/schema.md"


def test_every_table_and_column_is_documented() -> None:
    doc = schema_markdown()
    for table in Base.metadata.tables.values():
        assert f"## `{table.name}`" in doc
        for col in table.columns:
            assert f"| `{col.name}`" in doc, f"{table.name}.{col.name}"
    assert "JSON shapes:" in doc and '"tool_calls"' in doc
    undocumented = [
        f"{t.name}.{c.name}"
        for t in Base.metadata.tables.values()
        for c in t.columns
        if "doc" not in c.info and not c.foreign_keys and c.name not in _SELF_EXPLANATORY
    ]
    assert undocumented == []


_SELF_EXPLANATORY = {
    "domain",
    "persona",
    "calls",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "errors",
    "passed",
    "score",
    "verifier",
    "duration_s",
    "n_messages",
    "item_index",
    "tool",
}


def test_examples_run_on_their_engines(store: Store, db_url: str) -> None:
    store.start_run({}, domain="toy", run_id="r1")
    store.write_item("r1", 0, trajectories=[trajectory(votes=(True, False, True))])
    engine = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    ran = 0
    for title, only, sql in EXAMPLES:
        if only not in (None, engine):
            continue
        result = run_query(sql, db_url)
        assert result.columns, title
        ran += 1
    assert ran == len(EXAMPLES) - 1
    first_user = next(sql for _, only, sql in EXAMPLES if only == engine)
    assert run_query(first_user, db_url).rows[0][1] == "Hi, I am user1@example.com."
