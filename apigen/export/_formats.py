"""The ``sharegpt``, ``openai`` and ``parquet`` exporters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from apigen.errors import ConfigError
from apigen.export._base import Exporter, JsonArraySink, JsonLinesSink, Sink, register_exporter
from apigen.export._convert import (
    Conversation,
    chat_messages,
    json_text,
    think_prefix,
    tool_output,
)
from apigen.export._records import ExportOptions
from apigen.types import Message

__all__ = ["OpenAIExporter", "ParquetExporter", "ShareGPTExporter"]


@register_exporter
class OpenAIExporter(Exporter):
    """OpenAI fine-tuning JSON Lines: ``{"messages": [...], "tools": [...]}`` per line.

    Arguments are JSON strings unless ``arguments="object"``; ``weight`` (0/1) is set
    on every assistant message when ``train_on`` is not ``all`` or with ``per_turn``.
    """

    name = "openai"
    description = "OpenAI chat fine-tuning JSONL with tools (tool_calls + tool messages)."
    default_arguments = "string"

    def encode(self, conv: Conversation) -> Any:
        o = self.options
        weights = o.train_on != "all" or o.per_turn
        row: dict[str, Any] = {
            "messages": chat_messages(
                conv, arguments=self.arguments, reasoning="field", weights=weights
            ),
            "tools": list(conv.tools),
        }
        return self.with_provenance(row, conv)


def _observation(tools: list[Message]) -> str:
    """Parallel results as LLaMA-Factory writes them: one ``<tool_response>`` block each
    (its templates wrap the value in the outer tags)."""
    return "\n</tool_response>\n<tool_response>\n".join(tool_output(t) for t in tools)


@register_exporter
class ShareGPTExporter(Exporter):
    """The APIGen-MT-5k release shape: ``conversations``, ``system``, ``tools`` (a string).

    ``from`` is ``human``, ``gpt``, ``function_call`` (value ``{"name", "arguments"}`` as
    JSON; a JSON list when the assistant called several tools at once; with
    ``reasoning="keep"`` prefixed by ``<think>…</think>``, which LLaMA-Factory splits
    off) or ``observation`` (the tool output; parallel results joined as separate
    ``<tool_response>`` blocks). Text an assistant wrote alongside tool calls has no
    place in this format and is dropped. A ``.jsonl`` output path gives JSON Lines;
    anything else a JSON array, as the release ships. Beside the data it writes
    ``dataset_info.json``: the LLaMA-Factory entry for each file.
    """

    name = "sharegpt"
    description = "ShareGPT (APIGen-MT-5k): conversations/system/tools; JSON array or .jsonl."
    suffix = ".json"

    def __init__(self, options: ExportOptions) -> None:
        super().__init__(options)
        self._last_tools: tuple[dict[str, Any], ...] | None = None
        self._last_text = ""

    def encode(self, conv: Conversation) -> Any:
        turns: list[dict[str, str]] = []
        system = ""
        pending: list[Message] = []
        keep = conv.keep_reasoning
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
                value = json_text(calls[0] if len(calls) == 1 else calls)
                turns.append({"from": "function_call", "value": think_prefix(m, keep, value)})
            else:
                turns.append({"from": "gpt", "value": think_prefix(m, keep)})
        if pending:  # a per-turn record never ends on results; kept for completeness
            turns.append({"from": "observation", "value": _observation(pending)})
        row = {"conversations": turns, "system": system, "tools": self._tools_text(conv.tools)}
        return self.with_provenance(row, conv)

    def _tools_text(self, tools: tuple[dict[str, Any], ...]) -> str:
        """The tool list as a JSON string, encoded again only when it changes (records of
        one run share theirs; the comparison stops at identical objects)."""
        if tools != self._last_tools:
            self._last_tools = tools
            self._last_text = json_text([t.get("function", t) for t in tools])
        return self._last_text

    def sink(self, path: Path) -> Sink:
        jsonl = self.options.out.suffix == ".jsonl"
        return JsonLinesSink(path) if jsonl else JsonArraySink(path)

    def finish(self, files: dict[str, Path]) -> list[Path]:
        """Write (or update) ``dataset_info.json`` beside the files: one entry each."""
        info_path = self.options.out.parent / "dataset_info.json"
        try:
            info = json.loads(info_path.read_text("utf-8")) if info_path.is_file() else {}
        except json.JSONDecodeError:
            info = {}
        for path in files.values():
            name = path.name.removesuffix(path.suffix)
            info[name] = {
                "file_name": path.name,
                "formatting": "sharegpt",
                "columns": {"messages": "conversations", "system": "system", "tools": "tools"},
                "tags": {
                    "role_tag": "from",
                    "content_tag": "value",
                    "user_tag": "human",
                    "assistant_tag": "gpt",
                    "observation_tag": "observation",
                    "function_tag": "function_call",
                },
            }
        info_path.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", "utf-8")
        return [info_path]


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
                ("name", pa.string()),
                ("reasoning_content", pa.string()),
                ("weight", pa.int8()),
            ]
        )
        self._schema = pa.schema(
            [
                ("id", pa.string()),
                ("domain", pa.string()),
                ("messages", pa.list_(message)),
                ("tools", pa.string()),
                ("provenance", pa.string()),
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
    tool_calls[{id, type, function{name, arguments}}], tool_call_id, name,
    reasoning_content, weight), ``tools`` (JSON text: tool parameters are free-form
    JSON schemas) and ``provenance`` (JSON text or null). Arguments are always JSON
    strings here (a fixed column type). Readable by pyarrow, pandas and ``datasets``.
    """

    name = "parquet"
    description = "Parquet (pyarrow) of the openai records; tools as a JSON string column."
    suffix = ".parquet"
    default_arguments = "string"

    def __init__(self, options: ExportOptions) -> None:
        if options.arguments == "object":
            raise ConfigError(
                "parquet keeps arguments as JSON text (a fixed column type); use"
                " --format hf-datasets for objects",
                field="--arguments",
            )
        super().__init__(options)

    def encode(self, conv: Conversation) -> Any:
        o = self.options
        weights = o.train_on != "all" or o.per_turn
        prov = conv.provenance if o.provenance else None
        return {
            "id": conv.id,
            "domain": conv.domain,
            "messages": chat_messages(conv, arguments="string", reasoning="field", weights=weights),
            "tools": json.dumps(list(conv.tools), ensure_ascii=False),
            "provenance": None if prov is None else json.dumps(prov, ensure_ascii=False),
        }

    def sink(self, path: Path) -> Sink:
        return _ParquetSink(path)
