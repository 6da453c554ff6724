"""Benchmarks that print numbers: each returns a JSON-able dict measured in one run.

``bench_sandbox(scales, sandboxes)``  sandbox cost across state scales, and memory
                                     held by many live sandboxes (``apigen bench sandbox``).

Targets are checked by reading these numbers, never by timed assertions in tests.
"""

from apigen.bench._sandbox import bench_sandbox

__all__ = ["bench_sandbox"]
