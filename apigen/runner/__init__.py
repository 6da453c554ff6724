"""The one executor: every command's run, locally or on Ray (the only Ray seam).

Public surface
--------------
``run(settings, resume=None, progress=True) -> RunSummary``
    Both phases (``apigen run``): item ``i`` is blueprint attempt ``i`` (deterministic
    from (seed, i)) followed, when accepted and not a duplicate, by its trials.
``generate(settings, out=None, progress=True) -> RunSummary``
    Phase 1 only (``apigen blueprints generate``); ``summary.funnel`` is the
    per-stage funnel; ``out`` writes YAML files plus ``rejected.jsonl`` instead of
    the database. ``phase1.recombine`` adds one item per user to recombine.
``collect(settings, blueprints, source=None, out=None, progress=True) -> RunSummary``
    Phase 2 only (``apigen trajectories collect``): item ``i`` validates blueprint
    ``i`` offline (format, execution, policy) and plays it when it passes;
    ``out`` appends trajectories to a JSONL file instead of the database.

All three are presets of one lifecycle: start (or resume) a run in the store with
its settings, stream items through a backend into one item writer, finish the run
``completed`` / ``interrupted`` / ``failed``. Backends (``settings.backend``):
``local`` runs items in this process with asyncio (``concurrency`` in flight; the
default of the single-phase commands); ``ray`` runs ``workers`` actors on a local
Ray instance or the cluster at ``ray_address`` (the default of ``run``). Ray is
imported only when the ``ray`` backend runs.

Guarantees: results are written in batches (``batch_size``, ``flush_s``), each
item in one transaction, so a retried or resumed item never duplicates rows. The
one dedup arbiter (:class:`DedupArbiter`: the lowest item index owns a blueprint
fingerprint) runs with the workers (a Ray actor on ``ray``) so duplicates skip
their trials, and in the writer, which settles late arrivals; the outcome does not
depend on timing. Ctrl-C stops submitting, lets in-flight items finish within
``grace_s``, writes them and marks the run ``interrupted``; ``run(resume=ID)``
finishes exactly the missing items; SIGTERM counts as Ctrl-C. A driver killed
outright takes its local Ray instance along within seconds (a reaper process watches
it; Linux; never for a cluster), leaving its run ``running`` for ``resume``. A run whose
every item failed ends ``failed``. On Ray, a lost worker's items are re-run on a fresh
worker and delivered once; the dedup actor and the broker are restarted by Ray when
they die (coordination actors), never taken for a lost worker. ``preflight(settings,
phases)`` checks the domain, ``sim/…`` roles and knobs, templates and the cluster
address before a run row is written or Ray started (every preset calls it). Usage
is kept per item through a usage scope on the worker's one client. Every model a run may call
(:meth:`apigen.llm.ModelsConfig.all_models`, fallbacks included) is under one
run-wide rate limiter: the client's token buckets locally; on Ray a broker actor
(``BrokerCore``) leasing per-model request/token budgets to the workers'
:class:`LeasedLimiter`, with AIMD on 429s.

``check_environment(name, tasks=8, trials=2, seed=0, play=True) -> EnvironmentCheck``
    ``apigen envs check``: the conformance checks and curated blueprints, the tool
    graph, sampled contexts (the same write twice in a task; reads never used and
    policy sections never selected), then a smoke play of both phases with the
    ``sim/…`` players in a scratch SQLite database (a task no trial passed). Errors
    and warnings are lines; ``passed`` means no error.

Extension point: an :class:`ItemProcessor` (``setup`` once per worker, ``async
process(index)`` per item) runs on either backend. For drivers of their own (the
runner benchmark): ``execute(processor, indices, ...)`` is the Ray executor (worker
actors, bounded items in flight per worker, lost workers replaced, exactly-once
delivery), ``RateBroker(limits)`` the run-wide broker actor (``stats()`` reads it)
and ``ray_session(address=None, num_cpus=None)`` starts, joins or reuses Ray.

Ray is imported on first use of ``execute``, ``RateBroker``, ``ray_session`` or the
``ray`` backend, never by ``import apigen.runner`` (``apigen init`` stays Ray-free).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from apigen.runner._backend import ExecutionReport, ItemProcessor
from apigen.runner._dedup import DedupArbiter
from apigen.runner._envcheck import EnvironmentCheck, check_environment
from apigen.runner._limiter import AIMD, BrokerCore, LeasedLimiter, ModelLimits
from apigen.runner._run import collect, generate, preflight, run, run_limits
from apigen.runner._summary import RunSummary

if TYPE_CHECKING:
    from apigen.runner._broker import RateBroker
    from apigen.runner._execute import execute
    from apigen.runner._ray import ray_session

# Names whose modules import Ray: loaded on first access (PEP 562).
_LAZY = {
    "RateBroker": ("_broker", "RateBroker"),
    "execute": ("_execute", "execute"),
    "ray_session": ("_ray", "ray_session"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(import_module(f"{__name__}.{module}"), attr)


__all__ = [
    "AIMD",
    "BrokerCore",
    "DedupArbiter",
    "EnvironmentCheck",
    "ExecutionReport",
    "ItemProcessor",
    "LeasedLimiter",
    "ModelLimits",
    "RateBroker",
    "RunSummary",
    "check_environment",
    "collect",
    "execute",
    "generate",
    "preflight",
    "ray_session",
    "run",
    "run_limits",
]
