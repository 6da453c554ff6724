"""Registries by name with entry-point plug-ins (phase-1 stages, phase-2 verifiers, exporters).

A :class:`Registry` maps names to objects. Built-ins register when their module is
imported; third-party packages add theirs through an entry-point group
(``apigen.stages``, ``apigen.verifiers``, ``apigen.exporters``), loaded once, on the
first lookup. An entry point names a module (which registers on import) or an
object the registry adopts under the entry point's name. A plug-in that fails to
load or is of the wrong kind is reported (a warning on the ``apigen`` logger, and
:attr:`Registry.problems`) and skipped: one broken package never stops a run.
An unknown name raises :class:`apigen.errors.UnknownNameError` listing the known ones.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from importlib.metadata import entry_points
from types import ModuleType
from typing import Generic, TypeVar

from apigen.errors import UnknownNameError

__all__ = ["Registry"]

T = TypeVar("T")

_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")
_log = logging.getLogger("apigen")


class Registry(Generic[T]):
    """Names of one ``kind`` (``"stage"``) to objects, plus the plug-ins of ``group``.

    ``adopt(name, obj)`` turns what an entry point loaded into the registered
    object; it raises :class:`TypeError` for an object of the wrong kind.
    """

    def __init__(
        self, kind: str, group: str, adopt: Callable[[str, object], T], *, max_length: int = 32
    ) -> None:
        self.kind, self.group, self.max_length = kind, group, max_length
        self._adopt = adopt
        self._items: dict[str, T] = {}
        self._plugins_loaded = False
        self.problems: list[str] = []
        """One line per plug-in that could not be loaded."""

    def register(self, name: str, item: T) -> T:
        """Register ``item`` under ``name`` (replacing an earlier one); returns ``item``.

        Names are lower-case, start with a letter, hold only ``a-z 0-9 _ . -`` and at
        most ``max_length`` characters (they are stored in database columns).
        """
        if not _NAME.match(name) or len(name) > self.max_length:
            raise ValueError(
                f"{self.kind} name {name!r} must match {_NAME.pattern} "
                f"with at most {self.max_length} characters"
            )
        self._items[name] = item
        return item

    def unregister(self, name: str) -> None:
        """Forget ``name`` (tests registering a temporary plug-in clean up with it)."""
        self._items.pop(name, None)

    def rescan(self) -> None:
        """Look at the entry points again on the next lookup (a package installed
        after the first lookup of this process); earlier problems are forgotten."""
        self._plugins_loaded = False
        self.problems.clear()

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in entry_points(group=self.group):
            try:
                loaded = ep.load()
                if not isinstance(loaded, ModuleType):
                    self.register(ep.name, self._adopt(ep.name, loaded))
            except Exception as exc:  # a broken plug-in is reported, never fatal
                line = f"{self.group} plug-in {ep.name!r} ({ep.value}) skipped: {exc}"
                self.problems.append(line)
                _log.warning(line)

    def names(self) -> list[str]:
        """Every registered name, sorted (plug-ins included)."""
        self._load_plugins()
        return sorted(self._items)

    def get(self, name: str) -> T:
        """The object registered as ``name``; :class:`UnknownNameError` lists the known ones."""
        self._load_plugins()
        try:
            return self._items[name]
        except KeyError:
            raise UnknownNameError(self.kind, name, sorted(self._items)) from None

    def require(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """``names`` when all are registered; else :class:`ValueError` naming the first
        unknown one and listing the known ones (what configuration validators raise)."""
        known = self.names()
        for name in names:
            if name not in known:
                raise ValueError(f"unknown {self.kind} {name!r} (known: {', '.join(known)})")
        return names
