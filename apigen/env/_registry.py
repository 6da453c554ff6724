"""Domains by name: the built-ins under ``environments/`` and entry-point plug-ins.

Names resolve lazily: listing reads entry points only, and a domain's module is
imported on its first :func:`get_domain`. A plug-in whose import fails (or that is
not a :class:`Domain`) raises :class:`apigen.errors.ConfigError` naming the entry
point, its target and the missing package; it never stops other domains from
loading. :func:`domain_problems` says, one line each, which domains cannot load.
``$APIGEN_PLUGIN_DOMAINS`` (``name=module:attr,…``) adds sources the way entry
points do: the Ray runner sets it on cluster workers, which see the driver's
plug-ins that way even when the package was shipped rather than installed.
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.metadata import entry_points
from pathlib import Path

from apigen.env._domain import Domain, Environment
from apigen.errors import ConfigError, UnknownNameError

__all__ = [
    "SOURCES_ENV",
    "DomainSource",
    "domain_families",
    "domain_folder",
    "domain_names",
    "domain_problems",
    "domain_source",
    "get_domain",
    "load_environment",
    "register_domain",
]

ENTRY_POINT_GROUP = "apigen.environments"
SOURCES_ENV = "APIGEN_PLUGIN_DOMAINS"

_BUILTIN: dict[str, str] = {
    "airline": "environments.airline:DOMAIN",
    "retail": "environments.retail:DOMAIN",
}
_registered: dict[str, Domain] = {}
_FAMILIES: dict[str, tuple[str, str]] = {
    "taubench": ("apigen.adapters:taubench_domain", "a τ-bench-style package: taubench:<module>"),
    "bfcl": ("apigen.adapters:bfcl_domain", "a BFCL multi-turn entry: bfcl:<entry id>"),
}
"""Prefix -> (resolver of the rest of the name, what it names): adapted domains,
built on first lookup."""


def domain_families() -> dict[str, str]:
    """Name families resolved on lookup (``taubench:<module>``...), with what they name."""
    return {f"{prefix}:": about for prefix, (_, about) in _FAMILIES.items()}


def register_domain(domain: Domain) -> Domain:
    """Register ``domain`` under ``domain.name`` for this process (replacing any earlier one)."""
    _registered[domain.name] = domain
    get_domain.cache_clear()
    load_environment.cache_clear()
    return domain


def _sources() -> dict[str, str]:
    found = dict(_BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep.value)
    for pair in filter(None, os.environ.get(SOURCES_ENV, "").split(",")):
        name, _, target = pair.partition("=")
        found.setdefault(name.strip(), target.strip())
    return found


def domain_names() -> list[str]:
    """Every known domain name, sorted (a broken plug-in included: see :func:`domain_problems`)."""
    return sorted(set(_sources()) | set(_registered))


@dataclass(frozen=True)
class DomainSource:
    """Where a domain comes from (what the Ray runner ships to cluster workers)."""

    target: str | None
    """``module:attr`` of a built-in or plug-in, or of an instance given to
    :func:`register_domain` that its module holds; else ``None``."""
    package: str
    """The top-level package defining the domain (``"bank_env"``)."""
    path: Path | None
    """That package's directory; ``None`` for a single-file module."""


def domain_source(name: str) -> DomainSource:
    """Where domain ``name`` is defined (imports it)."""
    domain = get_domain(name)
    top = type(domain).__module__.partition(".")[0]
    paths = list(getattr(sys.modules.get(top), "__path__", []))
    target = _sources().get(name)
    if name in _registered:  # registered in this process: found again by where it lives
        module = sys.modules.get(type(domain).__module__)
        attrs = [k for k, v in vars(module).items() if v is domain] if module else []
        target = f"{module.__name__}:{attrs[0]}" if module and attrs else None
    return DomainSource(target, top, Path(paths[0]).resolve() if paths else None)


def domain_folder(name: str) -> Path | None:
    """The directory of the module defining domain ``name`` (a plug-in keeps its
    curated blueprints in ``blueprints/`` there); ``None`` when it has no file."""
    module = sys.modules.get(type(get_domain(name)).__module__)
    file = getattr(module, "__file__", None)
    return Path(file).resolve().parent if file else None


@cache
def get_domain(name: str) -> Domain:
    """The domain registered as ``name``; :class:`UnknownNameError` lists the known ones,
    :class:`ConfigError` says why a plug-in cannot be loaded."""
    if name in _registered:
        return _registered[name]
    prefix, colon, rest = name.partition(":")
    if colon and prefix in _FAMILIES:
        module_name, _, attr = _FAMILIES[prefix][0].partition(":")
        resolved = getattr(importlib.import_module(module_name), attr)(rest)
        if not isinstance(resolved, Domain):
            raise TypeError(f"{name} did not resolve to an apigen Domain")
        return resolved
    target = _sources().get(name)
    if target is None:
        raise UnknownNameError("domain", name, domain_names())
    module_name, _, attr = target.partition(":")
    where = f"domain {name!r} ({target})"
    try:
        module = importlib.import_module(module_name)
        if getattr(module, "__file__", None) is None:  # a bare folder of that name
            raise ModuleNotFoundError(name=module_name.partition(".")[0])
        obj = getattr(module, attr)
        domain = obj() if isinstance(obj, type) else obj
    except ModuleNotFoundError as exc:
        missing = exc.name or module_name
        raise ConfigError(
            f"{where} cannot be loaded: package {missing!r} is not importable on host "
            f"{socket.gethostname()} (install it there, or let the run ship it: ship_code)"
        ) from None
    except Exception as exc:  # a plug-in's own bug: one line, the others still load
        raise ConfigError(f"{where} cannot be loaded: {type(exc).__name__}: {exc}") from None
    if not isinstance(domain, Domain):
        raise ConfigError(f"{where} is not an apigen Domain")
    return domain


def domain_problems() -> list[str]:
    """One line per known domain that cannot be loaded (imports every domain)."""
    problems = []
    for name in domain_names():
        try:
            get_domain(name)
        except ConfigError as exc:
            problems.append(str(exc))
    return problems


@lru_cache(maxsize=16)
def load_environment(name: str, seed: int = 0, scale: int = 1) -> Environment:
    """The pristine environment of domain ``name``; cached, as it is never modified."""
    return get_domain(name).load(seed=seed, scale=scale)
