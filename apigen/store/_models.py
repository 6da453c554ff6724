"""The tables. Column docs live in ``info`` so ``apigen schema`` is generated from here.

``info["doc"]`` is the meaning of a column; ``info["json"]`` the shape of a JSON column.
Every change to these classes needs an Alembic revision under ``migrations/versions``
(a test compares the migrated database with this metadata on both engines).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "BLUEPRINTS",
    "ITEMS",
    "LLM_USAGE",
    "RUNS",
    "STAGES",
    "TRAJECTORIES",
    "TRAJECTORY_TOOLS",
    "TRAJECTORY_USAGE",
    "VERDICTS",
    "Base",
    "BlueprintRow",
    "BlueprintStageRow",
    "ItemRow",
    "LlmUsageRow",
    "RunRow",
    "TrajectoryRow",
    "TrajectoryToolRow",
    "TrajectoryUsageRow",
    "VerdictRow",
]

JSONType = JSON().with_variant(JSONB(), "postgresql")
"""Plain JSON text on SQLite, JSONB on PostgreSQL."""

_NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def doc(text: str, json: str | None = None) -> dict[str, Any]:
    """Column ``info``: its meaning and, for JSON columns, the JSON shape."""
    return {"doc": text, "json": json} if json else {"doc": text}


def _run_fk() -> ForeignKey:
    return ForeignKey("runs.id", ondelete="CASCADE")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)


class RunRow(Base):
    """One invocation of ``apigen run`` (resumed runs keep their id)."""

    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, info=doc("Run id."))
    status: Mapped[str] = mapped_column(
        String(16), info=doc("running, completed, interrupted or failed.")
    )
    domain: Mapped[str] = mapped_column(String(64), index=True, info=doc("Domain name."))
    seed: Mapped[int] = mapped_column(Integer, info=doc("Run seed."))
    config: Mapped[dict[str, Any]] = mapped_column(
        JSONType, info=doc("Run configuration, secrets redacted.", "object (the run config)")
    )
    code_version: Mapped[str] = mapped_column(
        String(64), info=doc("apigen version, plus '+g<sha>' when run from a git checkout.")
    )
    planned_items: Mapped[int] = mapped_column(
        Integer, info=doc("Work items the run was asked to do (context samples / blueprints).")
    )
    policy: Mapped[str | None] = mapped_column(
        Text, info=doc("The domain policy (markdown) at run start; exports use it.")
    )
    tools: Mapped[list[Any] | None] = mapped_column(
        JSONType,
        info=doc(
            "The domain's tool definitions at run start; exports use them.",
            '[{"type": "function", "function": {"name", "description", "parameters"}}]',
        ),
    )
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), info=doc("UTC start."))
    ended_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), info=doc("UTC end; null while running.")
    )


class ItemRow(Base):
    """One work item of a run; a resumed run redoes items that are not ``done``."""

    __tablename__ = "items"
    run_id: Mapped[str] = mapped_column(String(64), _run_fk(), primary_key=True)
    item_index: Mapped[int] = mapped_column(
        Integer, primary_key=True, info=doc("Index of the work item within its run.")
    )
    status: Mapped[str] = mapped_column(String(16), info=doc("done or failed."))
    error: Mapped[str | None] = mapped_column(Text, info=doc("Why a failed item failed."))
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), info=doc("UTC time."))


class BlueprintRow(Base):
    """One generated blueprint per (item, feedback round, position), accepted or not."""

    __tablename__ = "blueprints"
    __table_args__ = (
        Index(None, "run_id", "item_index"),
        Index(None, "run_id", "accepted"),
        Index(None, "fingerprint"),
    )
    id: Mapped[str] = mapped_column(
        String(160), primary_key=True, info=doc("'<run>:<item>:b<n>', assigned by the store.")
    )
    run_id: Mapped[str] = mapped_column(String(64), _run_fk())
    item_index: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, info=doc("Order within the item, from 0."))
    key: Mapped[str | None] = mapped_column(
        String(160), info=doc("Blueprint.id as the pipeline set it (trajectories refer to it).")
    )
    round: Mapped[int] = mapped_column(Integer, info=doc("Feedback round (0 = first draft)."))
    domain: Mapped[str] = mapped_column(String(64), index=True)
    instruction: Mapped[str] = mapped_column(Text, info=doc("Task for the simulated human."))
    fingerprint: Mapped[str] = mapped_column(String(64), info=doc("Hash of domain + actions."))
    persona: Mapped[str | None] = mapped_column(Text)
    generator: Mapped[str | None] = mapped_column(String(200), info=doc("Generator model."))
    accepted: Mapped[bool] = mapped_column(Boolean, info=doc("Passed every stage."))
    failed_stage: Mapped[str | None] = mapped_column(
        String(16), info=doc("First stage that failed (a registered stage name, e.g. review).")
    )
    round_accepted: Mapped[int | None] = mapped_column(
        Integer, info=doc("Round in which it was accepted; null when rejected.")
    )
    duplicate_of: Mapped[str | None] = mapped_column(
        String(160), info=doc("Id of the earlier accepted blueprint with the same fingerprint.")
    )
    stages: Mapped[list[Any]] = mapped_column(
        JSONType,
        info=doc(
            "Each validation stage's outcome, in order.",
            '[{"stage", "passed", "reasons": [str], "votes": [{"judge", "passed", "score", '
            '"scores", "rationale"}]}]',
        ),
    )
    content: Mapped[dict[str, Any]] = mapped_column(
        JSONType,
        info=doc(
            "The full apigen.types.Blueprint.",
            '{"domain", "instruction", "actions": [{"name", "arguments"}], "outputs", '
            '"persona", "id", "context", "generator", "report"}',
        ),
    )


class BlueprintStageRow(Base):
    """One validation stage outcome of one blueprint (for funnel and reason queries)."""

    __tablename__ = "blueprint_stages"
    __table_args__ = (
        # cover the funnel and the rejection reasons (whole database; one run); the
        # funnel orders stages by their position in the reports
        Index(None, "stage", "passed", "position"),
        Index(None, "passed", "stage", "reason", "position"),
        Index(None, "run_id", "passed", "stage", "reason", "position"),
    )
    blueprint_id: Mapped[str] = mapped_column(
        String(160), ForeignKey("blueprints.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, info=doc("Stage order."))
    run_id: Mapped[str] = mapped_column(String(64), _run_fk())
    stage: Mapped[str] = mapped_column(String(16), info=doc("Registered stage name."))
    passed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text, info=doc("First reason (for grouping)."))
    reasons: Mapped[list[Any]] = mapped_column(JSONType, info=doc("All reasons.", "[str]"))
    votes: Mapped[list[Any]] = mapped_column(
        JSONType, info=doc("Reviewer votes (review stage).", '[{"judge", "passed", "score"}]')
    )


_COVER = (
    *("accepted", "ending", "turns", "tool_calls"),
    *("votes_passed", "votes_total", "parallel_turns"),
)


class TrajectoryRow(Base):
    """One episode (trial) of a blueprint, accepted or rejected."""

    __tablename__ = "trajectories"
    __table_args__ = (
        Index(None, "run_id", "item_index"),
        Index(None, "domain"),
        Index(None, "turns", "accepted"),
        # cover the stats aggregates (whole database; one run) so they never read the
        # wide rows that hold the messages: endings, histograms, judge agreement, and
        # the parallel-call share and the yield per blueprint
        Index(None, *_COVER),
        Index(None, "run_id", *_COVER),
        Index(None, "run_id", "blueprint_key", "accepted"),
    )
    id: Mapped[str] = mapped_column(
        String(160), primary_key=True, info=doc("'<run>:<item>:t<n>', assigned by the store.")
    )
    run_id: Mapped[str] = mapped_column(String(64), _run_fk())
    item_index: Mapped[int] = mapped_column(Integer)
    blueprint_key: Mapped[str] = mapped_column(
        String(160), info=doc("Trajectory.blueprint_id: the blueprint's pipeline id.")
    )
    blueprint_id: Mapped[str | None] = mapped_column(
        String(160),
        ForeignKey("blueprints.id", ondelete="SET NULL"),
        index=True,
        info=doc("blueprints.id when that blueprint is stored with the same item."),
    )
    domain: Mapped[str] = mapped_column(String(64))
    trial: Mapped[int] = mapped_column(Integer, info=doc("Trial index (0-based)."))
    accepted: Mapped[bool] = mapped_column(
        Boolean, info=doc("Kept: execution checks and the verifier committee passed.")
    )
    ending: Mapped[str] = mapped_column(
        String(200), info=doc("stop, transfer, max_turns, early_reject:...")
    )
    turns: Mapped[int] = mapped_column(Integer, info=doc("Human/agent turns."))
    tool_calls: Mapped[int] = mapped_column(Integer, info=doc("Tool calls the agent made."))
    n_messages: Mapped[int] = mapped_column(Integer)
    parallel_turns: Mapped[int] = mapped_column(
        Integer,
        server_default=text("0"),
        info=doc("Assistant turns with two or more tool calls."),
    )
    tool_names: Mapped[list[Any]] = mapped_column(
        JSONType, info=doc("Distinct tools called, sorted.", "[str]")
    )
    votes_total: Mapped[int] = mapped_column(
        Integer, info=doc("Judge votes cast (abstentions excluded) over all verdicts.")
    )
    votes_passed: Mapped[int] = mapped_column(Integer, info=doc("Judge votes that passed."))
    prompt_tokens: Mapped[int] = mapped_column(Integer, info=doc("All roles."))
    completion_tokens: Mapped[int] = mapped_column(Integer, info=doc("All roles."))
    cost_usd: Mapped[float | None] = mapped_column(Float, info=doc("All roles; null if unpriced."))
    duration_s: Mapped[float] = mapped_column(Float)
    messages: Mapped[list[Any]] = mapped_column(
        JSONType,
        info=doc(
            "The conversation (apigen.types.Message, defaults omitted).",
            '[{"role": "system|user|assistant|tool", "content", "tool_calls": [{"name", '
            '"arguments", "id"}], "tool_call_id", "name", "reasoning"}]',
        ),
    )
    final_diff: Mapped[dict[str, Any]] = mapped_column(
        JSONType,
        info=doc("Sandbox state diff.", '{table: {key: {"before": .., "after": ..}}}'),
    )
    usage: Mapped[dict[str, Any]] = mapped_column(
        JSONType,
        info=doc(
            "Usage per role.",
            '{role: {"calls", "prompt_tokens", "completion_tokens", "cost_usd", "errors"}}',
        ),
    )


class TrajectoryToolRow(Base):
    """Which tools a trajectory called and how often (for ``tool used`` filters)."""

    __tablename__ = "trajectory_tools"
    __table_args__ = (
        Index(None, "tool", "accepted", "calls", "failed", "invalid_arguments"),
        Index(None, "run_id", "tool", "calls", "accepted", "failed", "invalid_arguments"),
    )
    trajectory_id: Mapped[str] = mapped_column(
        String(160), ForeignKey("trajectories.id", ondelete="CASCADE"), primary_key=True
    )
    tool: Mapped[str] = mapped_column(String(128), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, info=doc("Calls of this tool."))
    failed: Mapped[int] = mapped_column(
        Integer, server_default=text("0"), info=doc("Calls answered by an 'Error…' message.")
    )
    invalid_arguments: Mapped[int] = mapped_column(
        Integer,
        server_default=text("0"),
        info=doc("Calls whose arguments do not fit the run's tool schema."),
    )
    run_id: Mapped[str] = mapped_column(String(64), info=doc("Copy of trajectories.run_id."))
    accepted: Mapped[bool] = mapped_column(Boolean, info=doc("Copy of trajectories.accepted."))


class TrajectoryUsageRow(Base):
    """Tokens and cost of one role in one trajectory."""

    __tablename__ = "trajectory_usage"
    trajectory_id: Mapped[str] = mapped_column(
        String(160), ForeignKey("trajectories.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True, info=doc("human/agent/judge"))
    calls: Mapped[int] = mapped_column(Integer)
    prompt_tokens: Mapped[int] = mapped_column(Integer)
    completion_tokens: Mapped[int] = mapped_column(Integer)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    errors: Mapped[int] = mapped_column(Integer)


class VerdictRow(Base):
    """One verifier's decision on one trajectory."""

    __tablename__ = "verdicts"
    __table_args__ = (
        Index(None, "verifier", "passed", "position"),
        Index(None, "passed", "verifier", "reason"),
        Index(None, "run_id", "passed", "verifier", "reason", "position"),
    )
    trajectory_id: Mapped[str] = mapped_column(
        String(160), ForeignKey("trajectories.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(
        Integer, primary_key=True, info=doc("Order of the verdict in the trajectory.")
    )
    run_id: Mapped[str] = mapped_column(String(64), info=doc("Copy of trajectories.run_id."))
    verifier: Mapped[str] = mapped_column(String(64))
    passed: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text, info=doc("First reason (for grouping)."))
    reasons: Mapped[list[Any]] = mapped_column(JSONType, info=doc("All reasons.", "[str]"))
    votes: Mapped[list[Any]] = mapped_column(
        JSONType,
        info=doc(
            "Per-judge votes.", '[{"judge", "passed": bool|null, "score", "scores", "rationale"}]'
        ),
    )


_USAGE_SUMS = (
    *("calls", "prompt_tokens", "completion_tokens", "cost_usd"),
    *("errors", "retries"),
)


class LlmUsageRow(Base):
    """Model usage of one work item, per role and model (all phases)."""

    __tablename__ = "llm_usage"
    __table_args__ = (
        # cover the per-role-and-model sums of `apigen stats` (whole database; one run).
        # The item comes before the sums: a batch of items then appends to the end of
        # each (role, model) range instead of dirtying pages all over the index.
        Index(None, "role", "model", "run_id", "item_index", *_USAGE_SUMS),
        Index(None, "run_id", "role", "model", "item_index", *_USAGE_SUMS),
    )
    run_id: Mapped[str] = mapped_column(String(64), _run_fk(), primary_key=True)
    item_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(
        String(32), primary_key=True, info=doc("generator/reviewer/human/agent/judge")
    )
    model: Mapped[str] = mapped_column(String(200), primary_key=True, info=doc("'' if unknown."))
    calls: Mapped[int] = mapped_column(Integer)
    prompt_tokens: Mapped[int] = mapped_column(Integer)
    completion_tokens: Mapped[int] = mapped_column(Integer)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    errors: Mapped[int] = mapped_column(Integer, info=doc("Calls that failed for good."))
    retries: Mapped[int] = mapped_column(
        Integer,
        server_default=text("0"),
        info=doc("Failed attempts that were retried (rate limits, server errors, time-outs)."),
    )


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


RUNS, ITEMS = _table(RunRow), _table(ItemRow)
BLUEPRINTS, STAGES = _table(BlueprintRow), _table(BlueprintStageRow)
TRAJECTORIES, VERDICTS = _table(TrajectoryRow), _table(VerdictRow)
TRAJECTORY_TOOLS, TRAJECTORY_USAGE = _table(TrajectoryToolRow), _table(TrajectoryUsageRow)
LLM_USAGE = _table(LlmUsageRow)
"""The tables as Core ``Table`` objects (bulk inserts and queries use Core, not the ORM)."""
