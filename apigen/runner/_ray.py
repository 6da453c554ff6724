"""Starting or joining Ray for a run, and the options of its coordination actors."""

from __future__ import annotations

import os
import signal
import socket
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ray

from apigen.errors import ConfigError
from apigen.runner._reaper import Reaper, start_reaper

__all__ = ["check_address", "coordination_actor", "ray_session", "runtime_env_for_cluster"]

CONNECT_TIMEOUT_S = 10.0
"""How long joining a cluster may take to get a TCP answer before it is an error."""

_WHERE = "check --ray-address / RAY_ADDRESS"


def check_address(address: str | None, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Fail fast with a one-line :class:`ConfigError` when the cluster at ``address``
    (``host:port`` or ``ray://host:port``) does not answer on TCP within
    ``timeout_s`` (``ray.init`` itself retries for minutes). ``None``, ``auto`` and
    ``local`` are left to Ray."""
    if not address or address in ("auto", "local"):
        return
    target = address.removeprefix("ray://")
    host, sep, port = target.rpartition(":")
    if not sep or not host or not port.isdigit() or "/" in target:
        raise ConfigError(f"{address!r} is not HOST:PORT or ray://HOST:PORT", field="ray_address")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        why = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise ConfigError(
            f"cannot reach the Ray cluster at {address} within {timeout_s:g}s ({why}); {_WHERE}",
            field="ray_address",
        ) from None


_TOKEN_HINT = (
    "requires token authentication: set RAY_AUTH_MODE=token and its token "
    "(RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH)"
)


def _join(address: str, kwargs: dict[str, Any]) -> None:
    """``ray.init(address=…)`` with its failures as one line: Ray's own retries log to
    file descriptor 2 from C++, so that output is held back and replayed only when
    the join succeeds."""
    from ray.exceptions import AuthenticationError

    check_address(address)
    with tempfile.TemporaryFile() as held:
        saved = os.dup(2)
        os.dup2(held.fileno(), 2)
        try:
            ray.init(address=address, **kwargs)
        except (AuthenticationError, ConnectionError) as exc:
            chain = f"{exc} {exc.__cause__ or exc.__context__ or ''}"
            if isinstance(exc, AuthenticationError) or "InvalidAuthToken" in chain:
                message = f"the Ray cluster at {address} {_TOKEN_HINT}"
            else:
                message = f"cannot join the Ray cluster at {address}: {exc}; {_WHERE}"
            raise ConfigError(message, field="ray_address") from None
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        held.seek(0)
        data = held.read()
        while data:
            data = data[os.write(2, data) :]


def coordination_actor(cls: type, *args: Any, name: str | None = None) -> Any:
    """Start ``cls(*args)`` as one of a run's coordination actors (the dedup arbiter,
    the rate broker): no CPU, and restarted by Ray whenever its process dies, its
    callers' pending calls retried on the restarted actor (``__init__`` runs again
    with ``args``). Losing one therefore never looks like losing a worker."""
    options: dict[str, Any] = {"num_cpus": 0, "max_restarts": -1, "max_task_retries": -1}
    if name is not None:
        options["name"] = name
    return ray.remote(**options)(cls).remote(*args)


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
    shipped when ``ship_code``); an unreachable address, or a cluster that wants a
    token the environment lacks, is a one-line :class:`ConfigError` within
    :data:`CONNECT_TIMEOUT_S`. Otherwise a local instance is started and shut down
    afterwards, watched by a reaper (:mod:`apigen.runner._reaper`) that kills its
    processes at once if this process dies without shutting it down (``kill -9``);
    a cluster's processes are never touched. An already initialised Ray (tests,
    notebooks) is reused as is. A SIGTERM handler the caller installed stays in place
    (``ray.init`` replaces it with one that exits at once). Yields
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
        runtime_env = runtime_env_for_cluster(domains, ship_code=ship_code)
        if runtime_env:
            kwargs["runtime_env"] = runtime_env
        _join(address, kwargs)
        reaper = Reaper()  # a cluster's processes are never this process's to reap
    else:
        reaper = start_reaper()  # before ray.init: a driver killed while Ray starts too
        try:
            # "local": always a new instance, never a cluster `ray start` left on this machine
            context = ray.init(
                address="local", num_cpus=num_cpus, include_dashboard=False, **kwargs
            )
        except BaseException:
            reaper.stop()
            raise
        reaper.watch(context.address_info["session_dir"])  # type: ignore[attr-defined]
    if callable(sigterm):  # the caller handles SIGTERM (a run drains): keep it so
        signal.signal(signal.SIGTERM, sigterm)
    try:
        yield {"started": True, "address": address or "local", "cpus": _cpus()}
    finally:
        ray.shutdown()
        reaper.stop()
