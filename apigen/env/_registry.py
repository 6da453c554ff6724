"""Domains by name: the built-ins under ``environments/`` and entry-point plug-ins."""

from __future__ import annotations

import importlib
from functools import cache, lru_cache
from importlib.metadata import entry_points

from apigen.env._domain import Domain, Environment
from apigen.errors import UnknownNameError

__all__ = [
    "domain_families",
    "domain_names",
    "get_domain",
    "load_environment",
    "register_domain",
]

ENTRY_POINT_GROUP = "apigen.environments"

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
    return found


def domain_names() -> list[str]:
    """Every known domain name, sorted."""
    return sorted(set(_sources()) | set(_registered))


@cache
def get_domain(name: str) -> Domain:
    """The domain registered as ``name``; :class:`UnknownNameError` lists the known ones."""
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
    obj = getattr(importlib.import_module(module_name), attr)
    domain = obj() if isinstance(obj, type) else obj
    if not isinstance(domain, Domain):
        raise TypeError(f"{target} is not an apigen Domain")
    return domain


@lru_cache(maxsize=16)
def load_environment(name: str, seed: int = 0, scale: int = 1) -> Environment:
    """The pristine environment of domain ``name``; cached, as it is never modified."""
    return get_domain(name).load(seed=seed, scale=scale)
