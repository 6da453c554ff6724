"""Benchmarks that print numbers: each returns a JSON-able dict measured in one run.

``bench_phase1(n, domain, noise)``    phase-1 yield without and with the feedback loop
                                     (``apigen bench phase1``).
``bench_sandbox(scales, sandboxes)``  sandbox cost across state scales, and memory
                                     held by many live sandboxes (``apigen bench sandbox``).
``bench_rollout(domain)``            phase-2 tokens per accepted trajectory with and without
                                     early rejection (``apigen bench rollout``).
``bench_run(quick=False)``           the runner on Ray: latency hiding, 1→2 worker scaling,
                                     rate-limit saturation (``apigen bench run``). Imports
                                     Ray only when called.

Targets are checked by reading these numbers, never by timed assertions in tests.
"""

from typing import Any

from apigen.bench._phase1 import bench_phase1
from apigen.bench._rollout import bench_rollout
from apigen.bench._sandbox import bench_sandbox


def bench_run(*, quick: bool = False) -> dict[str, Any]:
    """The runner benchmark (see :mod:`apigen.runner._bench`); lives in the runner,
    the only package that imports Ray, and is imported here on first call."""
    from apigen.runner._bench import bench_run as run

    return run(quick=quick)


__all__ = ["bench_phase1", "bench_rollout", "bench_run", "bench_sandbox"]
