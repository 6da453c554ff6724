"""State as named tables of frozen JSON records, and copy-on-write views over it.

The pristine state is a :class:`Database`: ``{table: {key: record}}`` with every
record deeply frozen. A sandbox never copies it; it layers a private overlay
(and, while a tool runs, a per-call staging layer) on top. Reads fall through the
layers; writes land in the top layer only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from apigen.env._frozen import FrozenDict, freeze, thaw
from apigen.errors import ModelFacingError

__all__ = ["DB", "Database", "NotFound", "TableView"]

_DELETED: Any = object()
"""Tombstone marking a record deleted in an overlay."""

Layer = dict[str, dict[str, Any]]
"""table -> key -> frozen record or ``_DELETED``."""


class NotFound(ModelFacingError, LookupError):
    """A key is not in a table. Its message reads well as a tool error."""

    def __init__(self, table: str, key: str) -> None:
        super().__init__(f"{table} {key!r} not found")
        self.table = table
        self.key = key

    def __str__(self) -> str:
        return str(self.args[0])


class Database:
    """Pristine, deeply frozen state. Build once per (domain, seed, scale); share freely."""

    def __init__(self, tables: Mapping[str, Mapping[str, Any]]) -> None:
        self._tables: dict[str, dict[str, Any]] = {
            name: {str(k): freeze(v) for k, v in rows.items()} for name, rows in tables.items()
        }

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(self._tables)

    def table(self, name: str) -> Mapping[str, Any]:
        return self._tables[name]

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self._tables.items()}

    def view(self) -> DB:
        """A read-only view of the pristine state."""
        return DB(self, (), writable=False)


class TableView:
    """One table seen through a stack of layers (top first), then the pristine rows.

    Reads return frozen records (no copy). ``edit(key)`` returns a mutable copy;
    assigning ``table[key] = record`` writes it to the top layer.
    """

    __slots__ = ("_base", "_layers", "_name", "_writable")

    def __init__(
        self, name: str, base: dict[str, Any], layers: list[dict[str, Any]], writable: bool
    ) -> None:
        self._name = name
        self._base = base
        self._layers = layers
        self._writable = writable

    def _lookup(self, key: str) -> Any:
        for layer in self._layers:
            if key in layer:
                return layer[key]
        return self._base.get(key, _DELETED)

    def get(self, key: str, default: Any = None) -> Any:
        value = self._lookup(key)
        return default if value is _DELETED else value

    def __getitem__(self, key: str) -> Any:
        value = self._lookup(key)
        if value is _DELETED:
            raise NotFound(self._name, key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup(key) is not _DELETED

    def edit(self, key: str) -> dict[str, Any]:
        """A deep, mutable copy of ``key``'s record; assign it back to write."""
        return thaw(self[key])

    def __setitem__(self, key: str, record: Mapping[str, Any]) -> None:
        self._check_writable()
        self._layers[0][key] = freeze(dict(record))

    def __delitem__(self, key: str) -> None:
        self._check_writable()
        if key not in self:
            raise NotFound(self._name, key)
        self._layers[0][key] = _DELETED

    def _check_writable(self) -> None:
        if not self._writable:
            raise PermissionError(f"table {self._name!r} is read-only in this view")

    def keys(self) -> Iterator[str]:
        """Pristine keys in their order (deleted ones skipped), then added keys."""
        if not any(self._layers):
            yield from self._base
            return
        for key in self._base:
            if self._lookup(key) is not _DELETED:
                yield key
        seen: set[str] = set()
        for layer in reversed(self._layers):
            for key in layer:
                if key not in self._base and key not in seen:
                    seen.add(key)
                    if self._lookup(key) is not _DELETED:
                        yield key

    __iter__ = keys

    def values(self) -> Iterator[FrozenDict]:
        for key in self.keys():
            yield self._lookup(key)

    def items(self) -> Iterator[tuple[str, FrozenDict]]:
        for key in self.keys():
            yield key, self._lookup(key)

    def __len__(self) -> int:
        if not any(self._layers):
            return len(self._base)
        return sum(1 for _ in self.keys())


class DB:
    """What a tool receives: tables as attributes (``db.orders``) or items (``db["orders"]``)."""

    __slots__ = ("_database", "_layers", "_views", "_writable", "session")

    def __init__(
        self,
        database: Database,
        layers: tuple[Layer, ...],
        *,
        writable: bool,
        session: dict[str, Any] | None = None,
    ) -> None:
        self._database = database
        self._layers = layers
        self._writable = writable
        self._views: dict[str, TableView] = {}
        self.session: dict[str, Any] = session if session is not None else {}
        """One sandbox's private objects, the same dict for each of its calls: where an
        adapted environment whose state lives in Python objects (BFCL's API classes)
        keeps its live instances. Not part of the state, ``diff`` or ``state_hash``."""

    def __getitem__(self, table: str) -> TableView:
        view = self._views.get(table)
        if view is None:
            base = self._database._tables.get(table)
            if base is None:
                raise KeyError(f"no table {table!r} (tables: {', '.join(self._database.tables)})")
            stack = [layer.setdefault(table, {}) for layer in self._layers]
            view = TableView(table, base, stack, self._writable and bool(stack))
            self._views[table] = view
        return view

    def __getattr__(self, table: str) -> TableView:
        if table.startswith("_"):
            raise AttributeError(table)
        try:
            return self[table]
        except KeyError as exc:
            raise AttributeError(str(exc)) from None

    @property
    def tables(self) -> tuple[str, ...]:
        return self._database.tables
