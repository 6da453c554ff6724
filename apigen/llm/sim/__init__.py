"""PLACEHOLDER for the ``sim/…`` provider — the ``llm-sim`` branch replaces this file.

It exists only so the client (branch ``llm-client``) can be tested and benchmarked
before the real scripted role-players land. It implements the same hook the real
module exports: a litellm ``CustomLLM`` instance and an idempotent
:func:`register_sim_provider`. Every model answers with the last user message
(as the real ``sim/echo`` does); the model name may carry ``?latency=<seconds>``
to simulate a slow model.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qsl

import litellm
from litellm import CustomLLM
from litellm.types.utils import ModelResponse

__all__ = ["SIM_HANDLER", "register_sim_provider"]


class _EchoLLM(CustomLLM):
    """Placeholder sim model: echoes the last user message after an optional latency."""

    async def acompletion(
        self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any
    ) -> ModelResponse:
        model_response: ModelResponse = kwargs["model_response"]
        _, _, query = model.partition("?")
        latency = float(dict(parse_qsl(query)).get("latency", 0.0))
        if latency > 0:
            await asyncio.sleep(latency)
        last = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
        model_response.choices[0].message.content = last or ""
        model_response.model = model
        setattr(  # noqa: B010
            model_response,
            "usage",
            litellm.Usage(prompt_tokens=len(messages), completion_tokens=1, total_tokens=1),
        )
        return model_response

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        raise NotImplementedError("the placeholder sim provider is async only")


SIM_HANDLER = _EchoLLM()


def register_sim_provider() -> None:
    """Add the ``sim`` provider to ``litellm.custom_provider_map`` (idempotent)."""
    if not any(item.get("provider") == "sim" for item in litellm.custom_provider_map):
        litellm.custom_provider_map.append({"provider": "sim", "custom_handler": SIM_HANDLER})
