"""Work items of ``apigen bench run`` and how their throughput is measured.

Items return a few numbers (timestamps, call counts, the worker's CPU clock), never
trajectories, so the driver stays idle. Rates are taken over a *steady window*:
from the moment every worker has finished an item of a kind (all are up and warm)
to the moment its last item was submitted (the result that freed that slot), so
every slot is busy throughout and neither start-up nor the draining tail counts.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from apigen.runner import ItemProcessor, execute

__all__ = ["CpuMeter", "Done", "Hammer", "Work", "measure", "median_blueprint", "slope"]


def _warm_up() -> None:
    """Import litellm and register the sim provider before any timed work."""
    from apigen.llm.sim import register_sim_provider

    register_sim_provider()


@dataclass
class Done:
    """One item's result: small on purpose."""

    kind: str
    stamps: list[float]
    """Wall-clock times (``time.time()``) at which the item's calls ended; the last one
    is when the item ended."""
    calls: int
    pid: int
    cpu: float
    """The worker process's CPU clock when the item ended."""
    accepted: int = 0
    """Accepted trajectories (episodes only)."""
    cpu0: float = 0.0
    """The worker process's CPU clock when the item started."""
    failed: int = 0
    """Calls that failed for good (provider errors after retries)."""


def median_blueprint(blueprints: list[Any]) -> Any:
    """The blueprint with the median number of ground-truth actions (ties by id)."""
    ranked = sorted(blueprints, key=lambda bp: (len(bp.actions), bp.id or ""))
    return ranked[len(ranked) // 2]


class _Stamped:
    """An :class:`apigen.rollout.ModelClient` noting when each of its calls ended."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.stamps: list[float] = []

    async def complete(self, *args: Any, **kwargs: Any) -> Any:
        completion = await self._inner.complete(*args, **kwargs)
        self.stamps.append(time.time())
        return completion


@dataclass
class Work:
    """Items ``0..chains-1``: ``chain`` sequential ``sim/echo`` calls each; later items:
    ``trials`` phase-2 episodes of one curated retail blueprint each (``run_trials``,
    ``sim/agent`` and ``sim/human``, judges off), like the trials of an ``apigen run``
    item. Model calls sleep ``latency`` ± ``jitter`` seconds (uniform)."""

    latency: float
    chains: int
    chain: int = 5
    jitter: float = 0.0
    trials: int = 1
    one_blueprint: bool = False
    """Every episode item plays the same blueprint (the one with the median number of
    ground-truth actions), so any stretch of the run holds the same work; otherwise
    item ``i`` plays blueprint ``i mod N`` (their CPU cost varies fivefold)."""

    def setup(self, worker_index: int, limiter: Any) -> None:
        from apigen.blueprints import curated_dir, iter_blueprint_files, load_blueprint
        from apigen.env import load_environment
        from apigen.llm import LLMClient
        from apigen.rollout import RolloutConfig, ground_truth

        _warm_up()
        self._env = load_environment("retail")
        files = iter_blueprint_files([curated_dir() / "retail"])
        self._blueprints = [load_blueprint(p) for p in files]
        if self.one_blueprint:
            self._blueprints = [median_blueprint(self._blueprints)]
        self._truths = [ground_truth(self._env, bp) for bp in self._blueprints]
        self._client = LLMClient()
        knobs = ""
        if self.latency:
            knobs = f"?latency={self.latency:g}&latency_jitter={self.jitter:g}"
        self._echo = f"sim/echo{knobs}"
        self._config = RolloutConfig(
            agent_model=f"sim/agent{knobs}",
            human_model=f"sim/human{knobs}",
            judges=(),
            trials=self.trials,
        )

    async def process(self, index: int) -> Done:
        from apigen.rollout import run_trials
        from apigen.types import Message

        client, cpu0 = _Stamped(self._client), time.process_time()
        if index < self.chains:
            for k in range(self.chain):
                msg = Message(role="user", content=f"item {index} call {k}")
                await client.complete("agent", self._echo, [msg])
            cpu = time.process_time()
            return Done("calls", client.stamps, self.chain, os.getpid(), cpu, cpu0=cpu0)
        k = index % len(self._blueprints)
        result = await run_trials(
            self._blueprints[k],
            env=self._env,
            client=client,
            config=self._config,
            seed=index,
            truth=self._truths[k],
        )
        stamps = [*client.stamps, time.time()]  # the item ends after its last call
        pid, cpu = os.getpid(), time.process_time()
        accepted = sum(t.accepted for t in result.trajectories)
        return Done("episodes", stamps, len(client.stamps), pid, cpu, accepted, cpu0=cpu0)


@dataclass
class Hammer:
    """Item = calls to ``model`` at ``url`` in a loop for ``seconds`` after set-up,
    through :class:`LLMClient` and the run's shared limiter."""

    url: str
    model: str
    rpm: int
    seconds: float

    def setup(self, worker_index: int, limiter: Any) -> None:
        from apigen.llm import LLMClient, ModelsConfig

        _warm_up()
        os.environ["APIGEN_BENCH_DUMMY_KEY"] = "sk-bench-dummy"  # the local server ignores it
        endpoint = {"api_base": self.url, "rpm": self.rpm, "api_key_env": "APIGEN_BENCH_DUMMY_KEY"}
        self._client = LLMClient(ModelsConfig(endpoints={self.model: endpoint}), limiter=limiter)
        self._deadline = time.time() + self.seconds

    async def process(self, index: int) -> Done:
        from apigen.errors import ProviderError
        from apigen.types import Message

        done = failed = 0
        while time.time() < self._deadline:
            msg = Message(role="user", content=f"item {index} call {done + failed}")
            try:
                await self._client.complete("agent", self.model, [msg])
                done += 1
            except ProviderError:
                failed += 1
        stamps = [self._deadline]
        return Done("hammer", stamps, done, os.getpid(), time.process_time(), failed=failed)


class CpuMeter:
    """Samples the machine's busy CPU (``/proc/stat``) in the background, so a window's
    load from every process — ours, Ray's, anyone else's — can be read afterwards."""

    def __init__(self, period_s: float = 0.2) -> None:
        self.samples: list[tuple[float, float, float]] = []  # (time, busy, total) jiffies
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(period_s,), daemon=True)

    @staticmethod
    def _read() -> tuple[float, float] | None:
        try:
            with open("/proc/stat") as f:
                fields = [float(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle + iowait
        return sum(fields) - idle, sum(fields)

    def _run(self, period_s: float) -> None:
        while not self._stop.wait(period_s):
            read = self._read()
            if read is not None:
                self.samples.append((time.time(), *read))

    def __enter__(self) -> CpuMeter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def busy_cores(self, t0: float, t1: float) -> float | None:
        """Average busy cores of the whole machine between ``t0`` and ``t1``."""
        inside = [s for s in self.samples if t0 <= s[0] <= t1]
        if len(inside) < 2 or inside[-1][2] <= inside[0][2]:
            return None
        (_, b0, a0), (_, b1, a1) = inside[0], inside[-1]
        return round((b1 - b0) / (a1 - a0) * (os.cpu_count() or 1), 2)


def slope(stamps: list[float]) -> float:
    """Events per second: least-squares slope of the cumulative count over time
    (robust to completions that come in waves)."""
    n = len(stamps)
    if n < 2 or stamps[-1] <= stamps[0]:
        return 0.0
    mean_t, mean_k = sum(stamps) / n, (n - 1) / 2
    cov = sum((t - mean_t) * (k - mean_k) for k, t in enumerate(stamps))
    var = sum((t - mean_t) ** 2 for t in stamps)
    return cov / var


def measure(
    processor: ItemProcessor, items: int, workers: int, in_flight: int, **kwargs: Any
) -> tuple[dict[str, dict[str, Any]], list[Done]]:
    """Run ``items`` items; per kind of item, model calls per second over its steady
    window, calls per item, CPU seconds per call, CPU cores the workers obtained and
    cores the whole machine was busy.
    Also returns the raw results."""
    results: list[Done] = []
    driver_cpu, started = time.process_time(), time.monotonic()
    with CpuMeter() as meter:
        report = execute(
            processor,
            range(items),
            workers=workers,
            in_flight=in_flight,
            on_result=lambda i, r: results.append(r),
            **kwargs,
        )
    wall = time.monotonic() - started
    driver_share = round((time.process_time() - driver_cpu) / wall, 3)
    if report.failed:
        raise RuntimeError(f"benchmark item failed: {next(iter(report.failed.values()))}")
    slots = workers * in_flight
    out: dict[str, dict[str, Any]] = {}
    for kind in dict.fromkeys(d.kind for d in results):
        # Items are submitted in index order, kind by kind: this kind's last item went
        # out when result number (its last index + 1 - slots) came back.
        last_index = sum(1 for d in results if d.kind in (*out, kind)) - 1
        mine = [d for d in results if d.kind == kind]
        pids = {d.pid for d in mine}
        # From when every worker has finished an item (workers warm up at different
        # times; before that, fewer of them are working) ..
        t0 = max(min(d.stamps[-1] for d in mine if d.pid == pid) for pid in pids)
        # .. to the submission of its last item (every slot was busy until then).
        t1 = results[last_index - slots].stamps[-1] if last_index >= slots else 0.0
        t1 = t1 if t1 > t0 else mine[-1].stamps[-1]
        calls_at = sorted(s for d in mine for s in d.stamps[: d.calls] if t0 <= s <= t1)
        if len(calls_at) < 3:  # too few items for a steady window (quick runs): use all
            calls_at = sorted(s for d in mine for s in d.stamps[: d.calls])
            t0, t1 = calls_at[0], calls_at[-1]
        cpu = cpu_calls = busy = 0.0
        for pid in pids:
            own = [d for d in mine if d.pid == pid]
            # Its CPU clock from the start of its first item of this kind to the end of
            # its last (an item overlapping on either side adds a little).
            cpu += max(d.cpu for d in own) - min(d.cpu0 for d in own)
            cpu_calls += sum(d.calls for d in own)
            span = own[-1].stamps[-1] - own[0].stamps[-1]
            busy += (own[-1].cpu - own[0].cpu) / span if span > 0 else 0.0
        out[kind] = {
            "items": len(mine),
            "window_s": round(t1 - t0, 2),
            "calls_per_s": slope(calls_at),
            "calls_per_item": sum(d.calls for d in mine) / len(mine),
            "accepted": sum(d.accepted for d in mine),
            "cpu_s_per_call": cpu / cpu_calls if cpu_calls else None,
            "worker_cpu_cores": round(busy, 2),
            "machine_busy_cores": meter.busy_cores(t0, t1),
            "wall_s": round(wall, 2),
            "driver_cpu_share": driver_share,
        }
    return out, results
