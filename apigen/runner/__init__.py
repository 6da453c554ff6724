"""The runner: ``apigen run`` on a local Ray instance or a cluster (the only Ray seam).

Public surface
--------------
``load_run_config(path, flags=, env=) -> RunConfig``
    Layered configuration: defaults < YAML file < environment (``APIGEN_*``) < flags.
    Bad input raises :class:`apigen.errors.ConfigError` naming the field.
``starter_config() -> str``
    The commented YAML ``apigen init`` writes (every setting, its doc and default).
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

from apigen.runner._config import RunConfig, RunOptions, load_run_config
from apigen.runner._execute import ExecutionReport, ItemProcessor, execute
from apigen.runner._limiter import AIMD, BrokerCore, LeasedLimiter, ModelLimits
from apigen.runner._run import RunSummary
from apigen.runner._run import run as run_pipeline
from apigen.runner._starter import starter_config

__all__ = [
    "AIMD",
    "BrokerCore",
    "ExecutionReport",
    "ItemProcessor",
    "LeasedLimiter",
    "ModelLimits",
    "RunConfig",
    "RunOptions",
    "RunSummary",
    "execute",
    "load_run_config",
    "run_pipeline",
    "starter_config",
]
