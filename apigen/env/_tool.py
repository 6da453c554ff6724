"""Tools: plain functions over the domain state, with schemas derived from signatures,
and the declarations the pipeline and the sim read instead of guessing from names."""

from __future__ import annotations

import copy
import inspect
import json
import re
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

import typing_extensions
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from apigen.errors import ModelFacingError

__all__ = ["UNSET", "Entity", "Tool", "ToolFailure", "tool", "tool_from_schema"]

ToolKind = Literal["read", "write"]


@dataclass(frozen=True)
class Entity:
    """Marks a value as an identifier of some entity kind, for the tool graph.

    ``UserId = Annotated[str, Entity("user_id")]``: a tool whose result contains a
    ``UserId`` can feed any tool that takes a ``UserId`` parameter.
    """

    kind: str


class ToolFailure(ModelFacingError):
    """Raised by a tool for an expected failure ("order is not pending").

    The sandbox turns it into a ``tool_error`` result the model reads; any other
    exception is reported the same way, with its type name.
    """


@dataclass(frozen=True, eq=False)
class Tool:
    """A tool of a domain. Build with :func:`tool`, not by hand."""

    name: str
    kind: ToolKind
    description: str
    fn: Callable[..., Any] = field(repr=False)
    args_model: type[BaseModel] = field(repr=False)
    parameters: dict[str, Any] = field(repr=False)
    """JSON schema of the arguments (an object; no ``$ref``)."""
    consumes: frozenset[str] = frozenset()
    """Entity kinds among the parameters."""
    produces: frozenset[str] = frozenset()
    """Entity kinds found in the declared result type."""
    confirm: bool = False
    """A consequential write: the agent states it and gets the user's explicit yes first
    (:func:`apigen.env.confirm_before_write`)."""
    handoff: bool = False
    """A write that hands the conversation to a person; made without a confirmation,
    after it the human simulator answers :data:`apigen.env.protocol.TRANSFER`."""
    authenticates: bool = False
    """A read whose arguments are what the user gives to identify and whose success
    identifies them (e.g. find a user by email)."""
    free_text: frozenset[str] = frozenset()
    """String parameters the agent composes itself (a summary, a note): no fact the
    user states, never grounded nor confirmed word for word."""

    @property
    def declarations(self) -> dict[str, Any]:
        """The declarations that are set, for display (``apigen envs show``)."""
        found: dict[str, Any] = {
            k: True for k in ("confirm", "handoff", "authenticates") if getattr(self, k)
        }
        if self.free_text:
            found["free_text"] = sorted(self.free_text)
        return found

    @property
    def schema(self) -> dict[str, Any]:
        """OpenAI function-calling definition."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """Return validated arguments or raise ``ValueError`` with a readable reason."""
        try:
            model = self.args_model.model_validate(arguments)
        except ValidationError as exc:
            raise ValueError(_describe_validation(exc)) from None
        return {name: getattr(model, name) for name in type(model).model_fields}


def tool(
    kind: ToolKind,
    *,
    name: str | None = None,
    confirm: bool = False,
    handoff: bool = False,
    authenticates: bool = False,
    free_text: Iterable[str] = (),
) -> Callable[[Callable[..., Any]], Tool]:
    """Declare a tool. The first parameter receives the state (``db``); the rest are
    the model-facing arguments, described by the docstring's ``Args:`` section.

    Declarations (see :class:`Tool`): ``confirm`` and ``handoff`` on writes (not both),
    ``authenticates`` on reads, ``free_text`` names string parameters. A declaration
    that does not fit raises ``TypeError`` at import time.
    """

    def wrap(fn: Callable[..., Any]) -> Tool:
        built = _build(fn, kind, name or fn.__name__)
        declared = replace(
            built,
            confirm=confirm,
            handoff=handoff,
            authenticates=authenticates,
            free_text=frozenset(free_text),
        )
        _check_declarations(declared)
        return declared

    return wrap


UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET"})()
"""The value :func:`tool_from_schema` tools receive for an optional argument the
call left out (so a foreign function's own default applies)."""

_JSON_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "float": float,
    "boolean": bool,
    "array": list[Any],
    "tuple": list[Any],
    "object": dict[str, Any],
    "dict": dict[str, Any],
}


def tool_from_schema(
    function: dict[str, Any],
    fn: Callable[..., Any],
    kind: ToolKind,
    *,
    entities: dict[str, str] | None = None,
    check_types: bool = True,
    **declarations: Any,
) -> Tool:
    """A tool from a foreign OpenAI function definition (``{name, description,
    parameters}``, as τ-bench's ``get_info()["function"]`` or a BFCL doc gives it).

    Arguments are checked against the schema's top-level property types (strict, as
    for :func:`tool`; BFCL's ``dict``/``float``/``tuple`` spellings are read as
    JSON Schema's), or with ``check_types=False`` only for names (unknown or missing
    required ones), as a foreign harness that passes ``**kwargs`` unchecked would
    run them; ``fn(db, **arguments)`` gets :data:`UNSET` for an optional
    argument the call left out. ``entities`` maps parameter names to entity kinds
    (the graph's edges); ``declarations`` are those of :func:`tool`.
    """
    name = function["name"]
    raw = json.dumps(function.get("parameters") or {})
    model, schema = _schema_model(name, raw, check_types)
    parameters = copy.deepcopy(schema)
    properties = parameters["properties"]
    consumes = frozenset((entities or {}).get(p) for p in properties) - {None}
    built = Tool(
        name=name,
        kind=kind,
        description=" ".join(str(function.get("description") or name).split()),
        fn=fn,
        args_model=model,
        parameters=parameters,
        consumes=frozenset(str(c) for c in consumes),
        produces=frozenset(declarations.pop("produces", ())),
    )
    declared = replace(built, **declarations)
    _check_declarations(declared)
    return declared


@lru_cache(maxsize=4096)
def _schema_model(
    name: str, raw_parameters: str, check_types: bool
) -> tuple[type[BaseModel], dict[str, Any]]:
    """The argument model and cleaned schema of a foreign definition (cached: an
    adapter builds the same tools for many worlds, and models are costly to build)."""
    raw = json.loads(raw_parameters)
    required = set(raw.get("required", ()))
    fields: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    for pname, prop in (raw.get("properties") or {}).items():
        declared = prop.get("type")
        hint = _JSON_TYPES.get(declared, Any) if check_types and isinstance(declared, str) else Any
        if prop.get("enum") and check_types:
            hint = Literal[tuple(prop["enum"])]
        properties[pname] = _json_schema_types(prop)
        properties[pname].setdefault("description", pname.replace("_", " "))
        if pname not in required:
            hint = hint | None
        fields[pname] = (hint, ... if pname in required else UNSET)
    model = create_model(
        f"{name}_args", __config__=ConfigDict(extra="forbid", strict=True), **fields
    )
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = sorted(required & set(properties))
    parameters["additionalProperties"] = False
    return model, parameters


def _json_schema_types(node: Any) -> Any:
    """BFCL's Python-flavoured type names (``dict``, ``float``, ``tuple``, ``any``)
    as JSON Schema's, recursively."""
    if isinstance(node, list):
        return [_json_schema_types(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema_types(v) for k, v in node.items()}
    spelled = {"dict": "object", "float": "number", "tuple": "array"}
    if isinstance(out.get("type"), str):
        if out["type"] == "any":
            del out["type"]
        else:
            out["type"] = spelled.get(out["type"], out["type"])
    return out


def _check_declarations(t: Tool) -> None:
    if (t.confirm or t.handoff) and t.kind != "write":
        raise TypeError(f"tool {t.name}: confirm and handoff are declarations of write tools")
    if t.confirm and t.handoff:
        raise TypeError(f"tool {t.name}: a hand-off is made without a confirmation")
    if t.authenticates and t.kind != "read":
        raise TypeError(f"tool {t.name}: authenticates is a declaration of read tools")
    props = t.parameters.get("properties", {})
    for param in sorted(t.free_text):
        schema = props.get(param)
        if schema is None:
            raise TypeError(f"tool {t.name}: free_text names unknown parameter {param!r}")
        if schema.get("type") != "string" or "enum" in schema:
            raise TypeError(f"tool {t.name}: free_text parameter {param!r} must be a plain str")


def _build(fn: Callable[..., Any], kind: ToolKind, name: str) -> Tool:
    hints = typing.get_type_hints(fn, include_extras=True)
    params = list(inspect.signature(fn).parameters.values())
    if not params:
        raise TypeError(f"tool {name}: the first parameter must receive the state")
    summary, arg_docs = _parse_docstring(inspect.getdoc(fn) or "")
    if not summary:
        raise TypeError(
            f"tool {name}: a docstring is required (it is the model-facing description)"
        )
    fields: dict[str, Any] = {}
    consumes: set[str] = set()
    for p in params[1:]:
        if p.name not in hints:
            raise TypeError(f"tool {name}: parameter {p.name!r} needs a type hint")
        if p.name not in arg_docs:
            raise TypeError(f"tool {name}: parameter {p.name!r} is not described under Args:")
        default = ... if p.default is inspect.Parameter.empty else p.default
        fields[p.name] = (hints[p.name], Field(default, description=arg_docs[p.name]))
        consumes |= _entities(hints[p.name])
    model = create_model(
        f"{name}_args", __config__=ConfigDict(extra="forbid", strict=True), **fields
    )
    parameters = _inline(model.model_json_schema())
    parameters.setdefault("properties", {})
    parameters["additionalProperties"] = False
    produces = _entities(hints["return"]) if "return" in hints else set()
    return Tool(
        name=name,
        kind=kind,
        description=summary,
        fn=fn,
        args_model=model,
        parameters=parameters,
        consumes=frozenset(consumes),
        produces=frozenset(produces),
    )


_SECTION = re.compile(r"^(Args|Arguments|Returns|Raises|Examples?|Notes?):\s*$")


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """Google-style docstring -> (description, {param: description})."""
    lines = doc.splitlines()
    summary: list[str] = []
    args: dict[str, str] = {}
    section = None
    current = None
    for line in lines:
        head = _SECTION.match(line.strip())
        if head:
            section, current = head.group(1), None
            continue
        if section is None:
            summary.append(line.strip())
        elif section in ("Args", "Arguments") and line.strip():
            m = re.match(r"^\s*(\w+)\s*(\([^)]*\))?:\s*(.*)$", line)
            if m and (current is None or len(line) - len(line.lstrip()) <= 4):
                current = m.group(1)
                args[current] = m.group(3).strip()
            elif current:
                args[current] = f"{args[current]} {line.strip()}".strip()
    text = " ".join(" ".join(summary).split())
    return text, args


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """Resolve ``$ref`` against ``$defs`` and drop titles: OpenAI-friendly schemas."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: walk(v) for k, v in node.items() if k != "title"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return typing.cast(dict[str, Any], walk(schema))


def _entities(tp: Any, seen: set[int] | None = None) -> set[str]:
    """Entity kinds reachable in a type: Annotated markers, containers, TypedDicts, models."""
    seen = seen if seen is not None else set()
    if id(tp) in seen:
        return set()
    seen.add(id(tp))
    found: set[str] = set()
    if typing.get_origin(tp) is typing.Annotated:
        base, *meta = typing.get_args(tp)
        found |= {m.kind for m in meta if isinstance(m, Entity)}
        return found | _entities(base, seen)
    origin = typing.get_origin(tp)
    if origin is not None or isinstance(tp, types.UnionType):
        for arg in typing.get_args(tp):
            found |= _entities(arg, seen)
        return found
    if isinstance(tp, type):
        if typing_extensions.is_typeddict(tp):
            for hint in typing.get_type_hints(tp, include_extras=True).values():
                found |= _entities(hint, seen)
        elif issubclass(tp, BaseModel):
            for f in tp.model_fields.values():
                found |= _entities(f.annotation, seen)
                found |= {m.kind for m in f.metadata if isinstance(m, Entity)}
    return found


def _describe_validation(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "arguments"
        if err["type"] == "extra_forbidden":
            parts.append(f"unexpected argument {loc!r}")
        elif err["type"] == "missing":
            parts.append(f"missing required argument {loc!r}")
        else:
            parts.append(f"argument {loc!r}: {err['msg']}")
    return "; ".join(parts)
