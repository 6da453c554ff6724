"""Readers of conversations to re-verify, by name: apigen trajectories, OpenAI lists.

A reader turns one file into :class:`VerifyRecord` items. It is registered with
:func:`register_reader` under a name, with a ``detect`` function that says from the
file's first non-blank line (at most 1 MiB of it) whether the file is its format, so
``apigen trajectories verify FILE`` can pick the reader without ``--format``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from apigen._registry import Registry
from apigen.errors import UserError
from apigen.rollout._files import read_trajectories
from apigen.safety import load_json_text
from apigen.types import Blueprint, Message, ToolCall

__all__ = [
    "Reader",
    "VerifyRecord",
    "detect_reader",
    "get_reader",
    "json_lines",
    "messages_from_openai",
    "reader_names",
    "register_reader",
]

_HEAD_LIMIT = 1 << 20


@dataclass(frozen=True)
class VerifyRecord:
    """One conversation to re-verify, as a reader found it."""

    id: str
    messages: tuple[Message, ...]
    """The conversation; recorded tool results are kept only to be replaced."""
    blueprint: Blueprint | None = None
    """The task, when the record carries it (else looked up by ``blueprint_id``)."""
    blueprint_id: str | None = None
    reward: float | None = None
    """The recorded outcome, when the source has one (1.0 accepted / passed)."""
    ending: str | None = None
    """The recorded ending, used when no human message closes the conversation."""
    trial: int = 0


ReadFn = Callable[[Path], Iterable[VerifyRecord]]
DetectFn = Callable[[str], bool]


@dataclass(frozen=True)
class Reader:
    """A registered input format: ``read(path)`` yields records, ``detect(head)`` says
    whether a file whose first non-blank line is ``head`` is this format."""

    name: str
    read: ReadFn
    detect: DetectFn


def _adopt(name: str, obj: object) -> Reader:
    if isinstance(obj, Reader):
        return obj
    raise TypeError(f"{obj!r} is not a Reader")


_READERS: Registry[Reader] = Registry("reader", "apigen.readers", _adopt, max_length=64)


def register_reader(name: str, *, detect: DetectFn) -> Callable[[ReadFn], ReadFn]:
    """Decorator: register ``read(path) -> Iterable[VerifyRecord]`` under ``name``."""

    def wrap(fn: ReadFn) -> ReadFn:
        _READERS.register(name, Reader(name, fn, detect))
        return fn

    return wrap


def reader_names() -> list[str]:
    """Every registered reader name, sorted."""
    return _READERS.names()


def get_reader(name: str) -> Reader:
    """The reader registered as ``name``; an unknown name lists the known ones."""
    return _READERS.get(name)


def detect_reader(path: Path) -> Reader:
    """The first registered reader (in name order) that recognises ``path``."""
    head = _head(path)
    for name in reader_names():
        reader = get_reader(name)
        if reader.detect(head):
            return reader
    known = ", ".join(reader_names())
    raise UserError(f"{path}: not a format apigen can re-verify (known: {known}); see --format")


def _head(path: Path) -> str:
    try:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    return line[:_HEAD_LIMIT].strip()
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text (a binary file?)") from None
    raise UserError(f"{path}: empty file")


def json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` of each non-blank line of a JSONL file; a line that is
    not bounded, valid JSON raises :class:`UserError` naming file and line."""
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with fh:
        number = 0
        try:
            for number, line in enumerate(fh, start=1):
                if line.strip():
                    yield number, load_json_text(line, source=f"{path}:{number}")
        except UnicodeDecodeError:
            raise UserError(f"{path}:{number + 1}: not UTF-8 text (a binary file?)") from None


def _keys(head: str) -> set[str]:
    try:
        value = json.loads(head)
    except ValueError:
        return set()
    return set(value) if isinstance(value, dict) else set()


def messages_from_openai(raw: Sequence[Mapping[str, Any]], where: str) -> tuple[Message, ...]:
    """apigen messages from an OpenAI chat list (``tool_calls`` with JSON-string
    arguments, ``tool`` messages with ``tool_call_id``); ``reasoning_content`` is kept
    as reasoning. Arguments that are not a JSON object are replayed as ``{}`` (the
    tool then reports the missing arguments). Anything else malformed raises
    :class:`UserError` naming ``where``."""
    out: list[Message] = []
    for n, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise UserError(f"{where}: message {n} is not an object")
        try:
            out.append(_message(item, n))
        except (ValidationError, TypeError, KeyError, AttributeError) as exc:
            raise UserError(f"{where}: message {n} is not an OpenAI chat message ({exc})") from None
    return tuple(out)


def _message(item: Mapping[str, Any], n: int) -> Message:
    calls = tuple(
        ToolCall(
            name=call.get("function", call)["name"],  # OpenAI nests it; τ²-bench does not
            arguments=_arguments(call.get("function", call).get("arguments")),
            id=call.get("id") or f"call_{n}_{k}",
        )
        for k, call in enumerate(item.get("tool_calls") or ())
    )
    role = item["role"]
    return Message(
        role=role,
        content=_text(item.get("content")),
        tool_calls=calls,
        tool_call_id=item.get("tool_call_id") or (item.get("id") if role == "tool" else None),
        name=item.get("name"),
        reasoning=_reasoning(item),
    )


def _reasoning(item: Mapping[str, Any]) -> str | None:
    """``reasoning_content`` (OpenAI-compatible servers), else the text of Anthropic
    ``thinking_blocks``."""
    text = item.get("reasoning_content") or item.get("reasoning")
    if isinstance(text, str) and text:
        return text
    blocks = item.get("thinking_blocks") or ()
    parts = [b.get("thinking", "") for b in blocks if isinstance(b, Mapping)]
    return "\n".join(p for p in parts if p) or None


def _text(content: Any) -> str | None:
    if content is None or isinstance(content, str):
        return content
    # content parts: keep the text ones
    parts = [p.get("text", "") for p in content if isinstance(p, Mapping)]
    return "".join(parts)


def _arguments(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    try:
        parsed = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


@register_reader("apigen", detect=lambda head: {"blueprint_id", "ending"} <= _keys(head))
def _read_apigen(path: Path) -> Iterator[VerifyRecord]:
    for traj in read_trajectories(path):
        yield VerifyRecord(
            id=traj.id or f"{traj.blueprint_id}:{traj.trial}",
            messages=traj.messages,
            blueprint_id=traj.blueprint_id,
            reward=1.0 if traj.accepted else 0.0,
            ending=traj.ending,
            trial=traj.trial,
        )


@register_reader("openai", detect=lambda head: {"messages", "blueprint"} <= _keys(head))
def _read_openai(path: Path) -> Iterator[VerifyRecord]:
    for number, obj in json_lines(path):
        where = f"{path}:{number}"
        if not isinstance(obj, dict) or not isinstance(obj.get("messages"), list):
            raise UserError(f"{where}: expected an object with a 'messages' list")
        try:
            blueprint = Blueprint.model_validate(obj.get("blueprint"))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise UserError(f"{where}: blueprint: {loc}: {err['msg']}") from None
        reward = obj.get("reward")
        yield VerifyRecord(
            id=str(obj.get("id") or f"line{number}"),
            messages=messages_from_openai(obj["messages"], where),
            blueprint=blueprint,
            blueprint_id=blueprint.id,
            reward=float(reward) if isinstance(reward, int | float) else None,
        )
