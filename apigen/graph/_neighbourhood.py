"""Entity neighbourhoods drawn generically from a state: no domain code.

A table whose records are mappings is an *entity table*; its entity kind is the
``Entity`` kind annotated on the record field that holds the record's own key (found
in the tools' parameter and result types), else ``None``. A record *references*
another when one of its string leaves is that other record's key. A neighbourhood is
a root record, the records it references, the records that reference it, and the
records those reference, bounded in number.
"""

from __future__ import annotations

import random
import typing
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import typing_extensions
from pydantic import BaseModel

from apigen.env import Domain, Entity, Environment, thaw
from apigen.types import JSON

__all__ = [
    "Neighbourhood",
    "entity_tables",
    "field_kinds",
    "root_tables",
    "sample_neighbourhood",
]


def _kinds_of(tp: Any) -> set[str]:
    """Entity kinds of a field's annotation: its marker, or its items' / keys' markers."""
    if typing.get_origin(tp) is typing.Annotated:
        base, *meta = typing.get_args(tp)
        return {m.kind for m in meta if isinstance(m, Entity)} or _kinds_of(base)
    args = typing.get_args(tp)
    origin = typing.get_origin(tp)
    if origin in (list, tuple, set, frozenset) or (origin is not None and args and len(args) == 1):
        return _kinds_of(args[0]) if args else set()
    if origin is dict and args:
        return _kinds_of(args[0])
    return set()


def _record_types(tp: Any, seen: set[int]) -> Iterator[Any]:
    """TypedDicts and pydantic models reachable in a type (``tp`` included)."""
    if id(tp) in seen:
        return
    seen.add(id(tp))
    if isinstance(tp, type) and (typing_extensions.is_typeddict(tp) or issubclass(tp, BaseModel)):
        yield tp
        hints = typing.get_type_hints(tp, include_extras=True)
        for hint in hints.values():
            yield from _record_types(hint, seen)
        return
    for arg in typing.get_args(tp):
        yield from _record_types(arg, seen)


def field_kinds(domain: Domain) -> dict[str, str]:
    """Field or parameter name -> entity kind, from every tool's parameter and result
    types (``order_id: OrderId`` and ``orders: list[OrderId]`` both map)."""
    found: dict[str, str] = {}
    for t in domain.tools:
        hints = typing.get_type_hints(t.fn, include_extras=True)
        for name, hint in hints.items():
            kinds = _kinds_of(hint)
            if name != "return" and len(kinds) == 1:
                found.setdefault(name, next(iter(kinds)))
            for record in _record_types(hint, set()):
                for fname, fhint in typing.get_type_hints(record, include_extras=True).items():
                    fkinds = _kinds_of(fhint)
                    if len(fkinds) == 1:
                        found.setdefault(fname, next(iter(fkinds)))
    return found


def entity_tables(env: Environment) -> dict[str, str | None]:
    """Entity table -> its entity kind (``None`` when no annotated field holds the key)."""
    kinds = field_kinds(env.domain)
    out: dict[str, str | None] = {}
    for name in env.database.tables:
        table = env.database.table(name)
        sample = [(k, table[k]) for k, _ in zip(table, range(20), strict=False)]
        if not sample or not all(isinstance(r, Mapping) for _, r in sample):
            continue
        key_fields = [f for f in sample[0][1] if all(r.get(f) == k for k, r in sample)]
        out[name] = next((kinds[f] for f in key_fields if f in kinds), None)
    return out


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


Ref = tuple[str, str]
"""(table, key) of a record."""


@dataclass
class _Index:
    tables: dict[str, str | None]
    forward: dict[Ref, list[Ref]] = field(default_factory=dict)
    backward: dict[Ref, list[Ref]] = field(default_factory=dict)


_INDEXES: weakref.WeakKeyDictionary[Environment, _Index] = weakref.WeakKeyDictionary()


def _index(env: Environment) -> _Index:
    cached = _INDEXES.get(env)
    if cached is not None:
        return cached
    idx = _Index(entity_tables(env))
    owner: dict[str, Ref] = {}
    for name in idx.tables:
        for key in env.database.table(name):
            owner.setdefault(str(key), (name, str(key)))
    for name in idx.tables:
        for key, record in env.database.table(name).items():
            me = (name, str(key))
            refs = []
            for s in _strings(record):
                other = owner.get(s)
                if other is not None and other != me and other not in refs:
                    refs.append(other)
            idx.forward[me] = refs
            for other in refs:
                idx.backward.setdefault(other, []).append(me)
    _INDEXES[env] = idx
    return idx


@dataclass(frozen=True)
class Neighbourhood:
    """A root record and the records around it (thawed copies, by table and key)."""

    root: Ref
    records: dict[str, dict[str, JSON]]
    kinds: dict[str, str | None]
    """Entity kind of each table present (``None`` when unannotated)."""

    @property
    def root_record(self) -> JSON:
        return self.records[self.root[0]][self.root[1]]

    def refs(self) -> dict[str, list[str]]:
        """Keys by table (what ``Blueprint.context`` keeps)."""
        return {t: list(keys) for t, keys in self.records.items()}

    def __len__(self) -> int:
        return sum(len(v) for v in self.records.values())


def root_tables(env: Environment, consumed: set[str]) -> list[str]:
    """Tables a neighbourhood can start from: those of the kinds ``authenticates``
    tools identify (the user: the kinds of their parameters, else of their result),
    else of the kinds in ``consumed``, else every table."""
    tables = _index(env).tables
    names = field_kinds(env.domain)
    identified: set[str] = set()
    for t in env.domain.tools:
        if t.authenticates:
            by_param = {names[p] for p in t.parameters.get("properties", {}) if p in names}
            identified |= by_param or set(t.produces)
    for wanted in (identified, consumed):
        found = sorted(t for t, k in tables.items() if k in wanted and len(env.database.table(t)))
        if found:
            return found
    return sorted(t for t in tables if len(env.database.table(t)))


def sample_neighbourhood(
    env: Environment,
    rng: random.Random,
    *,
    consumed: set[str] = frozenset(),  # type: ignore[assignment]
    max_records: int = 12,
    at_least: int = 2,
    root_key: str | None = None,
) -> Neighbourhood:
    """A seeded neighbourhood: a root record of a :func:`root_tables` table, then the
    records it references and that reference it, then the records those reference,
    up to ``max_records``; every kind in ``consumed`` gets ``at_least`` records when
    its table has them (a transfer needs a second account) — unless the world has
    ``authenticates`` tools (an identified human acts on their own records only).
    ``root_key`` fixes the root (a planned sketch's user)."""
    idx = _index(env)
    tables = root_tables(env, consumed)
    holding = [t for t in tables if root_key is not None and root_key in env.database.table(t)]
    if holding:
        root = (holding[0], str(root_key))
    else:
        table = rng.choice(tables)
        keys = sorted(env.database.table(table))
        root = (table, keys[rng.randrange(len(keys))])
    chosen: list[Ref] = [root]

    def add(refs: list[Ref]) -> None:
        for r in rng.sample(refs, len(refs)):
            if len(chosen) < max_records and r not in chosen:
                chosen.append(r)

    add(idx.forward.get(root, []))
    add(idx.backward.get(root, []))
    for ref in list(chosen[1:]):
        add(idx.forward.get(ref, []))
    one_user = any(t.authenticates for t in env.domain.tools)
    for name, kind in sorted(idx.tables.items(), key=lambda kv: kv[0]):
        have = [r for r in chosen if r[0] == name]
        if one_user:
            break  # an identified human acts on their own records only
        if kind in consumed and len(have) < at_least:
            pool = sorted(set(env.database.table(name)) - {k for _, k in have})
            more = rng.sample(pool, min(at_least - len(have), len(pool)))
            chosen.extend((name, k) for k in more)
    records: dict[str, dict[str, JSON]] = {}
    for name, key in chosen:
        records.setdefault(name, {})[key] = thaw(env.database.table(name)[key])
    return Neighbourhood(root=root, records=records, kinds={t: idx.tables[t] for t in records})
