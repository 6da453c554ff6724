"""An exporter plug-in: one JSON line per conversation, ``{"id", "text"}``, speakers labelled.

It is found through the ``apigen.exporters`` entry-point group (the test installs a
distribution whose entry point names :class:`PlainText`), like a third-party package.
"""

from __future__ import annotations

from typing import Any

from apigen.export import Conversation, Exporter


class PlainText(Exporter):
    name = "plain-text"
    description = "Plain text transcripts, one JSON line each."

    def encode(self, conv: Conversation) -> Any:
        lines = []
        for m in conv.messages:
            if m.content:
                lines.append(f"{m.role.upper()}: {m.content}")
            lines += [f"{m.role.upper()} CALLS {c.name}" for c in m.tool_calls]
        return {"id": conv.id, "text": "\n".join(lines)}


def not_an_exporter() -> None:
    """What a broken entry point might name: no Exporter at all."""
