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
    leased in small batches, AIMD on 429s. ``RateBroker(limits)`` starts the broker
    actor for a driver that calls :func:`execute` itself; ``stats()`` reads it.
``ray_session(address=None, num_cpus=None)``
    Start (or join, or reuse) Ray for the duration of a block.

Ray is imported on first use of ``run_pipeline``, ``execute``, ``RateBroker`` or
``ray_session``, never by ``import apigen.runner`` (``apigen init`` stays Ray-free).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from apigen.runner._config import RunConfig, RunOptions, load_run_config
from apigen.runner._limiter import AIMD, BrokerCore, LeasedLimiter, ModelLimits
from apigen.runner._starter import starter_config

if TYPE_CHECKING:
    from apigen.runner._broker import RateBroker
    from apigen.runner._execute import ExecutionReport, ItemProcessor, execute
    from apigen.runner._ray import ray_session
    from apigen.runner._run import RunSummary
    from apigen.runner._run import run as run_pipeline

# Names whose modules import Ray: loaded on first access (PEP 562).
_LAZY = {
    "ExecutionReport": ("_execute", "ExecutionReport"),
    "ItemProcessor": ("_execute", "ItemProcessor"),
    "RateBroker": ("_broker", "RateBroker"),
    "RunSummary": ("_run", "RunSummary"),
    "execute": ("_execute", "execute"),
    "ray_session": ("_ray", "ray_session"),
    "run_pipeline": ("_run", "run"),
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
    "ExecutionReport",
    "ItemProcessor",
    "LeasedLimiter",
    "ModelLimits",
    "RateBroker",
    "RunConfig",
    "RunOptions",
    "RunSummary",
    "execute",
    "load_run_config",
    "ray_session",
    "run_pipeline",
    "starter_config",
]
