"""The domain contract: state, tools, policy, policy checks and context samplers."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from apigen.env._compare import Comparison
from apigen.env._framing import Framing
from apigen.env._policy import PolicyCheck
from apigen.env._sandbox import Sandbox
from apigen.env._state import DB, Database
from apigen.env._tool import Tool
from apigen.types import JSON, ToolCall

__all__ = ["Domain", "Environment", "TaskSketch", "WriteStep"]


@dataclass(frozen=True)
class WriteStep:
    """One grounded write of a task: the call with real arguments, and how to ask for it."""

    call: ToolCall
    intent: str
    """Second-person phrase naming every fact the human needs, e.g.
    ``"cancel order #W0000001 because it was ordered by mistake"``."""
    reads: tuple[ToolCall, ...] = ()
    """Read calls an agent makes to ground this write (e.g. order details)."""
    facts: Mapping[str, str] = field(default_factory=dict)
    """Facts the human states for this step, by name (``order_id``, ``item``...)."""
    outputs: tuple[str, ...] = ()
    """Values the agent must tell the human (a refund amount...)."""


@dataclass(frozen=True)
class TaskSketch:
    """A grounded task the domain sampled: who, what they write, how they identify."""

    user: str
    """Key of the user in the state."""
    steps: tuple[WriteStep, ...]
    auth: tuple[ToolCall, ...] = ()
    """Calls of ``authenticates`` tools that identify the user; empty in a world
    without authentication."""
    identity: Mapping[str, str] = field(default_factory=dict)
    """Facts the human gives to identify (``email``, or ``name`` and ``zip``)."""
    answers: Mapping[str, str] = field(default_factory=dict)
    """Other facts the human may be asked (payment method choice, reason...)."""
    context: Mapping[str, JSON] = field(default_factory=dict)
    """The grounding entities (user record, orders...) kept as provenance."""


class Domain(ABC):
    """An executable world. Subclass it, set the class attributes, implement
    :meth:`build_state` (and optionally :meth:`sample_task`), and register an instance.

    Without a planner, phase 1 samples an entity neighbourhood of the state
    generically and the generator composes the task from it."""

    name: str
    description: str
    tools: Sequence[Tool]
    policy: str
    """Markdown the agent is given as its system prompt."""
    policy_checks: Sequence[PolicyCheck] = ()
    """Rules as code, mostly composed from the core rules (``confirm_before_write``)."""
    framing: Framing = Framing()
    """Who plays whom, labels, human-simulator rules, personas (neutral by default)."""
    comparison: Comparison = Comparison()
    """How record fields compare (case-insensitive text, numbers, optional
    arguments); the state verdict, early rejection and ``reachable`` all use it.
    Default: exact."""
    extra_edges: Sequence[tuple[str, str]] = ()
    """Tool-graph edges derivation cannot see: (producer tool, consumer tool)."""
    forbidden_successions: Sequence[tuple[str, str]] = ()
    """Write-tool pairs (earlier, later) the policy forbids in one task (``"*"`` matches
    any write: ``("transfer_to_human_agents", "*")`` ends a task at a hand-off). The
    tool-graph walk never samples them."""
    allows_information_only: bool = False
    """Tasks may have no write: the human only wants to learn something (the
    blueprint's outputs), so an empty state diff with outputs is a valid task."""
    seeded: bool = True
    """``build_state`` generates the state from its seed; ``False`` for a fixed dataset
    (an adapted benchmark), where every seed gives the same state."""

    @abstractmethod
    def build_state(self, seed: int, scale: int = 1) -> dict[str, dict[str, JSON]]:
        """The initial state, deterministic for ``seed``; ``scale`` multiplies its size."""

    def sample_task(self, db: DB, rng: random.Random, writes: Sequence[str]) -> TaskSketch | None:
        """Optional planner: ground the write tools ``writes`` (in order) in real
        entities of ``db``.

        Picks a user for whom every write is possible and returns the calls with
        real arguments, or ``None`` when no user can do them all. The default plans
        nothing (:attr:`has_planner` is then ``False``): phase 1 composes.
        """
        return None

    @property
    def has_planner(self) -> bool:
        """The domain overrides :meth:`sample_task` (its sketches can be hints)."""
        return type(self).sample_task is not Domain.sample_task

    def forbids(self, earlier: str, later: str) -> bool:
        """Whether write ``later`` may not follow write ``earlier`` in one task
        (:attr:`forbidden_successions`)."""
        return any(a in (earlier, "*") and b in (later, "*") for a, b in self.forbidden_successions)

    def reachable(self, table: str, current: JSON, target: JSON) -> bool:
        """Whether the domain's tools can still turn record ``current`` into ``target``
        (``None`` = absent). Early rejection stops an episode only when this is
        ``False`` for some record, so the default never claims an episode is doomed;
        override it for irreversible transitions (a cancelled order stays cancelled).
        Called only for records that differ under :attr:`comparison`."""
        return True

    @cached_property
    def tool_map(self) -> dict[str, Tool]:
        return {t.name: t for t in self.tools}

    @property
    def hands_off(self) -> bool:
        """Some tool hands the conversation to a person (``handoff=True``)."""
        return any(t.handoff for t in self.tools)

    def load(self, seed: int = 0, scale: int = 1) -> Environment:
        """The pristine environment for ``seed`` and ``scale`` (built fresh)."""
        return Environment(self, Database(self.build_state(seed, scale)), seed, scale)


@dataclass(frozen=True, eq=False)
class Environment:
    """A domain with its pristine state loaded: the factory of sandboxes."""

    domain: Domain
    database: Database
    seed: int
    scale: int

    def sandbox(self, **options: Any) -> Sandbox:
        """A new sandbox over the pristine state (copies nothing)."""
        return Sandbox(self.domain, self.database, **options)

    @property
    def db(self) -> DB:
        return self.database.view()
