"""What a model call returns: :class:`Completion` and its :class:`OutputError` records."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from apigen.types import JSON, Message, ToolCall, Usage

__all__ = ["Completion", "OutputError"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutputError(_Record):
    """A tool call in the model's answer that cannot be used as given.

    ``invalid_json``: the arguments are not a JSON object. ``unknown_tool``: the
    name is not among the tools offered. The call is left out of
    :attr:`Completion.tool_calls`; this record keeps everything needed to show the
    model its mistake or to record a rejection.
    """

    kind: Literal["invalid_json", "unknown_tool"]
    message: str
    """One line naming the problem, fit to show the model."""
    call_id: str | None = None
    """Provider-assigned id of the offending call."""
    tool: str | None = None
    """Tool name the model used."""
    raw: str | None = None
    """The arguments exactly as the model wrote them."""


class Completion(_Record):
    """One model answer with its accounting."""

    role: str
    """Role that made the call (``agent``, ``reviewer``, …)."""
    model: str
    """Model that answered (a fallback's name when a fallback answered)."""
    text: str | None = None
    """Assistant text content; ``None`` when the model only called tools."""
    tool_calls: tuple[ToolCall, ...] = ()
    """Well-formed tool calls, each with its provider id and parsed arguments."""
    reasoning: str | None = None
    """Reasoning: ``reasoning_content`` when the provider returns it, ``<think>``
    blocks taken out of the text, else the text of Anthropic thinking blocks."""
    thinking_blocks: tuple[dict[str, JSON], ...] = ()
    """Anthropic thinking blocks as returned (signatures included), to send back."""
    finish_reason: str | None = None
    """``stop``, ``tool_calls``, ``length``, … as the provider reports it."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    """Cost in USD; ``None`` when litellm has no price for the model, 0 when cached."""
    latency_s: float = 0.0
    """Wall time of the call, retries and waits included, in seconds."""
    attempts: int = 1
    """Provider attempts made (0 when served from the cache)."""
    cached: bool = False
    """Served from the response cache: no provider call, zero cost."""
    errors: tuple[OutputError, ...] = ()
    """Malformed tool calls left out of ``tool_calls``."""

    @property
    def message(self) -> Message:
        """The answer as an assistant :class:`apigen.types.Message` for the history."""
        return Message(
            role="assistant",
            content=self.text,
            tool_calls=self.tool_calls,
            reasoning=self.reasoning,
            thinking_blocks=self.thinking_blocks,
        )

    @property
    def usage(self) -> Usage:
        """This call as a :class:`apigen.types.Usage`, counted as the client's ledger
        counts it (a cache hit spends no tokens and costs zero)."""
        if self.cached:
            return Usage(calls=1, cost_usd=0.0, cache_hits=1)
        return Usage(
            calls=1,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cost_usd=self.cost_usd,
            retries=max(self.attempts - 1, 0),
        )
