"""Starting or joining Ray for a run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ray

__all__ = ["ray_session", "runtime_env_for_cluster"]


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
    afterwards. An already initialised Ray (tests, notebooks) is reused as is. Yields
    ``started`` (whether this block started Ray), ``address`` and ``cpus`` (Ray's CPUs).
    """
    if ray.is_initialized():
        yield {"started": False, "address": "existing", "cpus": _cpus()}
        return
    address = address or os.environ.get("RAY_ADDRESS") or None
    kwargs: dict[str, Any] = {"log_to_driver": False, "configure_logging": False}
    if address:
        if ship_code:
            kwargs["runtime_env"] = runtime_env_for_cluster()
        ray.init(address=address, **kwargs)
    else:
        ray.init(num_cpus=num_cpus, include_dashboard=False, **kwargs)
    try:
        yield {"started": True, "address": address or "local", "cpus": _cpus()}
    finally:
        ray.shutdown()
