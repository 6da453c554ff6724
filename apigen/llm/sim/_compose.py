"""``sim/generator`` compose mode: a task composed from what the prompt shows, nothing else.

It reads only :data:`ContextKey.PROMPT` — the template variables the generator prompt
renders (tools with their schemas, id kinds and declarations; the write tools; the
entity neighbourhood; the identity; the persona) — plus the round and the feedback
the prompt carries. No planner, no answer key: arguments are filled by schema and
entity kind from the neighbourhood, preferring values inside the record the call is
about (an order's own items and payment method), avoiding values the previous
round's feedback named, so validation, not a key, decides what is kept. Yields
measured with it describe this sim, not a model.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from apigen.env import mentions
from apigen.llm.sim._common import field_value, humanize
from apigen.types import JSON, ToolCall

__all__ = ["Composed", "compose"]


@dataclass(frozen=True)
class Composed:
    """A composed task before faults: the auth calls come first in ``actions``."""

    instruction_parts: list[str]
    actions: list[ToolCall]
    outputs: list[str]
    n_auth: int
    writes: list[ToolCall]


@dataclass(frozen=True)
class _Cand:
    value: str
    kind: str
    source: tuple[str, str]
    record: JSON


def _walk(value: JSON, fields: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """(kind, id) pairs under id fields of a record, at any depth."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            kind = fields.get(str(k))
            if kind is not None:
                if isinstance(v, str):
                    yield kind, v
                elif isinstance(v, list):
                    yield from ((kind, x) for x in v if isinstance(x, str))
                elif isinstance(v, Mapping):
                    yield from ((kind, str(x)) for x in v)
            yield from _walk(v, fields)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, fields)


def _candidates(nb: Mapping[str, Any]) -> list[_Cand]:
    fields: Mapping[str, str] = nb.get("fields") or {}
    out: list[_Cand] = []
    for table, records in nb["records"].items():
        kind = nb["kinds"].get(table)
        for key, record in records.items():
            if kind:
                out.append(_Cand(str(key), kind, (table, str(key)), record))
            for k, v in _walk(record, fields):
                out.append(_Cand(v, k, (table, str(key)), record))
    return out


def _contains(record: JSON, value: str) -> bool:
    if isinstance(record, str):
        return record == value
    if isinstance(record, Mapping):
        return any(str(k) == value or _contains(v, value) for k, v in record.items())
    if isinstance(record, list):
        return any(_contains(v, value) for v in record)
    return False


def _vary(value: str, rng: random.Random) -> str:
    """A value of the same shape: digits redrawn (a new street number, a new zip)."""
    return re.sub(r"\d", lambda _m: str(rng.randrange(10)), value)


class _Filler:
    """Fills one call's arguments by schema and entity kind."""

    def __init__(
        self,
        cands: list[_Cand],
        root: JSON,
        avoid: str,
        rng: random.Random,
        entities: Mapping[str, str],
        free_text: set[str],
    ) -> None:
        self.cands, self.root, self.avoid, self.rng = cands, root, avoid, rng
        self.entities, self.free_text = entities, free_text
        self.words: set[str] = set()
        """Words of the tool's name and description: a record whose status-like value
        is one of them ("pending" for cancel_pending_order) suits the call."""
        self.anchor: JSON = None
        self.chosen: list[str] = []

    def _pick_id(self, kind: str) -> str | None:
        pool = [c for c in self.cands if c.kind == kind and c.value not in self.chosen]
        if not pool:
            return None

        def score(c: _Cand) -> int:
            s = 0
            if self.anchor is not None and _contains(self.anchor, c.value):
                s += 2
            if any(_contains(c.record, v) for v in self.chosen):
                s += 1
            if self.anchor is None and isinstance(c.record, Mapping):
                s += any(isinstance(v, str) and v in self.words for v in c.record.values())
            if self.avoid and mentions(self.avoid, c.value):
                s -= 4
            return s

        best = max(score(c) for c in pool)
        pick = self.rng.choice(sorted({c.value for c in pool if score(c) == best}))
        if self.anchor is None:
            self.anchor = next(c.record for c in pool if c.value == pick)
        self.chosen.append(pick)
        return pick

    def value(self, name: str, schema: Mapping[str, Any], width: int = 1) -> JSON:
        kind = self.entities.get(name)
        kind = kind or self.entities.get(name.removesuffix("s"))
        typ = schema.get("type")
        if "enum" in schema:
            options = [o for o in schema["enum"] if not (self.avoid and mentions(self.avoid, o))]
            return self.rng.choice(options or schema["enum"])
        if typ == "array":
            items = schema.get("items", {})
            return [self.value(name, items) for _ in range(width)]
        if kind is not None and typ in (None, "string"):
            return self._pick_id(kind)
        if typ == "object":
            props = schema.get("properties", {})
            return {p: self.value(p, props[p]) for p in schema.get("required", list(props))}
        if typ == "boolean":
            return self.rng.random() < 0.5
        if typ in ("integer", "number"):
            return self.rng.randint(1, 50)
        if name in self.free_text:
            return f"The customer asked for help with {humanize(name)}."
        for source in (self.anchor, self.root):
            found = field_value(source, name)
            if isinstance(found, str):
                return _vary(found, self.rng) if found and self.rng.random() < 0.7 else found
        return f"{humanize(name)} {self.rng.randrange(100, 999)}"


def _call(
    tool: Mapping[str, Any],
    cands: list[_Cand],
    root: JSON,
    avoid: str,
    rng: random.Random,
) -> ToolCall:
    params = tool["parameters"]
    props: Mapping[str, Any] = params.get("properties", {})
    free = set((tool.get("declarations") or {}).get("free_text", ()))
    filler = _Filler(cands, root, avoid, rng, tool.get("entities") or {}, free)
    filler.words = set(re.findall(r"[a-z]+", f"{tool['name']} {tool['description']}".lower()))
    width = 1 if rng.random() < 0.75 else 2
    args: dict[str, JSON] = {}
    ordered = sorted(props, key=lambda p: (p not in filler.entities, list(props).index(p)))
    for p in ordered:
        if p in params.get("required", []):
            args[p] = filler.value(p, props[p], width)
    return ToolCall(name=tool["name"], arguments={p: args[p] for p in props if p in args})


def _reads_for(
    call: ToolCall, tools: Mapping[str, Mapping[str, Any]], allowed: list[str]
) -> list[ToolCall]:
    """Reads taking exactly one id the call uses (what an agent looks up first)."""
    kinds = tools[call.name].get("entities") or {}
    out = []
    for p, kind in kinds.items():
        value = call.arguments.get(p)
        if not isinstance(value, str):
            continue
        for name in allowed:
            ents = tools[name].get("entities") or {}
            if list(ents.values()) == [kind]:
                out.append(ToolCall(name=name, arguments={next(iter(ents)): value}))
                break
    return out


def _fact(name: str, value: JSON) -> str:
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    elif isinstance(value, Mapping):
        value = ", ".join(f"{humanize(str(k))} {v}" for k, v in value.items())
    return f"The {humanize(name)} is {value}."


def _info_task(
    prompt: Mapping[str, Any], cands: list[_Cand], tools: Mapping[str, Any], rng: random.Random
) -> tuple[list[ToolCall], list[str], list[str]]:
    """A read of one record and a short field of it to report."""
    options = []
    for name in prompt["reads"]:
        ents = tools[name].get("entities") or {}
        if len(ents) != 1:
            continue
        ((param, kind),) = ents.items()
        for c in cands:
            if c.kind == kind and c.source[1] == c.value and isinstance(c.record, Mapping):
                options.append((name, param, c))
    if not options:
        return [], [], []
    name, param, c = rng.choice(options)
    assert isinstance(c.record, Mapping)
    facts = [
        (k, v)
        for k, v in c.record.items()
        if isinstance(v, str | int | float)
        and not isinstance(v, bool)
        and k not in (prompt["neighbourhood"].get("fields") or {})
        and str(v) != c.value
        and len(str(v)) <= 30
    ]
    if not facts:
        return [], [], []
    field, value = rng.choice(facts)
    ask = f"You want to know the {humanize(field)} of {humanize(c.kind)} {c.value}."
    return [ToolCall(name=name, arguments={param: c.value})], [str(value)], [ask]


def compose(prompt: Mapping[str, Any], feedback: str, rng: random.Random) -> Composed:
    """Compose a task from the prompt's variables (see the module docstring)."""
    tools = {t["name"]: t for t in prompt["tools"]}
    nb = prompt["neighbourhood"]
    root = nb["records"][nb["root"][0]][nb["root"][1]]
    cands = _candidates(nb)
    parts: list[str] = []
    actions: list[ToolCall] = []
    identity = prompt.get("identity")
    if identity:
        actions.append(ToolCall(name=identity["tool"], arguments=identity["arguments"]))
        parts += [_fact(k, v) for k, v in identity["arguments"].items()]
    n_auth = len(actions)
    root_reads = [
        n
        for n in prompt["reads"]
        if list((tools[n].get("entities") or {}).values()) == [nb["kinds"].get(nb["root"][0])]
    ]
    if prompt["information_only"]:
        calls, outputs, asks = _info_task(prompt, cands, tools, rng)
        return Composed(parts + asks, actions + calls, outputs, n_auth, [])
    if root_reads:
        read = tools[root_reads[0]]
        param = next(iter(read["entities"]))
        actions.append(ToolCall(name=read["name"], arguments={param: nb["root"][1]}))
    writes = []
    for j, name in enumerate(prompt["writes"]):
        call = _call(tools[name], cands, root, feedback, rng)
        for read in _reads_for(call, tools, prompt["reads"]):
            if read not in actions:
                actions.append(read)
        actions.append(call)
        writes.append(call)
        lead = "" if j == 0 else rng.choice(("Then ", "After that, ", "Next, "))
        want = f"{lead}you want to {humanize(name)}."
        parts.append(want[:1].upper() + want[1:])
        free = set((tools[name].get("declarations") or {}).get("free_text", ()))
        parts += [_fact(k, v) for k, v in call.arguments.items() if k not in free]
    return Composed(parts, actions, [], n_auth, writes)
