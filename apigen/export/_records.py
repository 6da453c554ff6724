"""Records an export takes and returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from apigen.types import Message

__all__ = ["ExportOptions", "ExportRecord", "ExportResult", "SplitCount"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExportRecord(_Record):
    """One trajectory as the store hands it to an exporter."""

    id: str
    domain: str
    messages: tuple[Message, ...]
    tools: tuple[dict[str, Any], ...]
    """The domain's tools as OpenAI function definitions (``{"type": "function", ...}``)."""
    policy: str | None = None
    """The domain policy; the system prompt when the conversation has no system message."""
    group: str | None = None
    """The blueprint this trajectory role-played: ``--split`` keeps a group on one side.
    ``None``: the record is its own group."""
    provenance: dict[str, Any] | None = None
    """What the record passed (run, seed, models per role, stages, verdicts, judge
    agreement); written into each row with ``ExportOptions.provenance``."""


class ExportOptions(_Record):
    """How to write an export. Filters (which trajectories) live with the store."""

    format: str
    """Exporter name: ``sharegpt``, ``openai``, ``chat-template``, ``parquet``,
    ``hf-datasets``, ``adp`` (:func:`apigen.export.exporter_names`)."""
    out: Path
    """Output file (a folder for ``hf-datasets``). With ``split``, ``<stem>.train<suffix>``
    and ``<stem>.val<suffix>``."""
    force: bool = False
    """Replace output files that exist; without it an existing file is an error."""
    split: float | None = Field(default=None, gt=0.0, lt=1.0)
    """Share of groups (blueprints, see ``split_by``) for the training file; the rest go
    to validation."""
    split_by: Literal["blueprint", "trajectory"] = "blueprint"
    """``blueprint``: every trial of a blueprint lands on the same side (no leakage);
    ``trajectory``: each trajectory decides alone."""
    seed: int = 0
    """Seeds the split and the distractor choice (same seed, same files)."""
    distractors: int = Field(default=0, ge=0)
    """Irrelevant tools from other registered domains added to each record's tool list."""
    reasoning: Literal["keep", "drop"] = "drop"
    """Keep assistant reasoning (``reasoning_content`` / ``<think>`` prefix) or drop it."""
    arguments: Literal["object", "string"] | None = None
    """Tool-call arguments as JSON objects (transformers, TRL, axolotl, LLaMA-Factory) or
    JSON strings (OpenAI). Default: the format's own (``string`` for ``openai``,
    ``parquet`` and ``hf-datasets``; ``object`` elsewhere)."""
    call_ids: Literal["keep", "openai", "alnum9"] = "keep"
    """Tool-call ids as stored, OpenAI-like (``call_`` + 24 alphanumerics) or 9
    alphanumerics (Mistral templates require them). Derived from the record id: stable."""
    parallel: Literal["keep", "sequential"] = "keep"
    """``sequential`` splits an assistant turn with several tool calls into one turn per
    call, each followed by its own result (formats and models taking one call a turn)."""
    train_on: Literal["all", "final", "tool-calls", "replies"] = "all"
    """Which assistant messages carry loss: OpenAI ``weight`` (0/1) and the spans of the
    chat-template ``mask`` output. ``final``: the last reply only; ``tool-calls``: turns
    that call tools; ``replies``: turns that answer in text."""
    per_turn: bool = False
    """One record per assistant turn (its history plus that turn) instead of one per
    trajectory; only that turn is trained on."""
    chat_output: Literal["text", "prompt-completion", "mask"] = "text"
    """``chat-template``: ``{"text"}``; ``{"prompt", "completion"}`` (the completion is the
    last assistant turn; with ``per_turn`` one pair per turn); or ``{"text", "spans"}``
    with the character spans of trained assistant turns."""
    provenance: bool = False
    """Add a ``provenance`` object to each row (run, seed, models per role, stages,
    verdicts, judge agreement): a top-level key (``details.provenance`` in ADP, a JSON
    column in parquet and hf-datasets). Leave it off files uploaded to OpenAI, whose
    format has no such key."""
    license: str | None = None
    """Licence named in the ``hf-datasets`` dataset card (``other`` when unset)."""
    chat_template: str | None = None
    """``chat-template`` format: a built-in name (``qwen2.5``, ``hermes2pro``,
    ``llama3.1``), a ``.jinja`` file, or a Hugging Face ``tokenizer_config.json`` with a
    ``chat_template``."""
    bos_token: str | None = None
    """Overrides the template's ``bos_token`` (built-ins and tokenizer configs set one)."""
    eos_token: str | None = None


class SplitCount(_Record):
    """Records written to one file."""

    path: Path
    records: int


class ExportResult(_Record):
    """What an export wrote and what it skipped (and why)."""

    format: str
    files: tuple[SplitCount, ...]
    written: int
    skipped: int
    skip_reasons: dict[str, int]
    """Reason -> count for records that failed validation or rendering."""
    seconds: float
    notes: tuple[str, ...] = ()
    extra_files: tuple[Path, ...] = ()
    """Files written beside the data (LLaMA-Factory ``dataset_info.json``, dataset card)."""
