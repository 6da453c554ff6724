"""Sandbox cost against state size: create, write, diff, hash; memory of live sandboxes."""

from __future__ import annotations

import gc
import random
import time
import tracemalloc
from typing import Any

from apigen.env import Environment, get_domain
from apigen.types import ToolCall

__all__ = ["bench_sandbox"]


def _typical_writes(env: Environment, count: int, seed: int = 0) -> list[ToolCall]:
    """Write calls the domain's own sampler grounds, cycling over every write tool."""
    writes = sorted(t.name for t in env.domain.tools if t.kind == "write")
    rng = random.Random(seed)
    calls: list[ToolCall] = []
    attempts = 0
    while len(calls) < count and attempts < count * 20:
        attempts += 1
        sketch = env.domain.sample_task(env.db, rng, [writes[attempts % len(writes)]])
        if sketch is not None:
            calls.append(sketch.steps[0].call)
    if not calls:
        raise RuntimeError(f"{env.domain.name}: sample_task grounded no write")
    return calls


def _per_op(env: Environment, writes: list[ToolCall], rounds: int) -> dict[str, float]:
    create = write = diff = hashing = 0.0
    for i in range(rounds):
        t0 = time.perf_counter()
        box = env.sandbox(call_timeout=None)
        t1 = time.perf_counter()
        box.call(writes[i % len(writes)])
        t2 = time.perf_counter()
        box.diff()
        t3 = time.perf_counter()
        box.state_hash()
        t4 = time.perf_counter()
        create += t1 - t0
        write += t2 - t1
        diff += t3 - t2
        hashing += t4 - t3
    us = 1e6 / rounds
    total = (create + write + diff + hashing) * us
    return {
        "create_us": round(create * us, 2),
        "write_us": round(write * us, 2),
        "diff_us": round(diff * us, 2),
        "state_hash_us": round(hashing * us, 2),
        "total_us": round(total, 2),
    }


def bench_sandbox(
    scales: list[int] | None = None,
    *,
    domain: str = "retail",
    sandboxes: int = 1000,
    rounds: int = 2000,
) -> dict[str, Any]:
    """Per-operation cost at each scale, ``scale_ratio`` (largest / smallest total), and
    ``sandboxes_1000_mib``: memory held by ``sandboxes`` live sandboxes, one write each,
    at the largest scale, beyond the pristine state."""
    scales = sorted(scales or [1, 10, 100])
    dom = get_domain(domain)
    result: dict[str, Any] = {"domain": domain, "rounds": rounds, "scales": {}}
    env = None
    for scale in scales:
        t0 = time.perf_counter()
        env = dom.load(seed=0, scale=scale)
        load_s = time.perf_counter() - t0
        writes = _typical_writes(env, 200)
        _per_op(env, writes, 200)  # warm-up
        ops = _per_op(env, writes, rounds)
        result["scales"][str(scale)] = {
            "state": env.database.counts(),
            "load_s": round(load_s, 2),
            **ops,
        }
    first, last = result["scales"][str(scales[0])], result["scales"][str(scales[-1])]
    result["scale_ratio"] = round(last["total_us"] / first["total_us"], 3)
    assert env is not None
    writes = _typical_writes(env, 200, seed=1)
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    live = []
    for i in range(sandboxes):
        box = env.sandbox(call_timeout=None)
        box.call(writes[i % len(writes)])
        live.append(box)
    gc.collect()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result["sandboxes"] = len(live)
    result["sandboxes_1000_mib"] = round((held - base) / 2**20 * 1000 / max(1, sandboxes), 2)
    result["goals"] = {"scale_ratio_max": 2.0, "sandboxes_1000_mib_max": 1024}
    return result
