"""Deeply immutable JSON values: the pristine state is frozen so no sandbox can touch it."""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["FrozenDict", "freeze", "thaw"]


def _immutable(*_: Any, **__: Any) -> NoReturn:
    raise TypeError("state records are read-only here; use table.edit(key) for a mutable copy")


class FrozenDict(dict[str, Any]):
    """A ``dict`` that refuses mutation. JSON encoding and equality work as for ``dict``."""

    __slots__ = ()
    __setitem__ = __delitem__ = _immutable
    clear = pop = popitem = setdefault = update = __ior__ = _immutable

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        return self

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=lambda kv: kv[0])))


def freeze(value: Any) -> Any:
    """Return a deeply immutable copy: dicts become ``FrozenDict``, lists become tuples."""
    if isinstance(value, FrozenDict):
        return value
    if isinstance(value, dict):
        return FrozenDict({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Return a deeply mutable copy (plain ``dict`` / ``list``) of a frozen value."""
    if isinstance(value, dict):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(v) for v in value]
    return value
