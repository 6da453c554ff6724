"""Benchmarks that print numbers: each returns a JSON-able dict measured in one run.

``bench_phase1(n, domain, noise)``    phase-1 yield without and with the feedback loop
                                     (``apigen bench phase1``).
``bench_sandbox(scales, sandboxes)``  sandbox cost across state scales, and memory
                                     held by many live sandboxes (``apigen bench sandbox``).

Targets are checked by reading these numbers, never by timed assertions in tests.
"""

from apigen.bench._phase1 import bench_phase1
from apigen.bench._sandbox import bench_sandbox

__all__ = ["bench_phase1", "bench_sandbox"]
