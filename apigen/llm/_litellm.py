"""The litellm seam: a lazy, quiet import, one attempt of a call, and response parsing.

litellm is imported on first use, never at ``import apigen.llm`` time. The
environment litellm reads at import (no price-list download, no ``.env`` loading)
is set in one place, by ``import apigen`` (:data:`apigen.LITELLM_ENV`), which always
runs before this module.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from apigen.llm._messages import TextToolCalls, read_answer
from apigen.llm._records import OutputError
from apigen.types import ToolCall

__all__ = [
    "Parsed",
    "acompletion",
    "check_model",
    "litellm_acompletion",
    "load_litellm",
    "parse_response",
]

_module: ModuleType | None = None
_load_lock = threading.Lock()
_unpriced: set[str] = set()


def load_litellm() -> ModuleType:
    """The configured litellm module (imported, quietened, ``sim`` provider registered)."""
    global _module
    if _module is None:
        with _load_lock:
            if _module is None:
                _module = _import_quietly()
    return _module


def _import_quietly() -> ModuleType:
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False  # absent in recent releases; harmless there
    litellm.disable_hf_tokenizer_download = True  # token counting must not reach the hub
    litellm.set_verbose = False
    try:
        from apigen.llm.sim import register_sim_provider
    except ModuleNotFoundError as exc:  # the sim package is optional at this seam
        if exc.name != "apigen.llm.sim":
            raise
    else:
        register_sim_provider()
    return litellm


def check_model(model: str) -> None:
    """Raise :class:`~apigen.errors.ConfigError` (field ``models``) when ``model``
    cannot be called: a ``sim/…`` name with an unknown role or a bad knob, or a name
    litellm routes to no provider. Sim names are checked without importing litellm."""
    from apigen.errors import ConfigError, UserError

    if model.startswith("sim/"):
        from apigen.llm.sim import parse_sim_model, resolve_knobs

        try:
            resolve_knobs(parse_sim_model(model)[1])
        except UserError as exc:
            raise ConfigError(f"{model}: {exc}", field="models") from None
        return
    try:
        load_litellm().get_llm_provider(model)
    except Exception:
        raise ConfigError(
            f"{model}: no provider for this name; prefix it with one "
            "(openai/…, anthropic/…, hosted_vllm/…, ollama/…)",
            field="models",
        ) from None


def litellm_acompletion() -> Callable[..., Awaitable[Any]]:
    """litellm's own ``acompletion``, loaded as the client loads it (quiet, ``sim/…``
    registered) and nothing else: the baseline ``apigen bench llm`` measures the
    client against. Calls through it bypass retries, limits, cache and usage."""
    return load_litellm().acompletion


async def acompletion(
    model: str,
    messages: list[dict[str, Any]],
    *,
    tools: list[dict[str, Any]] | None,
    params: Mapping[str, Any],
    timeout_s: float,
    api_base: str | None,
    api_key: str | None,
) -> Any:
    """One litellm attempt, without litellm's or the OpenAI SDK's own retries.
    Anthropic thinking blocks go only to Claude models (another provider, e.g. a
    fallback, would refuse the unknown field)."""
    litellm = _module or load_litellm()
    if not takes_thinking_blocks(model):
        messages = [_without_blocks(m) for m in messages]
    kwargs: dict[str, Any] = dict(params)
    if tools:
        kwargs["tools"] = tools
    if api_base is not None:
        kwargs["api_base"] = api_base
    if api_key is not None:
        kwargs["api_key"] = api_key
    return await litellm.acompletion(
        model=model,
        messages=messages,
        timeout=timeout_s,
        max_retries=0,
        num_retries=0,
        **kwargs,
    )


def takes_thinking_blocks(model: str) -> bool:
    """Whether ``model`` is a Claude model, which takes ``thinking_blocks`` back."""
    return model.startswith("anthropic/") or "claude" in model.lower()


def _without_blocks(message: dict[str, Any]) -> dict[str, Any]:
    if "thinking_blocks" not in message:
        return message
    return {k: v for k, v in message.items() if k != "thinking_blocks"}


@dataclass(frozen=True, slots=True)
class Parsed:
    """The fields of a litellm ``ModelResponse`` the client keeps."""

    text: str | None
    tool_calls: tuple[ToolCall, ...]
    errors: tuple[OutputError, ...]
    reasoning: str | None
    thinking_blocks: tuple[dict[str, Any], ...]
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None


def parse_response(
    response: Any, model: str, tool_names: Collection[str], text_calls: TextToolCalls = "off"
) -> Parsed:
    """Read text, tool calls, reasoning, usage and cost from a litellm response; the
    answer is read by :func:`apigen.llm._messages.read_answer`."""
    choice = response.choices[0]
    answer = read_answer(choice.message, tool_names, text_calls)
    usage = getattr(response, "usage", None)
    return Parsed(
        text=answer.text,
        tool_calls=answer.tool_calls,
        errors=answer.errors,
        reasoning=answer.reasoning,
        thinking_blocks=answer.thinking_blocks,
        finish_reason=getattr(choice, "finish_reason", None),
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        cost_usd=response_cost(response, model),
    )


def response_cost(response: Any, model: str) -> float | None:
    """Cost in USD from litellm's price map; ``None`` for models it cannot price."""
    hidden = getattr(response, "_hidden_params", None) or {}
    cost = hidden.get("response_cost")
    if cost is not None:
        return float(cost)
    if model in _unpriced:
        return None
    try:
        cost = (_module or load_litellm()).completion_cost(completion_response=response)
    except Exception:  # litellm raises assorted errors for models it has no price for
        _unpriced.add(model)
        return None
    return float(cost) if cost is not None else None
