"""The phase commands into the results database: one run each, items written as they finish.

``apigen blueprints generate`` stores one item per attempt (every round's blueprint
with its report, usage per role and model; ``failed`` with the error when a provider
failed); ``apigen trajectories collect`` one item per blueprint (the blueprint, its
trajectories, usage). Items are buffered and written in batches while the phase
runs, so an interrupted command keeps what it finished (the run is then marked
``interrupted``). Imported inside the commands: it pulls in SQLAlchemy and litellm.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from apigen.blueprints import AttemptResult, Phase1Run, blueprint_key
from apigen.env import get_domain
from apigen.errors import ProviderError, UnknownNameError, UserError
from apigen.llm import LLMClient
from apigen.rollout import CollectResult, TrialsResult
from apigen.settings import Settings
from apigen.store import ItemResult, RoleUsage, RunStatus, Store
from apigen.types import Blueprint

__all__ = ["ItemSink", "PerItemClients", "collect_into", "generate_into", "stored_run"]


class ItemSink:
    """Buffers finished items and writes them ``batch`` at a time, or after ``every_s``."""

    def __init__(self, store: Store, *, batch: int = 32, every_s: float = 2.0) -> None:
        self.store, self.batch, self.every_s = store, batch, every_s
        self._buffer: list[ItemResult] = []
        self._last = time.monotonic()

    def add(self, item: ItemResult) -> None:
        self._buffer.append(item)
        if len(self._buffer) >= self.batch or time.monotonic() - self._last >= self.every_s:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self.store.write_items(self._buffer)
            self._buffer = []
        self._last = time.monotonic()


@contextmanager
def stored_run(
    store: Store, config: Mapping[str, Any], *, domain: str, seed: int, planned_items: int
) -> Iterator[tuple[str, ItemSink]]:
    """Start a run, yield its id and a sink; on exit flush the sink and mark the run
    ``completed``, ``interrupted`` (Ctrl-C) or ``failed`` (any other exception)."""
    run_id = store.start_run(config, domain=domain, seed=seed, planned_items=planned_items).id
    sink = ItemSink(store)
    status: RunStatus = "failed"
    try:
        yield run_id, sink
        status = "completed"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        try:
            sink.flush()
        finally:
            store.finish_run(run_id, status)


class PerItemClients:
    """One :class:`LLMClient` per item, sharing ``base``'s configuration, rate limiter
    and cache, so each item's usage can be taken per role and model."""

    def __init__(self, base: LLMClient) -> None:
        self.base = base
        self._clients: dict[int, LLMClient] = {}

    def __call__(self, index: int) -> LLMClient:
        client = self._clients.get(index)
        if client is None:
            b = self.base
            client = self._clients[index] = LLMClient(b.config, limiter=b.limiter, cache=b.cache)
        return client

    def take(self, index: int) -> tuple[RoleUsage, ...]:
        """Item ``index``'s usage per (role, model); its client is dropped."""
        client = self._clients.pop(index, None)
        if client is None:
            return ()
        return tuple(
            RoleUsage(role=role, model=model, usage=u)
            for (role, model), u in sorted(client.take_usage().items())
        )


def _drafts(result: AttemptResult) -> tuple[Blueprint, ...]:
    """The attempt's drafts; an accepted final one gets its stable id (:func:`blueprint_key`)."""
    drafts = result.drafts()
    if result.accepted and drafts:
        final = drafts[-1]
        drafts = (*drafts[:-1], final.model_copy(update={"id": blueprint_key(final)}))
    return drafts


def generate_into(
    store: Store,
    settings: Settings,
    *,
    progress: Callable[[int, int, AttemptResult | None], None] | None = None,
) -> tuple[Phase1Run, str]:
    """Run phase 1 (:func:`apigen.blueprints._generate.generate`) into a new run of
    ``store``; returns the batch (for the funnel) and the run id.

    Within-run duplicates are only known once every attempt finished; the items
    they concern are written again then (writes replace an item's rows).
    """
    from apigen.blueprints._generate import generate

    domain, n, seed = settings.domain, settings.n, settings.seed
    get_domain(domain)  # an unknown domain fails before a run is recorded
    clients = PerItemClients(LLMClient(settings.models))
    stored: dict[int, ItemResult] = {}
    record = {"command": "blueprints generate", **settings.model_dump(mode="json")}
    with stored_run(store, record, domain=domain, seed=seed, planned_items=n) as (run_id, sink):

        def done(index: int, result: AttemptResult | None, error: ProviderError | None) -> None:
            usage = clients.take(index)
            if result is None:
                why = f"provider_error:{error.kind}: {error}" if error else "provider_error"
                item = ItemResult(
                    run_id=run_id, item_index=index, usage=usage, status="failed", error=why
                )
            else:
                item = ItemResult(
                    run_id=run_id, item_index=index, blueprints=_drafts(result), usage=usage
                )
            stored[index] = item
            sink.add(item)

        run = generate(
            settings,
            client=clients.base,
            client_for=clients,
            on_attempt=done,
            progress=progress,
        )
        for result in run.results:
            item = stored[result.spec.index]
            drafts = _drafts(result)
            if drafts != item.blueprints:
                sink.add(item.model_copy(update={"blueprints": drafts}))
    return run, run_id


def _domain_label(blueprints: Sequence[Blueprint]) -> str:
    domains = sorted({bp.domain for bp in blueprints})
    for d in domains:
        try:
            get_domain(d)
        except UnknownNameError as exc:
            bp = next(b for b in blueprints if b.domain == d)
            raise UserError(f"blueprint {bp.id or '?'}: {exc}") from None
    return ",".join(domains)[:64] or "none"


def collect_into(
    store: Store,
    blueprints: Sequence[Blueprint],
    *,
    settings: Settings,
    source: Mapping[str, Any] | None = None,
    on_result: Callable[[TrialsResult], None] | None = None,
) -> tuple[CollectResult, str]:
    """Run phase 2 (:func:`apigen.rollout.collect`) over ``blueprints`` into a new run
    of ``store``: item ``i`` is blueprint ``i`` with its trajectories and usage.

    A blueprint without an id gets :func:`blueprint_key`, so its trajectories link to
    it. ``source`` (where the blueprints came from) is stored with the configuration.
    """
    import asyncio

    from apigen.rollout import collect

    blueprints = [
        bp if bp.id else bp.model_copy(update={"id": blueprint_key(bp)}) for bp in blueprints
    ]
    domain = _domain_label(blueprints)
    clients = PerItemClients(LLMClient(settings.models))
    seed = settings.seed
    record = {
        "command": "trajectories collect",
        "source": dict(source or {}),
        "blueprints": len(blueprints),
        **settings.model_dump(mode="json"),
    }
    run = stored_run(store, record, domain=domain, seed=seed, planned_items=len(blueprints))
    with run as (run_id, sink):

        def done(index: int, result: TrialsResult) -> None:
            sink.add(
                ItemResult(
                    run_id=run_id,
                    item_index=index,
                    blueprints=(blueprints[index],),
                    trajectories=result.trajectories,
                    usage=clients.take(index),
                )
            )

        result = asyncio.run(
            collect(
                blueprints,
                client=clients.base,
                config=settings.rollout,
                seed=seed,
                state_seed=settings.state_seed,
                concurrency=settings.concurrency,
                client_for=clients,
                on_item=done,
                on_result=on_result,
            )
        )
    return result, run_id
