"""The ``sharegpt``, ``openai`` and ``parquet`` exporters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from apigen.export._base import Exporter, JsonArraySink, JsonLinesSink, Sink, register_exporter
from apigen.export._convert import Conversation, arguments_json, think_prefix, tool_output
from apigen.types import Message

__all__ = ["OpenAIExporter", "ParquetExporter", "ShareGPTExporter", "openai_messages"]


def openai_messages(conv: Conversation) -> list[dict[str, Any]]:
    """Messages in the OpenAI chat fine-tuning shape (arguments as JSON strings)."""
    out: list[dict[str, Any]] = []
    for m in conv.messages:
        if m.role == "tool":
            out.append({"role": "tool", "tool_call_id": m.tool_call_id, "content": tool_output(m)})
            continue
        msg: dict[str, Any] = {"role": m.role}
        if m.content is not None or not m.tool_calls:
            msg["content"] = m.content or ""
        if m.tool_calls:
            msg["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": arguments_json(c.arguments)},
                }
                for c in m.tool_calls
            ]
        if m.role == "assistant" and conv.keep_reasoning and m.reasoning:
            msg["reasoning_content"] = m.reasoning
        out.append(msg)
    return out


@register_exporter
class OpenAIExporter(Exporter):
    """OpenAI fine-tuning JSON Lines: ``{"messages": [...], "tools": [...]}`` per line."""

    name = "openai"
    description = "OpenAI chat fine-tuning JSONL with tools (tool_calls + tool messages)."

    def encode(self, conv: Conversation) -> Any:
        return {"messages": openai_messages(conv), "tools": list(conv.tools)}


def _observation(tools: list[Message]) -> str:
    if len(tools) == 1:
        return tool_output(tools[0])
    outputs: list[Any] = []
    for t in tools:
        try:
            outputs.append(json.loads(tool_output(t)))
        except json.JSONDecodeError:
            outputs.append(t.content)
    return json.dumps(outputs, ensure_ascii=False)


@register_exporter
class ShareGPTExporter(Exporter):
    """The APIGen-MT-5k release shape: ``conversations``, ``system``, ``tools`` (a string).

    ``from`` is ``human``, ``gpt``, ``function_call`` (value ``{"name", "arguments"}`` as
    JSON; a JSON list when the assistant called several tools at once) or
    ``observation`` (the tool output string; a JSON list of outputs for parallel
    calls). Text an assistant wrote alongside tool calls has no place in this format
    and is dropped. A ``.jsonl`` output path gives JSON Lines; anything else a JSON
    array, as the release ships.
    """

    name = "sharegpt"
    description = "ShareGPT (APIGen-MT-5k): conversations/system/tools; JSON array or .jsonl."
    suffix = ".json"

    def encode(self, conv: Conversation) -> Any:
        turns: list[dict[str, str]] = []
        system = ""
        pending: list[Message] = []
        for m in conv.messages:
            if m.role != "tool" and pending:
                turns.append({"from": "observation", "value": _observation(pending)})
                pending = []
            if m.role == "system":
                system = m.content or ""
            elif m.role == "user":
                turns.append({"from": "human", "value": m.content or ""})
            elif m.role == "tool":
                pending.append(m)
            elif m.tool_calls:
                calls = [{"name": c.name, "arguments": c.arguments} for c in m.tool_calls]
                value = calls[0] if len(calls) == 1 else calls
                turns.append(
                    {"from": "function_call", "value": json.dumps(value, ensure_ascii=False)}
                )
            else:
                turns.append({"from": "gpt", "value": think_prefix(m, conv.keep_reasoning)})
        functions = [t.get("function", t) for t in conv.tools]
        return {
            "conversations": turns,
            "system": system,
            "tools": json.dumps(functions, ensure_ascii=False),
        }

    def sink(self, path: Path) -> Sink:
        jsonl = self.options.out.suffix == ".jsonl"
        return JsonLinesSink(path) if jsonl else JsonArraySink(path)


class _ParquetSink:
    """Row groups of ``batch`` records through ``pyarrow.parquet.ParquetWriter``."""

    def __init__(self, path: Path, batch: int = 2000) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        call = pa.struct(
            [
                ("id", pa.string()),
                ("type", pa.string()),
                ("function", pa.struct([("name", pa.string()), ("arguments", pa.string())])),
            ]
        )
        message = pa.struct(
            [
                ("role", pa.string()),
                ("content", pa.string()),
                ("tool_calls", pa.list_(call)),
                ("tool_call_id", pa.string()),
                ("reasoning_content", pa.string()),
            ]
        )
        self._schema = pa.schema(
            [
                ("id", pa.string()),
                ("domain", pa.string()),
                ("messages", pa.list_(message)),
                ("tools", pa.string()),
            ]
        )
        self._pa = pa
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="zstd")
        self._rows: list[dict[str, Any]] = []
        self._batch = batch

    def write(self, item: Any) -> None:
        self._rows.append(item)
        if len(self._rows) >= self._batch:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            table = self._pa.Table.from_pylist(self._rows, schema=self._schema)
            self._writer.write_table(table)
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


@register_exporter
class ParquetExporter(Exporter):
    """The ``openai`` records as Parquet: ``messages`` nested, ``tools`` a JSON string.

    Columns: ``id``, ``domain``, ``messages`` (list of structs: role, content,
    tool_calls[{id, type, function{name, arguments}}], tool_call_id,
    reasoning_content) and ``tools`` (JSON text: tool parameters are free-form
    JSON schemas). Readable by pyarrow, pandas and ``datasets``.
    """

    name = "parquet"
    description = "Parquet (pyarrow) of the openai records; tools as a JSON string column."
    suffix = ".parquet"

    def encode(self, conv: Conversation) -> Any:
        return {
            "id": conv.id,
            "domain": conv.domain,
            "messages": openai_messages(conv),
            "tools": json.dumps(list(conv.tools), ensure_ascii=False),
        }

    def sink(self, path: Path) -> Sink:
        return _ParquetSink(path)
