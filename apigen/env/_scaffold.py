"""``apigen envs new``: write a small, working domain package to start from."""

from __future__ import annotations

import keyword
import re
from pathlib import Path
from string import Template

from apigen.errors import ConfigError

__all__ = ["scaffold_domain"]

_TEMPLATES = Path(__file__).parent / "scaffold"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def scaffold_domain(name: str, out: Path) -> Path:
    """Write the package ``name`` into ``out/name`` and return that directory.

    The package holds ``pyproject.toml`` (the ``apigen.environments`` entry point),
    ``name/__init__.py`` (seeded state, two tools, policy checks, a task sampler),
    ``name/policy.md``, one curated blueprint in ``name/blueprints/`` and a test.
    ``name`` must be a lower-case Python identifier (it is the import name and the
    domain name); an existing ``out/name`` is never overwritten
    (:class:`ConfigError` for both).
    """
    if not _NAME.match(name) or keyword.iskeyword(name):
        raise ConfigError(
            f"{name!r} is not a valid domain name: use a lower-case Python identifier "
            "(letters, digits, _; at most 32 characters)",
            field="name",
        )
    root = out / name
    if root.exists():
        raise ConfigError(f"{root} already exists; choose another name or --out", field="out")
    for template in sorted(_TEMPLATES.rglob("*.tmpl")):
        relative = template.relative_to(_TEMPLATES).with_suffix("")
        parts = [
            name if p == "package" else Template(p).substitute(name=name) for p in relative.parts
        ]
        target = root.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(Template(template.read_text()).substitute(name=name))
    return root
