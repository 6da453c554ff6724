"""The roles registry: who calls models, and which models play them by default.

A role is a name the phases call models under (``client.complete("judge", ...)``);
the settings tree says which models play it (``models.<role>``), and usage is
accounted per role. Adding a role is one call to :func:`register_role` (in the
module that uses the role); ``models.<name>`` then works in every settings file,
environment variable (``APIGEN_MODELS__<NAME>__MODELS``) and run-wide rate limit.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from apigen.errors import ConfigError

__all__ = ["Role", "get_role", "register_role", "role_names"]


@dataclass(frozen=True)
class Role:
    """One registered role."""

    name: str
    models: tuple[str, ...]
    """Default models, in order (a committee lists one per member). Offline ``sim/…``
    models by convention, so a fresh checkout runs without keys."""
    doc: str
    """What the role does (shown by ``apigen init`` next to its settings)."""


_lock = threading.Lock()
_roles: dict[str, Role] = {}


def register_role(name: str, *, models: tuple[str, ...] | list[str], doc: str) -> Role:
    """Register ``name`` with its default ``models``; registering the same role
    again with the same defaults is a no-op, with other defaults an error."""
    if not name.isidentifier() or name != name.lower():
        raise ValueError(f"role names are lower-case identifiers, not {name!r}")
    if not models:
        raise ValueError(f"role {name!r} needs at least one default model")
    role = Role(name=name, models=tuple(models), doc=" ".join(doc.split()))
    with _lock:
        known = _roles.get(name)
        if known is not None and known != role:
            raise ValueError(f"role {name!r} is already registered with other defaults")
        _roles[name] = role
    return role


def get_role(name: str) -> Role:
    """The registered role ``name``; an unknown one raises :class:`ConfigError`
    listing the known roles."""
    role = _roles.get(name)
    if role is None:
        raise ConfigError(f"unknown role {name!r} (known: {', '.join(role_names())})")
    return role


def role_names() -> tuple[str, ...]:
    """Every registered role, in registration order."""
    return tuple(_roles)


register_role("generator", models=("sim/generator",), doc="Writes task blueprints (phase 1).")
register_role(
    "reviewer",
    models=("sim/reviewer",) * 3,
    doc="Blueprint review committee, one model per member (phase 1).",
)
register_role(
    "feedback",
    models=("sim/reviewer",),
    doc="Condenses failed validation into regeneration feedback when "
    "phase1.condense_feedback is on (the sim reviewer writes critiques; there is no "
    "separate sim feedback model).",
)
register_role("human", models=("sim/human",), doc="Simulated human (phase 2).")
register_role("agent", models=("sim/agent",), doc="Agent under test, function calling (phase 2).")
register_role(
    "judge",
    models=("sim/judge",) * 3,
    doc="Trajectory committee, one model per member; its first model also picks "
    "best-of-N human candidates (phase 2).",
)
