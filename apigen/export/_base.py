"""The exporter contract, the registry by name, and the file sinks they write through.

Third-party packages add formats through the entry-point group ``apigen.exporters``
(``name = "pkg.module:ExporterSubclass"``, registered under the entry point's name);
a plug-in that fails to import or is not an :class:`Exporter` is logged, listed by
:func:`exporter_problems` and skipped.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, Any, ClassVar, Protocol

from pydantic_core import to_json

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
    """One JSON document per line: compact UTF-8 from pydantic-core (about 4x faster
    than ``json.dumps``; ``NaN`` and infinities, which JSON cannot hold, become ``null``)."""

    def __init__(self, path: Path) -> None:
        self._f: IO[bytes] = path.open("wb")

    def write(self, item: Any) -> None:
        self._f.write(to_json(item) + b"\n")

    def close(self) -> None:
        self._f.close()


class JsonArraySink:
    """A JSON array, one element per line, written as records arrive (encoded as
    :class:`JsonLinesSink` does)."""

    def __init__(self, path: Path) -> None:
        self._f: IO[bytes] = path.open("wb")
        self._f.write(b"[")
        self._first = True

    def write(self, item: Any) -> None:
        self._f.write(b"\n" if self._first else b",\n")
        self._f.write(to_json(item))
        self._first = False

    def close(self) -> None:
        self._f.write(b"\n]\n")
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
    writes_folder: ClassVar[bool] = False
    """The sink writes a directory at its path (not a file)."""
    default_arguments: ClassVar[str] = "object"
    """Tool-call arguments when ``ExportOptions.arguments`` is unset: ``object`` or ``string``."""

    def __init__(self, options: ExportOptions) -> None:
        self.options = options

    @property
    def arguments(self) -> str:
        """``object`` or ``string``: the option, else this format's default."""
        return self.options.arguments or self.default_arguments

    def with_provenance(self, row: dict[str, Any], conv: Conversation) -> dict[str, Any]:
        """``row`` plus ``provenance`` when the options ask for it and the record has some."""
        if self.options.provenance and conv.provenance is not None:
            row["provenance"] = conv.provenance
        return row

    @abstractmethod
    def encode(self, conv: Conversation) -> Any:
        """The record as written (a JSON-ready dict for JSON formats)."""

    def sink(self, path: Path) -> Sink:
        """Open ``path`` for writing; JSON Lines unless a format says otherwise."""
        return JsonLinesSink(path)

    def finish(self, files: dict[str, Path]) -> list[Path]:
        """Called once the data files are in place (``split name -> path``); returns the
        files written beside them (none by default)."""
        return []


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
