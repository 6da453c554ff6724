"""sharegpt, openai and parquet exports have the shapes their consumers expect."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from apigen.errors import ConfigError, UnknownNameError
from apigen.export import ExportOptions, exporter_names, write_dataset
from tests.export.conftest import TOY_TOOLS, record
from tests.store.conversations import POLICY


def export(tmp_path: Path, fmt: str, name: str, records: list, **kw: object) -> Path:
    out = tmp_path / name
    result = write_dataset(records, ExportOptions(format=fmt, out=out, **kw))
    assert result.written == len(records) - result.skipped
    return out


def test_registry() -> None:
    names = ["adp", "chat-template", "hf-datasets", "openai", "parquet", "sharegpt"]
    assert exporter_names() == names
    with pytest.raises(UnknownNameError, match=", ".join(names)):
        write_dataset([], ExportOptions(format="alpaca", out=Path("x")))


def test_sharegpt_matches_the_apigen_mt_release(tmp_path: Path) -> None:
    out = export(tmp_path, "sharegpt", "d.json", [record("a"), record("b", parallel=True)])
    data = json.loads(out.read_text())  # a JSON array, like the release
    first = data[0]
    assert set(first) == {"conversations", "system", "tools"}
    info = json.loads((tmp_path / "dataset_info.json").read_text())
    assert info["d"]["file_name"] == "d.json" and info["d"]["columns"]["system"] == "system"
    assert first["system"] == POLICY
    assert [t["from"] for t in first["conversations"]] == [
        "human",
        "function_call",
        "observation",
        "function_call",
        "observation",
        "gpt",
    ]
    call = json.loads(first["conversations"][1]["value"])
    assert call == {"name": "find_user", "arguments": {"email": "user1@example.com"}}
    assert json.loads(first["conversations"][2]["value"]) == {"tool": "find_user", "ok": True}
    tools = json.loads(first["tools"])
    assert isinstance(first["tools"], str)
    assert [t["name"] for t in tools] == [t["function"]["name"] for t in TOY_TOOLS]
    assert set(tools[0]) == {"name", "description", "parameters"}
    parallel = data[1]["conversations"]
    assert [t["from"] for t in parallel] == ["human", "function_call", "observation", "gpt"]
    assert len(json.loads(parallel[1]["value"])) == 2
    # one <tool_response> block per result, as LLaMA-Factory's OpenAI converter writes them
    blocks = parallel[2]["value"].split("\n</tool_response>\n<tool_response>\n")
    assert [json.loads(b)["tool"] for b in blocks] == ["find_user", "deposit"]


def test_sharegpt_jsonl_and_reasoning(tmp_path: Path) -> None:
    recs = [record(reasoning="The user wants a deposit.")]
    out = export(tmp_path, "sharegpt", "d.jsonl", recs, reasoning="keep")
    line = json.loads(out.read_text().splitlines()[0])
    assert line["conversations"][-1]["value"].startswith(
        "<think>\nThe user wants a deposit.\n</think>\n\nDone"
    )
    call = line["conversations"][1]["value"]  # kept on function_call turns too
    assert call.startswith('<think>\nThe user wants a deposit.\n</think>\n\n{"name": "find_user"')
    out = export(tmp_path, "sharegpt", "e.jsonl", recs)
    assert "<think>" not in out.read_text()


def test_openai_fine_tuning_shape(tmp_path: Path) -> None:
    recs = [record(reasoning="Plan: look up, then deposit.")]
    out = export(tmp_path, "openai", "o.jsonl", recs, reasoning="keep")
    row = json.loads(out.read_text())
    assert set(row) == {"messages", "tools"} and row["tools"] == list(TOY_TOOLS)
    msgs = row["messages"]
    assert [m["role"] for m in msgs] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
    ]
    open_ids: set[str] = set()
    for m in msgs:
        if m["role"] == "assistant" and "tool_calls" in m:
            for c in m["tool_calls"]:
                assert c["type"] == "function" and isinstance(c["function"]["arguments"], str)
                json.loads(c["function"]["arguments"])
                open_ids.add(c["id"])
            assert m["content"] == ""  # LLaMA-Factory and Qwen3 templates read it
        if m["role"] == "tool":
            open_ids.remove(m["tool_call_id"])  # answered exactly once
            assert m["name"] in {"find_user", "deposit"}  # Hermes 2 Pro reads it
    assert open_ids == set()
    assert msgs[-1]["reasoning_content"] == "Plan: look up, then deposit."
    dropped = json.loads(export(tmp_path, "openai", "p.jsonl", recs).read_text())
    assert all("reasoning_content" not in m for m in dropped["messages"])


def test_parquet_reads_back(tmp_path: Path) -> None:
    recs = [record(f"t{i}", parallel=i % 2 == 1) for i in range(5)]
    out = export(tmp_path, "parquet", "d.parquet", recs)
    table = pq.read_table(out)
    assert table.column_names == ["id", "domain", "messages", "tools", "provenance"]
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == [f"t{i}" for i in range(5)]
    first = rows[0]["messages"]
    assert first[2]["tool_calls"][0]["function"]["name"] == "find_user"
    assert json.loads(first[2]["tool_calls"][0]["function"]["arguments"]) == {
        "email": "user1@example.com"
    }
    assert first[3]["tool_call_id"] == first[2]["tool_calls"][0]["id"]
    assert json.loads(rows[0]["tools"]) == list(TOY_TOOLS)
    with pytest.raises(ConfigError, match="--arguments"):
        export(tmp_path, "parquet", "e.parquet", recs, arguments="object")
