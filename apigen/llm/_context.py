"""The episode context a call carries for ``sim/…`` models (real models never see it)."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

__all__ = ["EPISODE_CONTEXT"]

EPISODE_CONTEXT: ContextVar[Mapping[str, Any] | None] = ContextVar(
    "apigen_episode_context", default=None
)
"""Set by the client around each call; read by the sim provider."""
