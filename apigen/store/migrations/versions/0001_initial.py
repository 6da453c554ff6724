"""Initial schema: runs, items, blueprints, trajectories, verdicts, usage.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
"""JSON text on SQLite, JSONB on PostgreSQL (as ``apigen.store._models.JSONType``)."""


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("domain", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("config", JSON_DOC, nullable=False),
        sa.Column("code_version", sa.String(length=64), nullable=False),
        sa.Column("planned_items", sa.Integer(), nullable=False),
        sa.Column("policy", sa.Text(), nullable=True),
        sa.Column("tools", JSON_DOC, nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_index(op.f("ix_runs_domain"), "runs", ["domain"], unique=False)

    op.create_table(
        "blueprints",
        sa.Column("id", sa.String(length=160), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=64), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("persona", sa.Text(), nullable=True),
        sa.Column("generator", sa.String(length=200), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("failed_stage", sa.String(length=16), nullable=True),
        sa.Column("round_accepted", sa.Integer(), nullable=True),
        sa.Column("duplicate_of", sa.String(length=160), nullable=True),
        sa.Column("stages", JSON_DOC, nullable=False),
        sa.Column("content", JSON_DOC, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_blueprints_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blueprints")),
    )
    op.create_index(op.f("ix_blueprints_domain"), "blueprints", ["domain"], unique=False)
    op.create_index(op.f("ix_blueprints_fingerprint"), "blueprints", ["fingerprint"], unique=False)
    op.create_index(
        op.f("ix_blueprints_run_id_accepted"), "blueprints", ["run_id", "accepted"], unique=False
    )
    op.create_index(
        op.f("ix_blueprints_run_id_item_index"),
        "blueprints",
        ["run_id", "item_index"],
        unique=False,
    )

    op.create_table(
        "items",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_items_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "item_index", name=op.f("pk_items")),
    )
    op.create_table(
        "llm_usage",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_llm_usage_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "item_index", "role", "model", name=op.f("pk_llm_usage")),
    )
    op.create_index(
        op.f("ix_llm_usage_role_calls_prompt_tokens_completion_tokens_cost_usd"),
        "llm_usage",
        ["role", "calls", "prompt_tokens", "completion_tokens", "cost_usd"],
        unique=False,
    )
    op.create_index(
        op.f("ix_llm_usage_run_id_role_calls_prompt_tokens_completion_tokens_cost_usd"),
        "llm_usage",
        ["run_id", "role", "calls", "prompt_tokens", "completion_tokens", "cost_usd"],
        unique=False,
    )

    op.create_table(
        "blueprint_stages",
        sa.Column("blueprint_id", sa.String(length=160), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reasons", JSON_DOC, nullable=False),
        sa.Column("votes", JSON_DOC, nullable=False),
        sa.ForeignKeyConstraint(
            ["blueprint_id"],
            ["blueprints.id"],
            name=op.f("fk_blueprint_stages_blueprint_id_blueprints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_blueprint_stages_run_id_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("blueprint_id", "position", name=op.f("pk_blueprint_stages")),
    )
    op.create_index(
        op.f("ix_blueprint_stages_passed_stage_reason"),
        "blueprint_stages",
        ["passed", "stage", "reason"],
        unique=False,
    )
    op.create_index(
        op.f("ix_blueprint_stages_run_id_stage_passed"),
        "blueprint_stages",
        ["run_id", "stage", "passed"],
        unique=False,
    )
    op.create_index(
        op.f("ix_blueprint_stages_stage_passed"),
        "blueprint_stages",
        ["stage", "passed"],
        unique=False,
    )

    op.create_table(
        "trajectories",
        sa.Column("id", sa.String(length=160), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("blueprint_key", sa.String(length=160), nullable=False),
        sa.Column("blueprint_id", sa.String(length=160), nullable=True),
        sa.Column("domain", sa.String(length=64), nullable=False),
        sa.Column("trial", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("ending", sa.String(length=200), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("tool_calls", sa.Integer(), nullable=False),
        sa.Column("n_messages", sa.Integer(), nullable=False),
        sa.Column("tool_names", JSON_DOC, nullable=False),
        sa.Column("votes_total", sa.Integer(), nullable=False),
        sa.Column("votes_passed", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("messages", JSON_DOC, nullable=False),
        sa.Column("final_diff", JSON_DOC, nullable=False),
        sa.Column("usage", JSON_DOC, nullable=False),
        sa.ForeignKeyConstraint(
            ["blueprint_id"],
            ["blueprints.id"],
            name=op.f("fk_trajectories_blueprint_id_blueprints"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_trajectories_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trajectories")),
    )
    op.create_index(
        op.f("ix_trajectories_accepted_ending_turns_tool_calls"),
        "trajectories",
        ["accepted", "ending", "turns", "tool_calls"],
        unique=False,
    )
    op.create_index(
        op.f("ix_trajectories_blueprint_id"), "trajectories", ["blueprint_id"], unique=False
    )
    op.create_index(op.f("ix_trajectories_domain"), "trajectories", ["domain"], unique=False)
    op.create_index(
        op.f("ix_trajectories_run_id_accepted_ending_turns_tool_calls"),
        "trajectories",
        ["run_id", "accepted", "ending", "turns", "tool_calls"],
        unique=False,
    )
    op.create_index(
        op.f("ix_trajectories_run_id_item_index"),
        "trajectories",
        ["run_id", "item_index"],
        unique=False,
    )
    op.create_index(op.f("ix_trajectories_turns"), "trajectories", ["turns"], unique=False)

    op.create_table(
        "trajectory_tools",
        sa.Column("trajectory_id", sa.String(length=160), nullable=False),
        sa.Column("tool", sa.String(length=128), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trajectory_id"],
            ["trajectories.id"],
            name=op.f("fk_trajectory_tools_trajectory_id_trajectories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trajectory_id", "tool", name=op.f("pk_trajectory_tools")),
    )
    op.create_index(
        op.f("ix_trajectory_tools_run_id_tool_calls_accepted"),
        "trajectory_tools",
        ["run_id", "tool", "calls", "accepted"],
        unique=False,
    )
    op.create_index(
        op.f("ix_trajectory_tools_tool_accepted_calls"),
        "trajectory_tools",
        ["tool", "accepted", "calls"],
        unique=False,
    )

    op.create_table(
        "trajectory_usage",
        sa.Column("trajectory_id", sa.String(length=160), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trajectory_id"],
            ["trajectories.id"],
            name=op.f("fk_trajectory_usage_trajectory_id_trajectories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trajectory_id", "role", name=op.f("pk_trajectory_usage")),
    )
    op.create_table(
        "verdicts",
        sa.Column("trajectory_id", sa.String(length=160), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("verifier", sa.String(length=64), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reasons", JSON_DOC, nullable=False),
        sa.Column("votes", JSON_DOC, nullable=False),
        sa.ForeignKeyConstraint(
            ["trajectory_id"],
            ["trajectories.id"],
            name=op.f("fk_verdicts_trajectory_id_trajectories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trajectory_id", "position", name=op.f("pk_verdicts")),
    )
    op.create_index(
        op.f("ix_verdicts_run_id_verifier_passed"),
        "verdicts",
        ["run_id", "verifier", "passed"],
        unique=False,
    )
    op.create_index(
        op.f("ix_verdicts_verifier_passed"), "verdicts", ["verifier", "passed"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_verdicts_verifier_passed"), table_name="verdicts")
    op.drop_index(op.f("ix_verdicts_run_id_verifier_passed"), table_name="verdicts")

    op.drop_table("verdicts")
    op.drop_table("trajectory_usage")
    op.drop_index(op.f("ix_trajectory_tools_tool_accepted_calls"), table_name="trajectory_tools")
    op.drop_index(
        op.f("ix_trajectory_tools_run_id_tool_calls_accepted"), table_name="trajectory_tools"
    )

    op.drop_table("trajectory_tools")
    op.drop_index(op.f("ix_trajectories_turns"), table_name="trajectories")
    op.drop_index(op.f("ix_trajectories_run_id_item_index"), table_name="trajectories")
    op.drop_index(
        op.f("ix_trajectories_run_id_accepted_ending_turns_tool_calls"), table_name="trajectories"
    )
    op.drop_index(op.f("ix_trajectories_domain"), table_name="trajectories")
    op.drop_index(op.f("ix_trajectories_blueprint_id"), table_name="trajectories")
    op.drop_index(
        op.f("ix_trajectories_accepted_ending_turns_tool_calls"), table_name="trajectories"
    )

    op.drop_table("trajectories")
    op.drop_index(op.f("ix_blueprint_stages_stage_passed"), table_name="blueprint_stages")
    op.drop_index(op.f("ix_blueprint_stages_run_id_stage_passed"), table_name="blueprint_stages")
    op.drop_index(op.f("ix_blueprint_stages_passed_stage_reason"), table_name="blueprint_stages")

    op.drop_table("blueprint_stages")
    op.drop_index(
        op.f("ix_llm_usage_run_id_role_calls_prompt_tokens_completion_tokens_cost_usd"),
        table_name="llm_usage",
    )
    op.drop_index(
        op.f("ix_llm_usage_role_calls_prompt_tokens_completion_tokens_cost_usd"),
        table_name="llm_usage",
    )

    op.drop_table("llm_usage")
    op.drop_table("items")
    op.drop_index(op.f("ix_blueprints_run_id_item_index"), table_name="blueprints")
    op.drop_index(op.f("ix_blueprints_run_id_accepted"), table_name="blueprints")
    op.drop_index(op.f("ix_blueprints_fingerprint"), table_name="blueprints")
    op.drop_index(op.f("ix_blueprints_domain"), table_name="blueprints")

    op.drop_table("blueprints")
    op.drop_index(op.f("ix_runs_domain"), table_name="runs")

    op.drop_table("runs")
