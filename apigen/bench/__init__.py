"""Benchmarks that print numbers: each returns a JSON-able dict measured in one run.

``bench_phase1(n, domain, noise)``    phase-1 yield without and with the feedback loop
                                     (``apigen bench phase1``).
``bench_sandbox(scales, sandboxes)``  sandbox cost across state scales, and memory
                                     held by many live sandboxes (``apigen bench sandbox``).
``bench_rollout(domain)``            phase-2 tokens per accepted trajectory with and without
                                     early rejection (``apigen bench rollout``).

Targets are checked by reading these numbers, never by timed assertions in tests.
"""

from apigen.bench._phase1 import bench_phase1
from apigen.bench._rollout import bench_rollout
from apigen.bench._sandbox import bench_sandbox

__all__ = ["bench_phase1", "bench_rollout", "bench_sandbox"]
