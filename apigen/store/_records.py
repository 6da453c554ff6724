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


class RoleCost(_Record):
    """Spend of one role, and that spend divided by accepted trajectories."""

    role: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    tokens_per_accepted: float | None
    cost_per_accepted: float | None


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
    diversity: Diversity | None = None
    """Diversity of the accepted blueprints: distinct write sequences, tool coverage
    against the domain's tools, instruction distinct-2, near-duplicate instructions
    (:mod:`apigen.diversity`); ``None`` when none was accepted."""


class QueryResult(_Record):
    """Rows of a read-only query."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
