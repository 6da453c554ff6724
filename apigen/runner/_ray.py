"""Starting or joining Ray for a run, and the options of its coordination actors."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ray

__all__ = ["coordination_actor", "ray_session", "runtime_env_for_cluster"]


def coordination_actor(cls: type, *args: Any, name: str | None = None) -> Any:
    """Start ``cls(*args)`` as one of a run's coordination actors (the dedup arbiter,
    the rate broker): no CPU, and restarted by Ray whenever its process dies, its
    callers' pending calls retried on the restarted actor (``__init__`` runs again
    with ``args``). Losing one therefore never looks like losing a worker."""
    options: dict[str, Any] = {"num_cpus": 0, "max_restarts": -1, "max_task_retries": -1}
    if name is not None:
        options["name"] = name
    return ray.remote(**options)(cls).remote(*args)


def runtime_env_for_cluster() -> dict[str, Any]:
    """Ship this checkout's ``apigen`` and ``environments`` packages to cluster workers
    that lack them (Ray uploads them once per job)."""
    import apigen
    import environments

    mods = [str(Path(m.__file__).resolve().parent) for m in (apigen, environments)]  # type: ignore[arg-type]
    return {"py_modules": mods}  # workers import apigen (which sets litellm env) first


def _cpus() -> int:
    return int(ray.cluster_resources().get("CPU", 0))


@contextmanager
def ray_session(
    address: str | None = None, *, num_cpus: int | None = None, ship_code: bool = True
) -> Iterator[dict[str, Any]]:
    """Use Ray for the duration of the block.

    ``address`` (or ``RAY_ADDRESS``) joins a cluster, shipping the project through
    the runtime environment; otherwise a local instance is started and shut down
    afterwards. An already initialised Ray (tests, notebooks) is reused as is. A
    SIGTERM handler the caller installed stays in place (``ray.init`` replaces it with
    one that exits at once). Yields
    ``started`` (whether this block started Ray), ``address`` and ``cpus`` (Ray's CPUs).
    """
    if ray.is_initialized():
        yield {"started": False, "address": "existing", "cpus": _cpus()}
        return
    address = address or os.environ.get("RAY_ADDRESS") or None
    kwargs: dict[str, Any] = {"log_to_driver": False, "configure_logging": False}
    main = threading.current_thread() is threading.main_thread()
    sigterm = signal.getsignal(signal.SIGTERM) if main else None
    if address:
        if ship_code:
            kwargs["runtime_env"] = runtime_env_for_cluster()
        ray.init(address=address, **kwargs)
    else:
        ray.init(num_cpus=num_cpus, include_dashboard=False, **kwargs)
    if callable(sigterm):  # the caller handles SIGTERM (a run drains): keep it so
        signal.signal(signal.SIGTERM, sigterm)
    try:
        yield {"started": True, "address": address or "local", "cpus": _cpus()}
    finally:
        ray.shutdown()
