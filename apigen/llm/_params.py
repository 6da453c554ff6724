"""Only the parameters a provider supports are sent: the same settings run on OpenAI,
Anthropic and vLLM.

litellm's capability data (``get_supported_openai_params``) says which OpenAI
parameters a provider takes; a standard parameter outside that list is dropped
before the call and named in ``Completion.dropped_params``. Parameters that are not
OpenAI-standard (provider extras such as ``thinking``) and models litellm has no
data for (``sim/…``, unknown names) pass unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from apigen.llm import _litellm

__all__ = ["STANDARD_PARAMS", "split_params", "supported_params"]

STANDARD_PARAMS = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "seed",
        "stop",
        "n",
        "presence_penalty",
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "response_format",
        "parallel_tool_calls",
        "tool_choice",
        "user",
        "reasoning_effort",
    }
)
"""OpenAI chat parameters this module checks against a provider's list."""


@functools.lru_cache(maxsize=256)
def supported_params(model: str) -> frozenset[str] | None:
    """The OpenAI parameters litellm says ``model``'s provider accepts; ``None`` when
    litellm does not know the model or its provider (then nothing is dropped)."""
    if model.startswith("sim/"):
        return None
    litellm = _litellm.load_litellm()
    try:
        _, provider, _, _ = litellm.get_llm_provider(model=model)
        found = litellm.get_supported_openai_params(model=model, custom_llm_provider=provider)
    except Exception:  # litellm raises many kinds for names it does not know
        return None
    return frozenset(found) if found else None


def split_params(model: str, params: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``(params to send, names dropped)`` for ``model``: a standard parameter the
    provider does not support is dropped; everything else is kept."""
    allowed = supported_params(model)
    if allowed is None or not params:
        return dict(params), ()
    dropped = tuple(sorted(k for k in params if k in STANDARD_PARAMS and k not in allowed))
    kept = {k: v for k, v in params.items() if k not in dropped}
    return kept, dropped
