"""Progress of a run: a live rich bar on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import IO, Any

__all__ = ["ProgressView", "RunCounters"]


@dataclass
class RunCounters:
    """What the progress view shows; the driver updates it as results arrive."""

    total: int
    done: int = 0
    accepted: int = 0
    """Accepted trajectories (accepted blueprints when the run only generates them)."""
    rejected: int = 0
    """Items that produced nothing accepted."""
    failed: int = 0
    tokens: int = 0
    cost_usd: float | None = None
    """``None`` until some model with a known price answered."""
    started: float = field(default_factory=time.monotonic)

    def eta_s(self) -> float | None:
        if not self.done:
            return None
        elapsed = time.monotonic() - self.started
        return elapsed / self.done * max(0, self.total - self.done)

    def add_cost(self, cost: float | None) -> None:
        if cost is not None:
            self.cost_usd = (self.cost_usd or 0.0) + cost

    def cost_text(self) -> str:
        return "n/a" if self.cost_usd is None else f"${self.cost_usd:.4f}"

    def line(self) -> str:
        eta = self.eta_s()
        eta_text = "?" if eta is None else _clock(eta)
        return (
            f"items {self.done}/{self.total}  accepted {self.accepted}  rejected {self.rejected}"
            f"  failed {self.failed}  tokens {self.tokens:,}  cost {self.cost_text()}"
            f"  elapsed {_clock(time.monotonic() - self.started)}  eta {eta_text}"
        )


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class ProgressView:
    """Context manager rendering :class:`RunCounters`.

    On a terminal: a rich progress bar with accepted/rejected, tokens, cost and ETA.
    Otherwise (logs, CI): one plain line every ``interval_s`` seconds and at the end.
    ``enabled=False`` renders nothing.
    """

    def __init__(
        self,
        counters: RunCounters,
        *,
        stream: IO[str] | None = None,
        interval_s: float = 10.0,
        enabled: bool = True,
    ) -> None:
        self.counters = counters
        self.stream = stream or sys.stderr
        self.interval_s = interval_s
        self.enabled = enabled
        self._live: Any = None
        self._task: Any = None
        self._last = 0.0

    def __enter__(self) -> ProgressView:
        if self.enabled and self.stream.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._live = Progress(
                TextColumn("[bold]apigen run"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("[green]✓ {task.fields[acc]}[/] [red]✗ {task.fields[rej]}[/]"),
                TextColumn("{task.fields[tok]} tok  {task.fields[cost]}"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._live.start()
            self._task = self._live.add_task(
                "run", total=self.counters.total, acc=0, rej=0, tok="0", cost="n/a"
            )
        self._last = time.monotonic()
        return self

    def refresh(self, *, force: bool = False) -> None:
        c = self.counters
        if not self.enabled:
            return
        if self._live is not None:
            self._live.update(
                self._task,
                completed=c.done,
                acc=c.accepted,
                rej=c.rejected,
                tok=f"{c.tokens:,}",
                cost=c.cost_text(),
            )
            return
        now = time.monotonic()
        if force or now - self._last >= self.interval_s:
            self._last = now
            print(c.line(), file=self.stream, flush=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self.refresh()
            self._live.stop()
        elif exc_type is None:  # a failed run's error is the last line, alone
            self.refresh(force=True)
