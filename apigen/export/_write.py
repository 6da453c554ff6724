"""Driving an export: distractors, validation, split, temp files renamed at the end."""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from apigen.errors import ConfigError, EmptyExportError
from apigen.export._base import Sink, get_exporter
from apigen.export._convert import InvalidRecord, per_turn, prepare
from apigen.export._records import ExportOptions, ExportRecord, ExportResult, SplitCount
from apigen.safety import check_output

__all__ = ["DistractorPool", "split_paths", "write_dataset"]


class DistractorPool:
    """Tools of every registered domain, to borrow as irrelevant ones for other domains.

    Domains that fail to import are left out and named in ``notes``.
    """

    def __init__(self) -> None:
        from apigen.env import domain_names, get_domain
        from apigen.errors import ConfigError

        self.by_domain: dict[str, list[dict[str, Any]]] = {}
        self.notes: list[str] = []
        for name in domain_names():
            try:
                self.by_domain[name] = [t.schema for t in get_domain(name).tools]
            except ConfigError as exc:  # a plug-in that cannot be loaded
                self.notes.append(f"distractors: domain {name!r} not loadable ({exc})")
        self._cache: dict[tuple[str, frozenset[str]], list[dict[str, Any]]] = {}
        self.short = 0
        """Records that got fewer distractors than asked (too few tools elsewhere)."""
        self.available = 1 << 30
        """The fewest distractor candidates a short record had."""

    def candidates(self, domain: str, own: frozenset[str]) -> list[dict[str, Any]]:
        """Tools of other domains whose names differ from ``own``, one per name, sorted."""
        key = (domain, own)
        if key not in self._cache:
            seen: dict[str, dict[str, Any]] = {}
            for name, tools in sorted(self.by_domain.items()):
                if name == domain:
                    continue
                for t in tools:
                    tname = t["function"]["name"]
                    if tname not in own:
                        seen.setdefault(tname, t)
            self._cache[key] = [seen[n] for n in sorted(seen)]
        return self._cache[key]

    def add(self, record: ExportRecord, k: int, rng: random.Random) -> list[dict[str, Any]]:
        """``record``'s tools plus ``k`` (or as many as exist) distractors, shuffled."""
        tools = list(record.tools)
        own = frozenset(t["function"]["name"] for t in tools)
        pool = self.candidates(record.domain, own)
        if len(pool) < k:
            self.short += 1
            self.available = min(self.available, len(pool))
        tools += rng.sample(pool, min(k, len(pool)))
        rng.shuffle(tools)
        return tools


def split_paths(options: ExportOptions) -> dict[str, Path]:
    """``{"all": out}``, or ``{"train": <stem>.train<suffix>, "val": <stem>.val<suffix>}``."""
    out = options.out
    if options.split is None:
        return {"all": out}
    return {
        "train": out.with_name(f"{out.stem}.train{out.suffix}"),
        "val": out.with_name(f"{out.stem}.val{out.suffix}"),
    }


def _split_of(seed: int, key: str, share: float) -> str:
    """Stable per key: the same key lands in the same file for the same seed."""
    h = hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=8).digest()
    return "train" if int.from_bytes(h, "big") / 2**64 < share else "val"


def _check_targets(paths: dict[str, Path], force: bool, folder: bool) -> None:
    """:func:`apigen.safety.check_output` for each target (``folder``: the format writes
    a directory), and never replace a directory that is not a saved dataset."""
    for p in paths.values():
        check_output(p, force=force, directory=folder)
        if folder and p.is_dir() and any(p.iterdir()) and not (p / "state.json").is_file():
            raise ConfigError(f"{p} is a directory, not a saved dataset", field="--out")


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


_DETAIL = re.compile(r" \(message \d+\)$")


def write_dataset(records: Iterable[ExportRecord], options: ExportOptions) -> ExportResult:
    """Validate, encode and write ``records``; a bad record is counted and skipped.

    Files are written to temporary names beside the targets and renamed only when
    every record has been processed, so a failed export leaves no partial file. An
    existing target is an error unless ``options.force``. When no record is written
    the targets are left alone and :class:`apigen.errors.EmptyExportError` says why.
    """
    start = time.perf_counter()
    exporter = get_exporter(options.format)(options)
    paths = split_paths(options)
    _check_targets(paths, options.force, exporter.writes_folder)
    pool = DistractorPool() if options.distractors else None
    temps = {k: p.with_name(f".{p.name}.tmp") for k, p in paths.items()}
    sinks: dict[str, Sink] = {}
    counts: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    try:
        for k, t in temps.items():
            _remove(t)
            sinks[k] = exporter.sink(t)
        for rec in records:
            tools = list(rec.tools)
            if pool is not None:
                tools = pool.add(
                    rec, options.distractors, random.Random(f"{options.seed}:{rec.id}")
                )
            try:
                conv = prepare(
                    rec.id, rec.domain, rec.messages, tools, rec.policy, options, rec.provenance
                )
                items = [
                    exporter.encode(c) for c in (per_turn(conv) if options.per_turn else [conv])
                ]
            except InvalidRecord as exc:
                skipped[_DETAIL.sub("", str(exc))] += 1
                continue
            target = "all"
            if options.split is not None:
                key = rec.id if options.split_by == "trajectory" else (rec.group or rec.id)
                target = _split_of(options.seed, key, options.split)
            for item in items:
                sinks[target].write(item)
            counts[target] += len(items)
        for s in sinks.values():
            s.close()
        sinks.clear()
        if not counts:
            raise EmptyExportError(dict(skipped.most_common()))
        for k, t in temps.items():
            _remove(paths[k])
            t.replace(paths[k])
    finally:
        for s in sinks.values():
            s.close()
        for t in temps.values():
            _remove(t)
    extra = exporter.finish(paths)
    notes = tuple(pool.notes) if pool else ()
    if pool is not None and pool.short:
        notes += (
            f"distractors: {pool.short} records got fewer than {options.distractors}: the"
            f" other registered domains have only {pool.available} tools to lend"
            + (" (register more domains to add any)" if pool.available == 0 else ""),
        )
    return ExportResult(
        format=options.format,
        files=tuple(SplitCount(path=paths[k], records=counts[k]) for k in paths),
        written=sum(counts.values()),
        skipped=sum(skipped.values()),
        skip_reasons=dict(skipped.most_common()),
        seconds=round(time.perf_counter() - start, 3),
        notes=notes,
        extra_files=tuple(extra),
    )
