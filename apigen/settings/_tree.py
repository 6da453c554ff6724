"""The settings tree: run options plus the ``models``, ``phase1`` and ``rollout`` sections."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from apigen.blueprints import Phase1Config
from apigen.llm import ModelsConfig
from apigen.rollout import RolloutConfig
from apigen.safety import MAX_COUNT, MAX_ITEMS, MAX_SEED

__all__ = ["PHASE_ROLES", "Phases", "Settings"]

Phases = Literal["blueprints", "trajectories", "both"]
"""What a run does: phase 1 only, phase 2 only, or both (the presets of the executor)."""

PHASE_ROLES: dict[str, tuple[str, ...]] = {
    "blueprints": ("generator", "reviewer", "feedback"),
    "trajectories": ("human", "agent", "judge"),
}
"""Roles each phase calls."""


class Settings(BaseModel):
    """Everything a command needs: what to run, where, with which models."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    domain: str = "retail"
    """Domain (environment) to synthesise data for. Default ``retail``."""
    n: int = Field(default=20, ge=1, le=MAX_ITEMS)
    """Blueprint attempts (work items) of a run that samples blueprints, at most
    1,000,000. Default 20."""
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    """Run seed (0 .. 2^31-1): item ``i`` is fully determined by (seed, i). Default 0."""
    state_seed: int = Field(default=0, ge=0, le=MAX_SEED)
    """Seed of the domain's initial state (curated blueprints refer to state 0). Default 0."""
    database_url: str | None = None
    """Results database (SQLAlchemy URL or SQLite path). Default ``None``:
    ``$APIGEN_DATABASE_URL``, else ``sqlite:///apigen.db`` in the working directory."""
    reader_url: str | None = None
    """PostgreSQL only: the read-only login ``apigen query`` runs user SQL as (a URL on
    the same server and database; ``--reader-url`` overrides it). Default ``None``:
    ``$APIGEN_READER_URL``, else ``apigen_reader`` when the database login is a
    superuser. Its password is redacted wherever a configuration is stored."""
    backend: Literal["local", "ray"] | None = None
    """Where items run: ``local`` (this process, asyncio) or ``ray`` (worker actors on
    a local Ray instance or a cluster). Default ``None``: ``ray`` for ``apigen run``,
    ``local`` for the single-phase commands."""
    ray_address: str | None = None
    """Ray cluster to join (``host:6379`` or ``ray://host:10001``). Default ``None``:
    ``$RAY_ADDRESS``, else a local Ray instance started for the run."""
    ship_code: bool = True
    """When joining a cluster, upload this checkout's apigen to the workers (Ray
    runtime environment) so they run the driver's code. Default ``True``."""
    workers: int = Field(default=2, ge=1, le=MAX_COUNT)
    """Ray worker actors (the ``local`` backend is one process). Default 2."""
    concurrency: int = Field(default=16, ge=1, le=MAX_COUNT)
    """Items in flight per worker (each runs its model calls with asyncio). Default 16."""
    batch_size: int = Field(default=64, ge=1, le=MAX_COUNT)
    """Items written to the database per transaction batch. Default 64."""
    flush_s: float = Field(default=2.0, gt=0)
    """Longest time a finished item waits before being written, in seconds. Default 2."""
    grace_s: float = Field(default=30.0, ge=0)
    """On Ctrl-C: seconds in-flight items get to finish before the run stops. Default 30."""

    models: ModelsConfig = Field(default_factory=ModelsConfig)
    """Models per role, endpoints, retries, cache. Default: offline ``sim/…`` models."""
    phase1: Phase1Config = Field(default_factory=Phase1Config)
    """Blueprint generation and validation (phase 1)."""
    rollout: RolloutConfig = Field(default_factory=RolloutConfig)
    """Simulated conversations and acceptance (phase 2)."""

    def roles(self, phases: Phases) -> tuple[str, ...]:
        """The roles a run of ``phases`` calls (``feedback`` only when condensing)."""
        names: list[str] = []
        if phases in ("blueprints", "both"):
            names += [r for r in PHASE_ROLES["blueprints"] if r != "feedback"]
            if self.phase1.condense_feedback:
                names.append("feedback")
        if phases in ("trajectories", "both"):
            names += [r for r in PHASE_ROLES["trajectories"] if r != "judge"]
            if "committee" in self.rollout.verifiers or self.rollout.human_candidates > 1:
                names.append("judge")
        return tuple(names)

    def sim_notice(self, phases: Phases) -> str | None:
        """One line naming the roles played by ``sim/…`` models when a run mixes them
        with real models (``None`` when all or none are sim)."""
        roles = self.roles(phases)
        sim = self.models.sim_roles(roles)
        if not sim or len(sim) == len(roles):
            return None
        return (
            f"note: roles {', '.join(sim)} are played by offline sim/… models "
            "(scripted; their output says nothing about a real model)"
        )
