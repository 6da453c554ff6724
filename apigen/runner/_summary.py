"""What a run did: one summary for every preset, rendered by the commands."""

from __future__ import annotations

import shlex
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["RunSummary"]


@dataclass
class RunSummary:
    """What a run did (``apigen run``, ``blueprints generate``, ``trajectories collect``)."""

    run_id: str
    status: str
    """``completed``, ``interrupted`` or ``failed`` (an error, or every item failed)."""
    phases: str
    """``blueprints``, ``trajectories`` or ``both``."""
    database_url: str | None
    """Where the run is stored (``None`` when written to ``out``)."""
    items: int
    done: int
    failed: int
    accepted_trajectories: int
    accepted_blueprints: int
    episodes: int = 0
    blueprints_with_accepted: int = 0
    """Items (blueprints) with at least one accepted trajectory."""
    rejections: dict[str, int] = field(default_factory=dict)
    """Why items yielded nothing / trajectories were rejected, with counts, most first."""
    trajectory_reasons: dict[str, int] = field(default_factory=dict)
    """Rejected trajectories by :func:`apigen.rollout.rejection_reason`, most first."""
    tokens: int = 0
    cost_usd: float | None = None
    """``None`` when no model involved has a known price (sim models, local servers)."""
    wall_s: float = 0.0
    restarted_workers: int = 0
    funnel: dict[str, Any] | None = None
    """Phase 1's per-stage funnel (:class:`apigen.blueprints.Funnel`), when it ran."""
    out: str | None = None
    """The file or directory written instead of the database."""
    errors: dict[str, int] = field(default_factory=dict)
    """Failed items by error (first line), most first."""
    config: str | None = None
    """``--config`` as the command was given it (set by the CLI), for printed commands."""
    db: str | None = None
    """``--db`` as the command was given it (set by the CLI): the printed commands use
    it, since :attr:`database_url` hides a password."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.database_url is not None:
            data["export"] = self.export_command()
        return data

    def trajectories_summary(self) -> dict[str, Any]:
        """The numbers ``apigen trajectories collect`` prints."""
        return {
            "blueprints": self.items,
            "blueprints_accepted": self.blueprints_with_accepted,
            "episodes": self.episodes,
            "accepted": self.accepted_trajectories,
            "accepted_share": round(self.accepted_share, 4),
            "top_rejection_reasons": dict(list(self.trajectory_reasons.items())[:5]),
            "blueprints_rejected": {
                why.removeprefix("blueprint:"): n
                for why, n in self.rejections.items()
                if why.startswith("blueprint:")
            },
            "tokens": self.tokens,
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
        }

    @property
    def accepted_share(self) -> float:
        """Accepted (distinct) trajectories per episode run."""
        return self.accepted_trajectories / self.episodes if self.episodes else 0.0

    def render(self) -> str:
        lines = [
            f"run {self.run_id}: {self.status} in {self.wall_s:.1f}s",
            f"  items {self.done}/{self.items} done ({self.failed} failed), "
            f"blueprints accepted {self.accepted_blueprints}, "
            f"trajectories accepted {self.accepted_trajectories}",
            f"  tokens {self.tokens:,}  cost "
            + (
                "n/a (no model with a known price)"
                if self.cost_usd is None
                else f"${self.cost_usd:.4f}"
            ),
        ]
        if self.restarted_workers:
            lines.append(f"  workers restarted: {self.restarted_workers}")
        if self.rejections:
            lines.append("  rejected:")
            lines += [f"    {n:>6}  {why}" for why, n in list(self.rejections.items())[:10]]
        if self.errors and self.failed:
            lines.append("  failed:")
            lines += [f"    {n:>6}  {why}" for why, n in list(self.errors.items())[:5]]
        if self.status == "interrupted" and self.phases == "both":
            lines.append(f"  resume with: {self.resume_command()}")
        if self.database_url is not None:
            lines.append(f"  export with: {self.export_command()}")
        return "\n".join(lines)

    @property
    def all_failed(self) -> bool:
        """Items ran and every one of them failed."""
        return self.done > 0 and self.failed == self.done

    def failure_line(self) -> str:
        """One line: how many items failed and the top errors."""
        top = "; ".join(f"{n} x {why}" for why, n in list(self.errors.items())[:3])
        return f"every item failed ({self.failed}/{self.items}): {top or 'no error recorded'}"

    def resume_command(self) -> str:
        """The command finishing this run, as it works from the same directory and
        environment: with ``--config`` and ``--db`` when the run was given them."""
        parts = ["apigen", "run", "--resume", self.run_id]
        if self.config is not None:
            parts += ["--config", self.config]
        if self.db is not None:
            parts += ["--db", self.db]
        return shlex.join(parts)

    def export_command(self) -> str:
        parts = ["apigen", "export", "--run", self.run_id, "--format", "openai"]
        parts += ["--out", f"{self.run_id}.jsonl"]
        url = self.database_url or ""
        if self.db is not None:
            parts += ["--db", self.db]
        elif not url.endswith("apigen.db"):
            parts += ["--db", url]
        return shlex.join(parts)
