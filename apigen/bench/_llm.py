"""``apigen bench llm``: what the client adds to litellm, and how well it hides latency.

Two measures, taken in one process:

- **overhead**: CPU time (``time.process_time``) per call through
  :meth:`LLMClient.complete` on a zero-latency ``sim/echo`` model, next to a bare
  ``litellm.acompletion`` loop on the same provider (reached through
  :func:`apigen.llm.litellm_acompletion`: this package never imports litellm);
  ``ratio`` is their quotient (goal ≤ 1.25). Rounds alternate between the two and
  the fastest round of each counts, so a background hiccup does not decide the ratio.
- **latency hiding**: calls per second with a 200 ms sim latency at several
  concurrency levels, against the ideal ``concurrency / latency``, with the CPU
  cost per call at that level: one process cannot exceed ``1 / cpu`` calls per
  second, so past that point efficiency is bounded by CPU, not by waiting. The
  same loop over bare litellm is shown beside it.
"""

from __future__ import annotations

import asyncio
import platform
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from apigen.llm import LLMClient, ModelsConfig, RetrySettings, litellm_acompletion
from apigen.types import Message

__all__ = ["bench_llm"]

_MESSAGES = (
    Message(role="system", content="You are a helpful assistant for a small bank."),
    Message(role="user", content="What is the balance of account a-17?"),
)


def bench_llm(
    *,
    model: str = "sim/echo",
    calls: int = 2000,
    rounds: int = 3,
    latency_s: float = 0.2,
    concurrency: Sequence[int] = (1, 64, 512),
    waves: int = 5,
) -> dict[str, Any]:
    """Run both measures and return them as JSON-ready data (see the module docstring)."""
    return asyncio.run(_bench(model, calls, rounds, latency_s, tuple(concurrency), waves))


async def _bench(
    model: str,
    calls: int,
    rounds: int,
    latency_s: float,
    concurrency: tuple[int, ...],
    waves: int,
) -> dict[str, Any]:
    bare_acompletion = litellm_acompletion()
    client = LLMClient(ModelsConfig.load(retry=RetrySettings(timeout_s=60.0)))
    wire = [m.model_dump(include={"role", "content"}) for m in _MESSAGES]

    async def through_client(name: str) -> None:
        await client.complete("agent", name, _MESSAGES)

    async def bare(name: str) -> None:
        await bare_acompletion(model=name, messages=wire)

    for _ in range(50):  # warm both paths: imports, caches, first-call setup
        await through_client(model)
        await bare(model)
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(await _cpu_per_call(through_client, model, calls))
        theirs.append(await _cpu_per_call(bare, model, calls))
    apigen_ms, litellm_ms = min(ours) * 1e3, min(theirs) * 1e3

    slow_model = f"{model}{'&' if '?' in model else '?'}latency={latency_s}"
    hiding = []
    for level in concurrency:
        ideal = level / latency_s
        ours_rate, ours_cpu = await _throughput(through_client, slow_model, level, waves)
        bare_rate, _ = await _throughput(bare, slow_model, level, waves)
        hiding.append(
            {
                "concurrency": level,
                "latency_s": latency_s,
                "calls": level * waves,
                "calls_per_s": round(ours_rate, 1),
                "ideal_per_s": round(ideal, 1),
                "efficiency": round(ours_rate / ideal, 3),
                "cpu_ms_per_call": round(ours_cpu * 1e3, 4),
                "cpu_bound_per_s": round(1 / ours_cpu, 1) if ours_cpu > 0 else None,
                "litellm_calls_per_s": round(bare_rate, 1),
                "litellm_efficiency": round(bare_rate / ideal, 3),
            }
        )
    return {
        "model": model,
        "calls_per_round": calls,
        "rounds": rounds,
        "cpu_ms_per_call": {"apigen": round(apigen_ms, 4), "litellm": round(litellm_ms, 4)},
        "ratio": round(apigen_ms / litellm_ms, 3),
        "ratio_goal": 1.25,
        "latency_hiding": hiding,
        "python": platform.python_version(),
        "litellm_version": _litellm_version(),
    }


async def _cpu_per_call(call: Callable[[str], Awaitable[None]], model: str, calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        await call(model)
    return (time.process_time() - started) / calls


async def _throughput(
    call: Callable[[str], Awaitable[None]], model: str, level: int, waves: int
) -> tuple[float, float]:
    """(calls per second, CPU seconds per call) with ``level`` workers each making
    ``waves`` calls back to back. One process can never exceed ``1 / cpu``."""

    async def worker() -> None:
        for _ in range(waves):
            await call(model)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(level)))
    calls = level * waves
    return calls / (time.perf_counter() - started), (time.process_time() - cpu) / calls


def _litellm_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("litellm")
    except PackageNotFoundError:
        return None
