"""What both backends (local asyncio, Ray actors) share: the item contract and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["ExecutionReport", "ItemProcessor"]


class ItemProcessor(Protocol):
    """What a worker runs. Pickled to each worker; ``setup`` runs there once."""

    def setup(self, worker_index: int, limiter: Any) -> None:
        """Build per-process state (environment, model client); ``limiter`` is the
        run's shared :class:`apigen.llm.RateLimiter` (or ``None``)."""

    async def process(self, index: int) -> Any:
        """Run item ``index`` and return a picklable result. Should not raise:
        failures belong in the result; an exception marks the item failed."""


@dataclass
class ExecutionReport:
    """What :func:`execute` did."""

    completed: int = 0
    failed: dict[int, str] = field(default_factory=dict)
    """Items whose processing raised, with the error."""
    restarted_workers: int = 0
    resubmitted: int = 0
    interrupted: bool = False
    pending: list[int] = field(default_factory=list)
    """Items never finished (interrupted runs)."""
