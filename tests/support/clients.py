"""Clients whose roles are chosen per test: phases name roles, the client's settings say
which models play them."""

from __future__ import annotations

from typing import Any

from apigen.llm import LLMClient, ModelsConfig


def role_client(*, retry: Any = None, **roles: str | tuple[str, ...]) -> LLMClient:
    """An :class:`LLMClient` whose ``role=model`` / ``role=(member, …)`` are set, every
    other role at its ``sim/…`` default."""
    models: dict[str, Any] = {
        role: {"models": [names] if isinstance(names, str) else list(names)}
        for role, names in roles.items()
    }
    if retry is not None:
        models["retry"] = retry
    return LLMClient(ModelsConfig.model_validate(models))
