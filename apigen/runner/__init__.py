"""The runner: ``apigen run`` on a local Ray instance or a cluster (the only Ray seam).

Public surface
--------------
Settings come from :mod:`apigen.settings` (``load_settings`` -> ``Settings``).
``run_pipeline(config, resume=None, progress=True) -> RunSummary``
    Start (or join) Ray, open the store, stream items ``0..n-1`` (or the missing
    items of ``resume``) through worker actors — each item is one blueprint attempt
    followed by its trials, deterministic from (seed, index) — and write results in
    batches as they finish. Ctrl-C stops submitting, lets in-flight items finish
    within ``grace_s``, writes them and marks the run ``interrupted``.
``execute(processor, indices, ...)``
    The generic executor underneath: worker actors, bounded items in flight per
    worker, lost workers replaced and their items re-run, exactly-once delivery.
``RateBroker`` semantics (``BrokerCore``) and ``LeasedLimiter``
    One rate limiter per run shared by all workers: per-model request/token budgets
    leased in small batches, AIMD on 429s.
"""

from apigen.runner._execute import ExecutionReport, ItemProcessor, execute
from apigen.runner._limiter import AIMD, BrokerCore, LeasedLimiter, ModelLimits
from apigen.runner._run import RunSummary
from apigen.runner._run import run as run_pipeline

__all__ = [
    "AIMD",
    "BrokerCore",
    "ExecutionReport",
    "ItemProcessor",
    "LeasedLimiter",
    "ModelLimits",
    "RunSummary",
    "execute",
    "run_pipeline",
]
