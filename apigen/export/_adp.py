"""The ``adp`` exporter: Agent Data Protocol trajectories (neulab/agent-data-protocol).

One JSON object per line in ADP's standardized schema (version 1.2.0)::

    {"schema_version": "1.2.0", "id": ..., "content": [...], "details": {...}}

``content`` interleaves observations and actions in conversation order: a user
message is a ``text_observation`` (source ``user``); an assistant reply a
``message_action``; each tool call an ``api_action`` (``function``, ``kwargs``,
``tool_call_id``; text written alongside the calls is its ``description``) followed
by the ``text_observation`` (source ``environment``) with the same ``tool_call_id``.
Kept reasoning is ``reasoning_content`` on the action. ``details`` carries the
system prompt, the tools (OpenAI function definitions), the domain and, with
``provenance``, the provenance.
"""

from __future__ import annotations

from typing import Any

from apigen.export._base import Exporter, register_exporter
from apigen.export._convert import Conversation, tool_output

__all__ = ["ADP_SCHEMA_VERSION", "ADPExporter"]

ADP_SCHEMA_VERSION = "1.2.0"


def _action(kind: str, reasoning: str | None, **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"class_": kind, **fields}
    if reasoning:
        item["reasoning_content"] = reasoning
    return item


@register_exporter
class ADPExporter(Exporter):
    """Agent Data Protocol standardized trajectories, JSON Lines."""

    name = "adp"
    description = "Agent Data Protocol (neulab) standardized trajectories, JSONL."

    def encode(self, conv: Conversation) -> Any:
        content: list[dict[str, Any]] = []
        system = ""
        keep = conv.keep_reasoning
        results = {m.tool_call_id: m for m in conv.messages if m.role == "tool"}
        for m in conv.messages:
            reasoning = m.reasoning if keep else None
            if m.role == "system":
                system = m.content or ""
            elif m.role == "user":
                content.append(
                    {"class_": "text_observation", "content": m.content or "", "source": "user"}
                )
            elif m.role == "assistant" and not m.tool_calls:
                content.append(_action("message_action", reasoning, content=m.content or ""))
            elif m.role == "assistant":
                for i, call in enumerate(m.tool_calls):
                    first = i == 0
                    fields: dict[str, Any] = {"function": call.name, "kwargs": dict(call.arguments)}
                    if first and m.content:
                        fields["description"] = m.content
                    fields["tool_call_id"] = call.id
                    content.append(_action("api_action", reasoning if first else None, **fields))
                    if call.id in results:
                        content.append(
                            {
                                "class_": "text_observation",
                                "content": tool_output(results[call.id]),
                                "source": "environment",
                                "tool_call_id": call.id,
                            }
                        )
        details: dict[str, Any] = {
            "domain": conv.domain,
            "system": system,
            "tools": list(conv.tools),
        }
        if self.options.provenance and conv.provenance is not None:
            details["provenance"] = conv.provenance
        return {
            "schema_version": ADP_SCHEMA_VERSION,
            "id": conv.id,
            "content": content,
            "details": details,
        }
