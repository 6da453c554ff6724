"""Every benchmark, behind ``apigen bench NAME``: each returns a JSON-able dict
measured in one run, and the CLI prints it (``--json`` for the dict itself).

Contract
--------
``bench_llm(model=, calls=, rounds=, latency_s=, concurrency=, waves=)``
    ``apigen bench llm``: CPU per call through :class:`apigen.llm.LLMClient` over bare
    litellm (``ratio``, goal ≤ 1.25) and calls/s under latency at several
    concurrency levels (``latency_hiding``).
``bench_sandbox(scales, domain=, sandboxes=, rounds=)``
    ``apigen bench sandbox``: sandbox create/write/diff/hash cost across state scales
    (``scale_ratio``, goal ≤ 2) and memory held by many live sandboxes (goal: 1,000
    under 1 GiB).
``bench_store(trajectories, postgres=, batch=)``
    ``apigen bench store``: ingest rate (goal ≥ 2,000 trajectories/s on SQLite),
    ``stats`` latency (< 1 s) and export throughput (< 20 s for 100k), on SQLite and,
    given a URL, PostgreSQL (in a scratch schema).
``bench_run(quick=False)``
    ``apigen bench run``: the runner on a local Ray (2 CPUs): latency hiding (≥ 0.9
    of ideal), 1 → 2 worker scaling (≥ 1.7), rate-limit saturation (≥ 0.95 with
    ≤ 1 % 429s) against :class:`RateLimitedServer`.
``bench_phase1(n=, domain=, noise=, rounds=, seed=)``
    ``apigen bench phase1``: phase-1 yield without and with the feedback loop.
``bench_rollout(domain, blueprints=, error_rate=, trials=, seed=)``
    ``apigen bench rollout``: phase-2 tokens per accepted trajectory with and
    without early rejection, the saving against the oracle (:mod:`._oracle`: each
    rejected episode stopped at its first fatal step, with hindsight) by cause, and
    soundness (``unsound`` = 0, ``same_accepted``).

Seams hold here too: this package calls the public API of :mod:`apigen.llm`,
:mod:`apigen.store` and :mod:`apigen.runner` and never imports litellm, SQLAlchemy
or Ray itself. Modules load on first use, so ``apigen bench sandbox`` never starts
Ray. Sim numbers describe the sim models, not a real model. Targets are checked by
reading these numbers, never by timed assertions in tests.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apigen.bench._llm import bench_llm
    from apigen.bench._phase1 import bench_phase1
    from apigen.bench._rate_server import RateLimitedServer
    from apigen.bench._rollout import bench_rollout
    from apigen.bench._run import bench_run
    from apigen.bench._sandbox import bench_sandbox
    from apigen.bench._store import bench_store

_MODULES = {
    "RateLimitedServer": "_rate_server",
    "bench_llm": "_llm",
    "bench_phase1": "_phase1",
    "bench_rollout": "_rollout",
    "bench_run": "_run",
    "bench_sandbox": "_sandbox",
    "bench_store": "_store",
}

__all__ = [
    "RateLimitedServer",
    "bench_llm",
    "bench_phase1",
    "bench_rollout",
    "bench_run",
    "bench_sandbox",
    "bench_store",
]


def __getattr__(name: str) -> Any:
    try:
        module = _MODULES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(import_module(f"{__name__}.{module}"), name)
