"""The one item writer: dedup settling, counting, batched writes to a sink.

A sink is where items go: the results database (:class:`apigen.store.Store`), a
directory of blueprint files (``blueprints generate --out DIR``) or a JSONL file
of trajectories (``trajectories collect --out FILE``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from apigen.blueprints import Funnel, blueprint_key, dump_blueprint
from apigen.rollout import rejection_reason, write_trajectories
from apigen.runner._dedup import DedupArbiter, as_duplicate
from apigen.runner._progress import RunCounters
from apigen.store import ItemResult
from apigen.types import Blueprint, Usage

__all__ = ["BlueprintFiles", "ItemSink", "ItemWriter", "TrajectoryFile"]


class ItemSink(Protocol):
    """Where finished items go; :class:`apigen.store.Store` is one."""

    def write_items(self, items: Sequence[ItemResult]) -> None:
        """Write (or replace) these items."""
        ...

    def read_item(self, run_id: str, item_index: int) -> ItemResult:
        """An item written before (to demote it when a lower index owns its task)."""
        ...


class BlueprintFiles:
    """Accepted blueprints as ``<key>.yaml`` in ``out``, every other item as a line of
    ``rejected.jsonl`` (an :class:`ItemResult`: drafts with reports, usage, error).
    Written on :meth:`close`, so a late duplicate is settled before anything lands."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._items: dict[int, ItemResult] = {}

    def write_items(self, items: Sequence[ItemResult]) -> None:
        self._items.update((item.item_index, item) for item in items)

    def read_item(self, run_id: str, item_index: int) -> ItemResult:
        return self._items[item_index]

    def close(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        with (self.out / "rejected.jsonl").open("w", encoding="utf-8") as rejected:
            for _, item in sorted(self._items.items()):
                final = item.blueprints[-1] if item.blueprints else None
                if final is not None and final.report is not None and final.report.passed:
                    key = final.id or blueprint_key(final)
                    dump_blueprint(final.model_copy(update={"id": key}), self.out / f"{key}.yaml")
                else:
                    rejected.write(item.model_dump_json(exclude_none=True) + "\n")


class TrajectoryFile:
    """Every item's trajectories appended to one JSONL file as items are written."""

    def __init__(self, out: Path) -> None:
        self.out = out
        write_trajectories(out, [])

    def write_items(self, items: Sequence[ItemResult]) -> None:
        for item in items:
            write_trajectories(self.out, item.trajectories, append=True)

    def read_item(self, run_id: str, item_index: int) -> ItemResult:
        raise KeyError(item_index)  # phase-2 runs have no blueprint dedup to settle

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class _Tally:
    """What one written item adds to the run's totals."""

    accepted: int
    """Accepted trajectories."""
    shown: int
    """What the progress view counts as accepted: trajectories, or the accepted blueprint
    when the run does not role-play (phase 1 only)."""
    rejected: bool
    """The item yielded no accepted trajectory (and did not fail)."""
    episodes: int
    blueprint_accepted: bool
    reasons: tuple[str, ...]
    trajectory_reasons: tuple[str, ...]
    error: str | None = None
    """A failed item's error, first line, shortened."""


class ItemWriter:
    """Settles duplicates (lowest index owns a fingerprint), counts, and writes items
    ``batch_size`` at a time or after ``flush_s`` seconds."""

    def __init__(
        self,
        sink: ItemSink,
        *,
        run_id: str,
        counters: RunCounters,
        dedup: DedupArbiter | None,
        funnel: Funnel | None = None,
        blueprints_only: bool = False,
        n: int = 0,
        batch_size: int = 64,
        flush_s: float = 2.0,
    ) -> None:
        self.sink, self.run_id, self.counters = sink, run_id, counters
        self.dedup, self.funnel, self.n = dedup, funnel, n
        self.blueprints_only = blueprints_only
        self.batch_size, self.flush_s = batch_size, flush_s
        self.buffer: list[ItemResult] = []
        self.last_flush = time.monotonic()
        self._tallies: dict[int, _Tally] = {}
        self.accepted_blueprints: dict[int, Blueprint] = {}
        """Accepted final blueprints by item (after settling), for recombination."""

    def add(self, item: ItemResult) -> None:
        item = self._settle(item)
        self._count(item)
        self.buffer.append(item)
        if (
            len(self.buffer) >= self.batch_size
            or time.monotonic() - self.last_flush >= self.flush_s
        ):
            self.flush()

    def failed(self, index: int, error: str) -> None:
        """An item whose processing raised (or whose worker kept dying)."""
        self.add(ItemResult(run_id=self.run_id, item_index=index, status="failed", error=error))

    def flush(self) -> None:
        if self.buffer:
            self.sink.write_items(self.buffer)
            self.buffer = []
        self.last_flush = time.monotonic()

    # -- totals ---------------------------------------------------------------------

    def totals(self) -> dict[str, int]:
        t = self._tallies.values()
        return {
            "accepted_trajectories": sum(x.accepted for x in t),
            "accepted_blueprints": sum(x.blueprint_accepted for x in t),
            "episodes": sum(x.episodes for x in t),
            "blueprints_with_accepted": sum(x.accepted > 0 for x in t),
        }

    def reasons(self) -> Counter[str]:
        return Counter(r for x in self._tallies.values() for r in x.reasons)

    def trajectory_reasons(self) -> Counter[str]:
        return Counter(r for x in self._tallies.values() for r in x.trajectory_reasons)

    def errors(self) -> Counter[str]:
        """Failed items by error (first line, at most 200 characters)."""
        return Counter(x.error for x in self._tallies.values() if x.error is not None)

    def _count(self, item: ItemResult) -> None:
        """Add ``item`` to the totals, replacing what its index counted before."""
        c = self.counters
        old = self._tallies.get(item.item_index)
        if old is not None:
            c.accepted -= old.shown
            c.rejected -= old.rejected
        else:
            c.done += 1
            c.failed += item.status == "failed"
            for u in item.usage:
                c.tokens += u.usage.total_tokens
                c.add_cost(u.usage.cost_usd)
        tally = self._tally(item)
        self._tallies[item.item_index] = tally
        c.accepted += tally.shown
        c.rejected += tally.rejected
        final = _final(item)
        if tally.blueprint_accepted and final is not None:
            self.accepted_blueprints[item.item_index] = final
        else:
            self.accepted_blueprints.pop(item.item_index, None)
        if self.funnel is not None:
            usage: dict[str, Usage] = {}
            for u in item.usage:
                usage[u.role] = usage.get(u.role, Usage()) + u.usage
            self.funnel.add(
                item.item_index,
                item.blueprints,
                usage,
                error=item.error if item.status == "failed" else None,
                recombined=item.item_index >= self.n,
            )

    def _tally(self, item: ItemResult) -> _Tally:
        final = _final(item)
        accepted = sum(t.accepted for t in item.trajectories)
        trajectory_reasons = tuple(
            r for t in item.trajectories if (r := rejection_reason(t)) is not None
        )
        blueprint_accepted = bool(
            item.status != "failed"
            and final is not None
            and final.report is not None
            and final.report.passed
        )
        shown = int(blueprint_accepted) if self.blueprints_only else accepted
        return _Tally(
            accepted=accepted,
            shown=shown,
            rejected=shown == 0 and item.status != "failed",
            episodes=len(item.trajectories),
            blueprint_accepted=blueprint_accepted,
            reasons=tuple(self._reasons(item, trajectory_reasons)),
            trajectory_reasons=trajectory_reasons,
            error=_first_line(item.error or "failed") if item.status == "failed" else None,
        )

    def _reasons(self, item: ItemResult, trajectory_reasons: tuple[str, ...]) -> Iterator[str]:
        if item.status == "failed":
            yield (item.error or "failed").split(":")[0]
            return
        final = _final(item)
        report = final.report if final is not None else None
        if report is None and self.dedup is not None:  # a sampled blueprint unparsed
            yield "blueprint:format"
            return
        failed = report.failed_stage if report is not None else None
        if failed is not None:  # sampled and rejected, or a collect input rejected
            yield f"blueprint:{failed.stage}"
            return
        yield from (f"trajectory:{r}" for r in trajectory_reasons)

    # -- dedup ----------------------------------------------------------------------

    def _settle(self, item: ItemResult) -> ItemResult:
        final = _final(item)
        if self.dedup is None or final is None or final.report is None or not final.report.passed:
            return item
        fp = final.fingerprint()
        before = self.dedup.owner(fp)
        owner = self.dedup.claim(fp, item.item_index)
        if owner < item.item_index:
            return as_duplicate(item, owner)
        if before is not None and before > item.item_index:
            self._demote(before, item.item_index)  # a higher item was written first
        return item

    def _demote(self, index: int, owner: int) -> None:
        for i, pending in enumerate(self.buffer):
            if pending.item_index == index:
                self.buffer[i] = as_duplicate(pending, owner)
                self._count(self.buffer[i])
                return
        self.flush()
        demoted = as_duplicate(self.sink.read_item(self.run_id, index), owner)
        self.sink.write_items([demoted])
        self._count(demoted)


def _final(item: ItemResult) -> Blueprint | None:
    return item.blueprints[-1] if item.blueprints else None


def _first_line(text: str, limit: int = 200) -> str:
    line = text.strip().splitlines()[0] if text.strip() else text
    return line if len(line) <= limit else line[: limit - 1] + "…"
