"""What a sim role receives (:class:`SimRequest`) and returns (:class:`SimReply`)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from apigen.errors import ConfigError
from apigen.llm.sim._common import Turn, derive_rng
from apigen.llm.sim._knobs import SimKnobs
from apigen.llm.sim._plan import FaultPlan, planned_faults
from apigen.types import JSON

__all__ = ["SimReply", "SimRequest"]


@dataclass(frozen=True)
class SimRequest:
    """One call as a role sees it: knobs, episode context, messages and offered tools."""

    role: str
    knobs: SimKnobs
    ctx: Mapping[str, Any]
    turns: Sequence[Turn]
    tools: Sequence[Mapping[str, Any]]
    seed: int
    """The context's seed (0 when absent); ``knobs.seed`` is mixed in separately."""
    episode: str

    def rng(self, *label: Any) -> random.Random:
        """RNG for this call: (seeds, role, episode, message count, ``label``)."""
        return derive_rng(
            "sim", self.seed, self.knobs.seed, self.role, self.episode, len(self.turns), *label
        )

    def episode_rng(self, *label: Any) -> random.Random:
        """RNG fixed for the whole episode (texts that must read the same every turn)."""
        return derive_rng("sim", self.seed, self.knobs.seed, self.role, self.episode, *label)

    def faults(self) -> FaultPlan:
        """This episode's fault plan for this role (see :func:`planned_faults`)."""
        return planned_faults(self.role, self.knobs, self.episode, self.seed)

    def need(self, key: str) -> Any:
        """A context value the role cannot play without; ConfigError naming it if absent."""
        value = self.ctx.get(key)
        if value is None:
            raise ConfigError(f"sim/{self.role} needs it in the episode context", field=key)
        return value

    @property
    def tool_names(self) -> list[str]:
        """Names of the tools offered with the request."""
        names = []
        for spec in self.tools:
            fn = spec.get("function", spec)
            if isinstance(fn, Mapping) and fn.get("name"):
                names.append(str(fn["name"]))
        return names


@dataclass
class SimReply:
    """A role's answer: text, tool calls (name, arguments), optional reasoning."""

    content: str | None
    calls: list[tuple[str, dict[str, JSON] | str]] = field(default_factory=list)
    """Arguments are a dict, or raw text (a corrupted call whose arguments are not JSON)."""
    reasoning: str | None = None
