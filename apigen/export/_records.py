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


class ExportOptions(_Record):
    """How to write an export. Filters (which trajectories) live with the store."""

    format: str
    """Exporter name: ``sharegpt``, ``openai``, ``chat-template``, ``parquet``."""
    out: Path
    """Output file. With ``split``, ``<stem>.train<suffix>`` and ``<stem>.val<suffix>``."""
    split: float | None = Field(default=None, gt=0.0, lt=1.0)
    """Share of records for the training file; the rest go to validation."""
    seed: int = 0
    """Seeds the split and the distractor choice (same seed, same files)."""
    distractors: int = Field(default=0, ge=0)
    """Irrelevant tools from other registered domains added to each record's tool list."""
    reasoning: Literal["keep", "drop"] = "drop"
    """Keep assistant reasoning (``reasoning_content`` / ``<think>`` prefix) or drop it."""
    chat_template: str | None = None
    """``chat-template`` format: a built-in name (``hermes``, ``llama3.1``), a ``.jinja``
    file, or a Hugging Face ``tokenizer_config.json`` with a ``chat_template``."""
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
