"""Store-specific records: what goes in besides ``apigen.types`` and what comes out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from apigen.diversity import Diversity
from apigen.types import Blueprint, Trajectory, Usage

__all__ = [
    "Bin",
    "Count",
    "FunnelStep",
    "ItemResult",
    "QueryResult",
    "RoleCost",
    "RoleUsage",
    "RunInfo",
    "RunStatus",
    "StageCount",
    "Stats",
    "ToolUse",
    "TrajectoryFilter",
]

RunStatus = Literal["running", "completed", "interrupted", "failed"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoleUsage(_Record):
    """Usage of one role with one model (a row of ``llm_usage``)."""

    role: str
    model: str = ""
    usage: Usage


class ItemResult(_Record):
    """Everything one work item produced; written in one transaction."""

    run_id: str
    item_index: int = Field(ge=0)
    blueprints: tuple[Blueprint, ...] = ()
    """Every blueprint drafted for the item (all rounds, accepted or not)."""
    trajectories: tuple[Trajectory, ...] = ()
    usage: tuple[RoleUsage, ...] = ()
    status: Literal["done", "failed"] = "done"
    error: str | None = None
    """Why the item failed (``status="failed"``); such items are redone on resume."""


class RunInfo(_Record):
    """A run as ``apigen runs`` lists it."""

    id: str
    status: RunStatus
    domain: str
    seed: int
    code_version: str
    started_at: datetime
    ended_at: datetime | None
    planned_items: int
    items_done: int
    items_failed: int
    trajectories: int
    accepted: int
    config: dict[str, Any]
    """The configuration, secrets redacted."""


class TrajectoryFilter(_Record):
    """Which trajectories an export (or a read) takes."""

    run_id: str | None = None
    domain: str | None = None
    accepted_only: bool = True
    min_turns: int | None = None
    max_turns: int | None = None
    tool: str | None = None
    """Keep trajectories that called this tool."""
    min_judge_agreement: float | None = Field(default=None, ge=0.0, le=1.0)
    """Keep trajectories whose share of passing judge votes is at least this."""
    limit: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _turns_range(self) -> TrajectoryFilter:
        lo, hi = self.min_turns, self.max_turns
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"min_turns {lo} is above max_turns {hi}: nothing can match")
        return self


class FunnelStep(_Record):
    """One step of the funnel: how many entered and how many passed."""

    step: str
    entered: int
    passed: int
    phase: str = ""
    """``work items``, ``phase 1`` or ``phase 2``: steps of one phase share one unit."""
    unit: str = ""
    """What is counted: ``items``, ``blueprint drafts`` or ``episodes``."""


class Count(_Record):
    """A label with a count (reasons, endings)."""

    label: str
    count: int
    examples: tuple[str, ...] = ()
    """Up to two ids showing it (blueprint ids for stage reasons, trajectory ids
    otherwise): ``apigen show ID`` prints one."""


class StageCount(_Record):
    """Top rejection reasons of one stage (blueprint stage or trajectory verifier)."""

    stage: str
    failed: int
    reasons: tuple[Count, ...]


class Bin(_Record):
    """One histogram bin: ``value`` (turns or calls) and how many trajectories have it."""

    value: int
    count: int
    accepted: int


class ToolUse(_Record):
    """How a tool was used across trajectories."""

    tool: str
    trajectories: int
    calls: int
    accepted_trajectories: int
    failed: int = 0
    """Calls answered by an ``Error…`` tool message."""
    invalid_arguments: int = 0
    """Calls whose arguments do not fit the run's tool schema (see ``apigen.store``)."""


class RoleCost(_Record):
    """Spend of one role, and that spend divided by accepted trajectories."""

    role: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    tokens_per_accepted: float | None
    cost_per_accepted: float | None


class ModelUse(_Record):
    """Calls of one model in one role (from ``llm_usage``)."""

    role: str
    model: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    errors: int
    retries: int
    cost_usd: float | None = None
    """``None`` when no call of it had a known price."""


class Stats(_Record):
    """What ``apigen stats`` prints and ``apigen report`` plots."""

    run_id: str | None
    funnel: tuple[FunnelStep, ...]
    blueprint_rejections: tuple[StageCount, ...]
    verdict_rejections: tuple[StageCount, ...]
    endings: tuple[Count, ...]
    """Ending reasons of rejected trajectories."""
    tools: tuple[ToolUse, ...]
    tools_unused: tuple[str, ...]
    """Tools the run's domain offers that no trajectory called."""
    turns: tuple[Bin, ...]
    tool_calls: tuple[Bin, ...]
    roles: tuple[RoleCost, ...]
    """Per role, from ``llm_usage`` (all phases) or, if empty, ``trajectory_usage``."""
    accepted: int
    cost_per_accepted: float | None
    tokens_per_accepted: float | None
    blueprint_yield: tuple[Bin, ...] = ()
    """Accepted trials per blueprint that reached episodes: ``value`` accepted trials,
    ``count`` blueprints with that many (``accepted``: the same, or 0 at value 0)."""
    judge_agreement: float | None = None
    """Share of judge votes that passed, over every episode judged (abstentions left
    out); ``None`` when no vote was cast."""
    parallel_episodes: int = 0
    """Episodes with at least one assistant turn of two or more tool calls."""
    parallel_accepted: int = 0
    """Accepted episodes among ``parallel_episodes``."""
    models: tuple[ModelUse, ...] = ()
    """Models per role, as the runs called them."""
    wall_time_s: float | None = None
    """Sum over the runs of end (or, while running, now) minus start."""
    # New statistics go here as fields with defaults (older callers keep working),
    # computed by one more job in ``apigen.store._stats.compute_stats``.
    diversity: Diversity | None = None
    """Diversity of the accepted blueprints: distinct write sequences, tool coverage
    against the domain's tools, instruction distinct-2, near-duplicate instructions
    (:mod:`apigen.diversity`); ``None`` when none was accepted."""

    def failure_rates(self) -> dict[str, float]:
        """Share of episodes each party failed (``agent``, ``human`` — the user
        simulator —, ``environment``, ``verifier``), from the ``failed_by`` records
        rejected trajectories carry; empty without episodes."""
        episodes = next((f.entered for f in self.funnel if f.step == "episodes"), 0)
        blame = next((g for g in self.verdict_rejections if g.stage == "failed_by"), None)
        if not episodes:
            return {}
        counts = {c.label: c.count for c in blame.reasons} if blame else {}
        return {
            p: counts.get(p, 0) / episodes for p in ("agent", "human", "environment", "verifier")
        }


class QueryResult(_Record):
    """Rows of a read-only query."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
