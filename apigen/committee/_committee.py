"""The committee: members with their identity, concurrent asks, re-asks, abstention."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from apigen.committee._parse import ParsedAnswer, Scale, Unreadable, parse_answer
from apigen.committee._rules import AggregationRule, Ballot, Decision
from apigen.errors import ProviderError

__all__ = ["AskMember", "Committee", "Member", "members"]


@dataclass(frozen=True)
class Member:
    """One seat of a committee: its identity ``name`` (``model`` or ``model#n``), the
    ``model`` called, and its ``index`` among the members."""

    name: str
    model: str
    index: int


def members(models: Sequence[str]) -> tuple[Member, ...]:
    """Members for the caller's model names, identity kept.

    A name listed more than once gets ``#1``, ``#2``… (``sim/reviewer#2``); a name
    with its own ``#tag`` keeps it. The model called is the name before ``#``.
    """
    counts = Counter(models)
    seen: Counter[str] = Counter()
    out = []
    for i, spec in enumerate(models):
        seen[spec] += 1
        name = f"{spec}#{seen[spec]}" if counts[spec] > 1 else spec
        out.append(Member(name=name, model=spec.split("#", 1)[0], index=i))
    return tuple(out)


AskMember = Callable[[Member, int, str | None], Awaitable[str | None]]
"""``(member, attempt, retry_reason) -> answer text``: renders the caller's prompt (with
the reason the previous answer was unreadable, if any), calls the model, books usage."""


@dataclass(frozen=True)
class Committee:
    """Members scoring ``criteria`` on ``scale``; ``rule`` decides (see the package)."""

    members: tuple[Member, ...]
    criteria: tuple[str, ...]
    rule: AggregationRule
    scale: Scale = field(default_factory=Scale)
    attempts: int = 2
    """Asks per member before an unreadable answer becomes an abstention (K >= 1)."""
    provider_errors: Literal["raise", "abstain"] = "raise"
    """``raise``: a :class:`ProviderError` propagates (the caller retries the item);
    ``abstain``: the member abstains with reason ``provider_error``."""

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError("a committee needs at least one member")
        if not self.criteria:
            raise ValueError("a committee needs at least one criterion")
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")

    @classmethod
    def of(
        cls,
        models: Sequence[str],
        *,
        criteria: Sequence[str],
        rule: AggregationRule,
        scale: Scale | None = None,
        attempts: int = 2,
        provider_errors: Literal["raise", "abstain"] = "raise",
    ) -> Committee:
        """A committee of :func:`members` ``(models)``."""
        return cls(
            members(models), tuple(criteria), rule, scale or Scale(), attempts, provider_errors
        )

    async def ballot(self, member: Member, ask: AskMember) -> Ballot:
        """Ask ``member`` until its answer is readable, at most :attr:`attempts` times."""
        why: Unreadable | None = None
        text: str | None = None
        for attempt in range(self.attempts):
            try:
                text = await ask(member, attempt, None if why is None else str(why))
            except ProviderError as exc:
                if self.provider_errors == "raise":
                    raise
                return Ballot(member.name, Unreadable("provider_error", exc.kind), attempt + 1)
            answer = parse_answer(text, self.criteria, self.scale)
            if isinstance(answer, ParsedAnswer):
                return Ballot(member.name, answer, attempt + 1, text)
            why = answer
        assert why is not None
        return Ballot(member.name, why, self.attempts, text)

    async def decide(self, ask: AskMember) -> Decision:
        """Every member's ballot (asked concurrently), aggregated by :attr:`rule`."""
        ballots = await asyncio.gather(*(self.ballot(m, ask) for m in self.members))
        return self.rule.decide(ballots, self.criteria, self.scale)
