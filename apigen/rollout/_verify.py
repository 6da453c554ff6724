"""Re-verification: score a recorded conversation again without regenerating it.

The tool calls are re-executed in a fresh sandbox (recorded results are not
trusted), the policy checks judge each call against the conversation as it stood,
and the verifiers run as at the end of an episode.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from apigen.env import Environment, protocol
from apigen.errors import ProviderError
from apigen.rollout._blame import FAILED_BY
from apigen.rollout._client import ModelClient
from apigen.rollout._config import RolloutConfig
from apigen.rollout._episode import _Episode
from apigen.rollout._readers import VerifyRecord
from apigen.rollout._truth import ground_truth
from apigen.types import Blueprint, Trajectory

__all__ = ["VerifyOutcome", "VerifySummary", "reverify", "verify_records"]


class _NoModels:
    """The client of a re-verification without the committee: no role has a model."""

    def members(self, role: str) -> tuple[str, ...]:
        return ()

    async def complete(self, role: str, model: str | None, messages: Any, **kw: Any) -> Any:
        raise ProviderError(
            f"re-verification without --committee calls no model ({role})",
            kind="no_model",
            retryable=False,
        )


@dataclass(frozen=True)
class VerifyOutcome:
    """One record's re-verification."""

    id: str
    trajectory: Trajectory | None
    """The re-verified trajectory (fresh tool results and verdicts); ``None`` on error."""
    reward: float | None = None
    """The recorded outcome, when the record carried one."""
    error: str | None = None
    """Why the record could not be re-verified (unknown blueprint or domain)."""

    @property
    def accepted(self) -> bool:
        return self.trajectory is not None and self.trajectory.accepted

    @property
    def agrees(self) -> bool | None:
        """Whether the new verdict matches the recorded one (reward 1.0 = accepted);
        ``None`` without a recorded reward."""
        if self.reward is None or self.trajectory is None:
            return None
        return (self.reward >= 1.0) == self.accepted

    def as_json(self) -> dict[str, Any]:
        """``id``, ``accepted``, ``verdicts`` (name → passed, reasons), the recorded
        ``reward`` and ``agrees`` (or ``null``), ``error``."""
        verdicts = self.trajectory.verdicts if self.trajectory is not None else ()
        return {
            "id": self.id,
            "accepted": self.accepted,
            "verdicts": [
                {"verifier": v.verifier, "passed": v.passed, "reasons": list(v.reasons)}
                for v in verdicts
            ],
            "reward": self.reward,
            "agrees": self.agrees,
            "error": self.error,
        }


@dataclass
class VerifySummary:
    """Counts over every re-verified record."""

    records: int = 0
    accepted: int = 0
    errors: int = 0
    with_reward: int = 0
    agreements: int = 0
    rejected_by: dict[str, int] = field(default_factory=dict)
    """How many records each verifier rejected."""
    failed_by: dict[str, int] = field(default_factory=dict)
    """How many rejected records each party failed (agent, human, …), where told."""

    def add(self, outcome: VerifyOutcome) -> None:
        self.records += 1
        self.accepted += outcome.accepted
        self.errors += outcome.error is not None
        if outcome.agrees is not None:
            self.with_reward += 1
            self.agreements += outcome.agrees
        for v in outcome.trajectory.verdicts if outcome.trajectory else ():
            if v.passed:
                continue
            tally, key = (
                (self.failed_by, v.reasons[0])
                if v.verifier == FAILED_BY
                else (self.rejected_by, v.verifier)
            )
            tally[key] = tally.get(key, 0) + 1

    def as_json(self) -> dict[str, Any]:
        return {
            "summary": True,
            "records": self.records,
            "accepted": self.accepted,
            "errors": self.errors,
            "with_reward": self.with_reward,
            "agreements": self.agreements,
            "rejected_by": dict(sorted(self.rejected_by.items())),
            "failed_by": dict(sorted(self.failed_by.items())),
        }


async def reverify(
    record: VerifyRecord,
    blueprint: Blueprint,
    *,
    env: Environment,
    config: RolloutConfig,
    client: ModelClient | None = None,
    seed: int = 0,
) -> Trajectory:
    """The trajectory of ``record`` judged again against ``blueprint`` in ``env``.

    Every assistant tool call runs again, in order, in a fresh sandbox: the policy
    checks see the conversation up to the call, the recorded tool messages are
    replaced by the new results. The ending is the human's closing marker, else the
    recorded ending, else ``incomplete``. Then ``config.verifiers`` run; the
    ``committee`` is asked only when ``client`` is given (its ``judge`` members).
    """
    config = config.model_copy(update={"early_rejection": False})
    models: ModelClient = client if client is not None else _NoModels()
    truth = ground_truth(env, blueprint)
    ep = _Episode(blueprint, record.trial, env, models, config, seed, truth)
    ep.key, ep.messages = f"{record.id}:reverify", []
    started = time.perf_counter()
    for msg in record.messages:
        if msg.role == "tool":
            continue  # recorded results are not trusted: re-executed below
        ep.messages.append(msg)
        ep.turns += msg.role == "user"
        for call in msg.tool_calls if msg.role == "assistant" else ():
            ep.run_call(call, None)
    users = [m.content or "" for m in ep.messages if m.role == "user"]
    closed = protocol.ending(users[-1]) if users else None
    return await ep.judged(closed or record.ending or "incomplete", started)


async def verify_records(
    records: Iterable[VerifyRecord],
    *,
    blueprints: Mapping[str, Blueprint],
    environment: Any,
    config: RolloutConfig,
    client: ModelClient | None = None,
    committee: bool = False,
) -> AsyncIterator[VerifyOutcome]:
    """Re-verify each record, in order (see :func:`reverify`).

    A record's blueprint is its own, else ``blueprints[record.blueprint_id]``; a
    record without one is an outcome with ``error`` (nothing else stops the run).
    ``environment(domain)`` gives the pristine environment of a domain. Without
    ``committee`` the ``committee`` verifier is left out and no model is called.
    """
    names: Sequence[str] = config.verifiers
    if not committee:
        names = tuple(n for n in names if n != "committee")
    config = config.model_copy(update={"verifiers": tuple(names)})
    for record in records:
        blueprint = record.blueprint or blueprints.get(record.blueprint_id or "")
        if blueprint is None:
            error = f"no blueprint {record.blueprint_id!r} (give --blueprints or --db)"
            yield VerifyOutcome(record.id, None, record.reward, error)
            continue
        traj = await reverify(
            record,
            blueprint,
            env=environment(blueprint.domain),
            config=config,
            client=client if committee else None,
        )
        yield VerifyOutcome(record.id, traj, record.reward)
