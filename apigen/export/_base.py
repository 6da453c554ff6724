"""The exporter contract, the registry by name, and the file sinks they write through.

Third-party packages add formats through the entry-point group ``apigen.exporters``
(``name = "pkg.module:ExporterSubclass"``, registered under the entry point's name);
a plug-in that fails to import or is not an :class:`Exporter` is logged, listed by
:func:`exporter_problems` and skipped.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, Any, ClassVar, Protocol

from apigen._registry import Registry
from apigen.export._convert import Conversation
from apigen.export._records import ExportOptions

ENTRY_POINT_GROUP = "apigen.exporters"

__all__ = [
    "Exporter",
    "JsonArraySink",
    "JsonLinesSink",
    "Sink",
    "exporter_names",
    "exporter_problems",
    "get_exporter",
    "register_exporter",
]


class Sink(Protocol):
    """Where encoded records go; ``close`` finishes the file."""

    def write(self, item: Any) -> None: ...

    def close(self) -> None: ...


class JsonLinesSink:
    """One JSON document per line (UTF-8, non-ASCII kept)."""

    def __init__(self, path: Path) -> None:
        self._f: IO[str] = path.open("w", encoding="utf-8")

    def write(self, item: Any) -> None:
        self._f.write(json.dumps(item, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._f.close()


class JsonArraySink:
    """A JSON array, one element per line, written as records arrive."""

    def __init__(self, path: Path) -> None:
        self._f: IO[str] = path.open("w", encoding="utf-8")
        self._f.write("[")
        self._first = True

    def write(self, item: Any) -> None:
        self._f.write("\n" if self._first else ",\n")
        self._f.write(json.dumps(item, ensure_ascii=False))
        self._first = False

    def close(self) -> None:
        self._f.write("\n]\n")
        self._f.close()


class Exporter(ABC):
    """A training-file format.

    ``encode`` turns one validated :class:`Conversation` into what the sink writes
    and raises :class:`apigen.export.InvalidRecord` when it cannot (the record is
    skipped and counted, nothing of it is written). ``sink`` opens a file.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    suffix: ClassVar[str] = ".jsonl"
    """Default file suffix (informational; the output path decides)."""

    def __init__(self, options: ExportOptions) -> None:
        self.options = options

    @abstractmethod
    def encode(self, conv: Conversation) -> Any:
        """The record as written (a JSON-ready dict for JSON formats)."""

    def sink(self, path: Path) -> Sink:
        """Open ``path`` for writing; JSON Lines unless a format says otherwise."""
        return JsonLinesSink(path)


def _adopt(name: str, obj: object) -> type[Exporter]:
    if isinstance(obj, type) and issubclass(obj, Exporter):
        return obj
    raise TypeError(f"{obj!r} is not an apigen Exporter subclass")


_EXPORTERS: Registry[type[Exporter]] = Registry("export format", ENTRY_POINT_GROUP, _adopt)


def register_exporter(cls: type[Exporter]) -> type[Exporter]:
    """Class decorator: register an exporter under ``cls.name``."""
    return _EXPORTERS.register(cls.name, cls)


def exporter_names() -> list[str]:
    """Registered export formats, sorted (plug-ins of ``apigen.exporters`` included)."""
    return _EXPORTERS.names()


def get_exporter(name: str) -> type[Exporter]:
    """The exporter class for ``name``; :class:`UnknownNameError` lists the known ones."""
    return _EXPORTERS.get(name)


def exporter_problems() -> list[str]:
    """One line per ``apigen.exporters`` plug-in that failed to load and was skipped."""
    _EXPORTERS.names()
    return list(_EXPORTERS.problems)
