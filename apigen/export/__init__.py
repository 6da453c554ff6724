"""Training-file exports: formats by name, record validation, deterministic splits.

This package never touches the database: :mod:`apigen.store` streams
:class:`ExportRecord` s (one trajectory each, with its domain's tools and policy)
into :func:`write_dataset`, which for every record

1. adds ``distractors`` irrelevant tools from OTHER registered domains (seeded per
   record by ``seed`` and the record id; the tool list is shuffled);
2. drops what follows the last plain assistant reply (the simulated human's stop
   signal), puts the domain policy first as the system message when the
   conversation has none, and validates the roles (:func:`validate_messages`);
3. encodes it with the named exporter and writes it to the train or validation
   file (``split``: a stable hash of seed and record id decides, so a record keeps
   its side when the database grows).

A record that fails validation or rendering is skipped and counted by reason,
never half-written; files are written under temporary names and renamed at the end.

Formats (:func:`exporter_names`; an unknown name raises
:class:`apigen.errors.UnknownNameError` listing them; plug-ins add theirs through
the entry-point group ``apigen.exporters``, and one that fails to load is reported
by :func:`exporter_problems` and skipped):

``sharegpt``       APIGen-MT-5k shape: ``conversations`` [{from, value}] with
                   human/gpt/function_call/observation, ``system``, ``tools`` (JSON
                   string). A JSON array file, or JSON Lines when the path ends ``.jsonl``.
``openai``         JSON Lines ``{"messages": [...], "tools": [...]}`` (OpenAI fine-tuning).
``chat-template``  JSON Lines ``{"text": ...}`` rendered by a Hugging Face style Jinja
                   template: built-ins ``hermes`` (Qwen/Hermes ``<tool_call>`` XML) and
                   ``llama3.1`` (JSON tool calls, ``ipython`` results), or any file.
``parquet``        The ``openai`` records as Parquet (messages nested, tools JSON text).

Reasoning: ``keep`` puts it in ``reasoning_content`` (openai, parquet) or as a
``<think>…</think>`` prefix of the assistant text (sharegpt, chat-template).
"""

# The built-in formats register themselves when their modules load, here at package
# import (before any lookup: ``apigen.export._base`` itself imports no format module).
from apigen.export import _formats, _template  # noqa: F401
from apigen.export._base import (
    Exporter,
    Sink,
    exporter_names,
    exporter_problems,
    get_exporter,
    register_exporter,
)
from apigen.export._convert import Conversation, InvalidRecord, validate_messages
from apigen.export._records import ExportOptions, ExportRecord, ExportResult, SplitCount
from apigen.export._template import ChatTemplate, load_chat_template
from apigen.export._write import write_dataset

__all__ = [
    "ChatTemplate",
    "Conversation",
    "ExportOptions",
    "ExportRecord",
    "ExportResult",
    "Exporter",
    "InvalidRecord",
    "Sink",
    "SplitCount",
    "exporter_names",
    "exporter_problems",
    "get_exporter",
    "load_chat_template",
    "register_exporter",
    "validate_messages",
    "write_dataset",
]
