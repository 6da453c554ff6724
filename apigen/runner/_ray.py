"""Starting or joining Ray for a run."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ray

__all__ = ["ray_session", "runtime_env_for_cluster"]


def runtime_env_for_cluster(
    domains: Iterable[str] = (), *, ship_code: bool = True
) -> dict[str, Any]:
    """What cluster workers need to run ``domains``. With ``ship_code``: this checkout's
    ``apigen`` and ``environments`` packages and each plug-in domain's top-level package
    (Ray uploads them once per job). Always: the plug-ins' ``module:attr`` targets in
    ``$APIGEN_PLUGIN_DOMAINS``, so a worker imports the driver's plug-in even without
    its entry point, and a worker lacking the package fails with a one-line
    :class:`apigen.errors.ConfigError` naming it (which ends the run)."""
    import apigen
    import environments
    from apigen.env import SOURCES_ENV, domain_source

    mods = [str(Path(m.__file__).resolve().parent) for m in (apigen, environments)]  # type: ignore[arg-type]
    targets = {}
    for name in sorted(set(domains)):
        source = domain_source(name)
        if source.target is None or source.package in ("apigen", "environments"):
            continue
        targets[name] = source.target
        if source.path is not None and str(source.path) not in mods:
            mods.append(str(source.path))
    env: dict[str, Any] = {"py_modules": mods} if ship_code else {}
    if targets:
        env["env_vars"] = {SOURCES_ENV: ",".join(f"{k}={v}" for k, v in targets.items())}
    return env  # workers import apigen (which sets litellm env) first


def _cpus() -> int:
    return int(ray.cluster_resources().get("CPU", 0))


@contextmanager
def ray_session(
    address: str | None = None,
    *,
    num_cpus: int | None = None,
    ship_code: bool = True,
    domains: Iterable[str] = (),
) -> Iterator[dict[str, Any]]:
    """Use Ray for the duration of the block.

    ``address`` (or ``RAY_ADDRESS``) joins a cluster with the runtime environment of
    :func:`runtime_env_for_cluster` (the project and the plug-ins of ``domains``
    shipped when ``ship_code``); otherwise a local instance is started and shut down
    afterwards. An already initialised Ray (tests, notebooks) is reused as is. Yields
    ``started`` (whether this block started Ray), ``address`` and ``cpus`` (Ray's CPUs).
    """
    if ray.is_initialized():
        yield {"started": False, "address": "existing", "cpus": _cpus()}
        return
    address = address or os.environ.get("RAY_ADDRESS") or None
    kwargs: dict[str, Any] = {"log_to_driver": False, "configure_logging": False}
    if address:
        runtime_env = runtime_env_for_cluster(domains, ship_code=ship_code)
        if runtime_env:
            kwargs["runtime_env"] = runtime_env
        ray.init(address=address, **kwargs)
    else:
        ray.init(num_cpus=num_cpus, include_dashboard=False, **kwargs)
    try:
        yield {"started": True, "address": address or "local", "cpus": _cpus()}
    finally:
        ray.shutdown()
