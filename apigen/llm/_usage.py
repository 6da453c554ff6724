"""Usage accounting per (role, model), safe from any thread or task; usage scopes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from apigen.errors import ProviderError
from apigen.llm._protocol import CompletionLike, ModelClient
from apigen.types import Message, Usage

__all__ = ["RoleUsage", "UsageLedger", "active_ledgers", "usage_scope"]

_SCOPES: ContextVar[tuple[UsageLedger, ...]] = ContextVar("apigen_usage_scopes", default=())


@contextmanager
def usage_scope() -> Iterator[UsageLedger]:
    """Count every call made in this context (this task and the tasks it starts) in a
    fresh :class:`UsageLedger` as well; scopes nest, each counting its own calls.

    asyncio tasks copy the context when they are created, so concurrent work items
    that each open a scope in their own task are counted apart on one client.
    """
    ledger = UsageLedger()
    token = _SCOPES.set((*_SCOPES.get(), ledger))
    try:
        yield ledger
    finally:
        _SCOPES.reset(token)


def active_ledgers() -> tuple[UsageLedger, ...]:
    """The ledgers of the scopes open in the current context, outermost first."""
    return _SCOPES.get()


# counter slots of one (role, model) entry
_CALLS, _PROMPT, _COMPLETION, _ERRORS, _RETRIES, _HITS, _COST, _PRICED = range(8)


class UsageLedger:
    """Counts calls, tokens, cost, errors, retries and cache hits per (role, model).

    ``calls`` counts answers returned (cache hits included); ``errors`` counts calls
    that ended in a :class:`apigen.errors.ProviderError` on that model; ``retries``
    counts attempts beyond the first. Cache hits add no tokens and cost zero.
    ``cost_usd`` stays ``None`` until some call of the entry had a known price.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[tuple[str, str], list[float]] = {}

    def _row(self, role: str, model: str) -> list[float]:
        row = self._rows.get((role, model))
        if row is None:
            row = self._rows[(role, model)] = [0, 0, 0, 0, 0, 0, 0.0, 0]
        return row

    def add_call(
        self,
        role: str,
        model: str,
        *,
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float | None,
        retries: int,
        cached: bool,
    ) -> None:
        """Record one answered call."""
        with self._lock:
            row = self._row(role, model)
            row[_CALLS] += 1
            row[_RETRIES] += retries
            if cached:
                row[_HITS] += 1
                row[_PRICED] = 1  # a cache hit's cost is known: zero
                return
            row[_PROMPT] += prompt_tokens
            row[_COMPLETION] += completion_tokens
            if cost_usd is not None:
                row[_COST] += cost_usd
                row[_PRICED] = 1

    def add_failure(self, role: str, model: str, *, retries: int) -> None:
        """Record one call that failed on ``model`` after ``retries`` retries."""
        with self._lock:
            row = self._row(role, model)
            row[_ERRORS] += 1
            row[_RETRIES] += retries

    def snapshot(self) -> dict[tuple[str, str], Usage]:
        """Usage per (role, model) so far."""
        with self._lock:
            return {key: _usage(row) for key, row in self._rows.items()}

    def take(self) -> dict[tuple[str, str], Usage]:
        """Usage per (role, model) since the last :meth:`take` / :meth:`reset`, then reset."""
        with self._lock:
            rows, self._rows = self._rows, {}
        return {key: _usage(row) for key, row in rows.items()}

    def reset(self) -> None:
        """Forget everything counted."""
        with self._lock:
            self._rows = {}

    def by_role(self) -> dict[str, Usage]:
        """Usage summed per role."""
        return _group(self.snapshot(), lambda key: key[0])

    def by_model(self) -> dict[str, Usage]:
        """Usage summed per model."""
        return _group(self.snapshot(), lambda key: key[1])


def _usage(row: list[float]) -> Usage:
    return Usage(
        calls=int(row[_CALLS]),
        prompt_tokens=int(row[_PROMPT]),
        completion_tokens=int(row[_COMPLETION]),
        cost_usd=row[_COST] if row[_PRICED] else None,
        errors=int(row[_ERRORS]),
        retries=int(row[_RETRIES]),
        cache_hits=int(row[_HITS]),
    )


def _group(
    rows: dict[tuple[str, str], Usage], by: Callable[[tuple[str, str]], str]
) -> dict[str, Usage]:
    out: dict[str, Usage] = {}
    for key, usage in rows.items():
        name = by(key)
        out[name] = out[name] + usage if name in out else usage
    return out


class RoleUsage:
    """Usage summed per role over one unit of work — a phase-1 attempt, an episode, a
    blueprint's trials — as the stored record reports it.

    It counts what the caller's client returns, so it works with any
    :class:`ModelClient` (test fakes included); the per-(role, model) accounting of a
    whole work item is the client's :func:`usage_scope`. A call that raised
    :class:`ProviderError` counts as one call and one error (no tokens known).
    """

    def __init__(self) -> None:
        self.by_role: dict[str, Usage] = {}

    def add(self, role: str, usage: Usage) -> None:
        self.by_role[role] = self.by_role.get(role, Usage()) + usage

    def failed(self, role: str) -> None:
        self.add(role, Usage(calls=1, errors=1))

    def merge(self, other: Mapping[str, Usage]) -> None:
        for role, usage in other.items():
            self.add(role, usage)

    def snapshot(self) -> dict[str, Usage]:
        return dict(sorted(self.by_role.items()))

    @property
    def total_tokens(self) -> int:
        return sum(u.total_tokens for u in self.by_role.values())

    async def call(
        self,
        client: ModelClient,
        role: str,
        model: str | None,
        messages: str | Sequence[Message],
        context: Mapping[str, Any],
        params: Mapping[str, Any] | None = None,
        *,
        tools: list[dict[str, Any]] | None = None,
    ) -> CompletionLike:
        """One call counted under ``role``: ``messages`` (a string is one user
        message), ``params`` over the role's sampling parameters. Re-raises
        :class:`ProviderError` after counting it."""
        if isinstance(messages, str):
            messages = [Message(role="user", content=messages)]
        try:
            answer = await client.complete(
                role, model, list(messages), tools=tools, params=params, context=context
            )
        except ProviderError:
            self.failed(role)
            raise
        self.add(role, answer.usage)
        return answer
