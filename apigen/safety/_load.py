"""The one YAML/JSON loader for untrusted files: bounded before anything recursive runs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from apigen.errors import Picklable

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "InputRejected",
    "load_data_file",
    "load_json_text",
]

MAX_FILE_BYTES = 4 * 1024 * 1024
"""Largest config, blueprint or collect-input file read, in bytes (4 MiB)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings/lists accepted in YAML or JSON (64 levels)."""
MAX_NODES = 200_000
"""Most values a YAML document may hold once its aliases are expanded (200,000)."""

_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


class InputRejected(Picklable, ValueError):
    """The input is too large, too deep, binary or malformed; the message is one line.

    ``syntax`` is true when the text is merely malformed (not over a limit).
    """

    def __init__(self, message: str, *, syntax: bool = False) -> None:
        super().__init__(message)
        self.syntax = syntax


def _decode(raw: bytes, source: str) -> str:
    if b"\x00" in raw:
        raise InputRejected(f"{source}: binary file (NUL bytes), expected UTF-8 text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputRejected(f"{source}: not UTF-8 text (bad byte at offset {exc.start})") from None


def read_text(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of ``path``, refused past ``max_bytes`` or when binary."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputRejected(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise InputRejected(f"{path}: larger than the {max_bytes:,}-byte limit")
    return _decode(raw, str(path))


def _yaml_loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _check_yaml_events(text: str, source: str, max_depth: int, max_nodes: int) -> None:
    """Walk the event stream (iterative, nothing built): depth and expanded size."""
    import yaml

    open_sizes: list[int] = []
    open_anchors: list[str | None] = []
    anchors: dict[str, int] = {}
    total = 0

    def add(size: int) -> None:
        nonlocal total
        if open_sizes:
            open_sizes[-1] += size
            size = open_sizes[-1]
        else:
            total += size
            size = total
        if size > max_nodes:
            raise InputRejected(
                f"{source}: more than {max_nodes:,} values once aliases are expanded"
            )

    for event in yaml.parse(text, Loader=_yaml_loader()):
        if isinstance(event, yaml.CollectionStartEvent):
            open_sizes.append(1)
            open_anchors.append(event.anchor)
            if len(open_sizes) > max_depth:
                raise InputRejected(f"{source}: nested deeper than {max_depth} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            size, anchor = open_sizes.pop(), open_anchors.pop()
            if anchor:
                anchors[anchor] = size
            add(size)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                anchors[event.anchor] = 1
            add(1)
        elif isinstance(event, yaml.AliasEvent):
            add(anchors.get(event.anchor or "", 1))


def _check_json_depth(text: str, source: str, max_depth: int) -> None:
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                raise InputRejected(f"{source}: nested deeper than {max_depth} levels")
        elif token in "]}":
            depth -= 1


def load_yaml_text(
    text: str, *, source: str, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
) -> Any:
    """Parse YAML ``text`` (JSON is YAML too) after the depth and alias-expansion checks."""
    import yaml

    try:
        _check_yaml_events(text, source, max_depth, max_nodes)
        return yaml.load(text, Loader=_yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise InputRejected(f"{source}: invalid YAML{where}: {problem}", syntax=True) from None


def load_json_text(
    text: str,
    *,
    source: str,
    max_bytes: int = MAX_FILE_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """Parse JSON ``text`` after size and (iterative) nesting checks."""
    if len(text) > max_bytes:
        raise InputRejected(f"{source}: larger than the {max_bytes:,}-byte limit")
    _check_json_depth(text, source, max_depth)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "too deep"
        raise InputRejected(f"{source}: invalid JSON: {detail}", syntax=True) from None


def load_data_file(
    path: str | Path,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> Any:
    """The data of a YAML or JSON file (``.json`` parsed as JSON, anything else as
    YAML), or :class:`InputRejected` naming the file: unreadable, larger than
    ``max_bytes``, binary, nested deeper than ``max_depth``, more than
    ``max_nodes`` values after alias expansion, or malformed."""
    path = Path(path)
    text = read_text(path, max_bytes=max_bytes)
    if path.suffix.lower() == ".json":
        return load_json_text(text, source=str(path), max_bytes=max_bytes, max_depth=max_depth)
    return load_yaml_text(text, source=str(path), max_depth=max_depth, max_nodes=max_nodes)
