"""The ``chat-template`` exporter: Hugging Face style Jinja chat templates, offline.

The environment mirrors what ``transformers`` gives templates: apigen's bounded
sandbox (:func:`apigen.safety.sandboxed_environment`: immutable, with limits on
loops, recursion and output size) with ``trim_blocks``/``lstrip_blocks`` and loop
controls; ``tojson`` that keeps non-ASCII and takes ``indent``/``separators``/
``sort_keys``; ``raise_exception(msg)``; ``strftime_now(fmt)``; and a
``{% generation %}`` block that just renders its body. Variables: ``messages``,
``tools``, ``add_generation_prompt`` (false: training text), ``bos_token``,
``eos_token``. Nothing is downloaded and no model weights are needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from apigen.errors import ConfigError
from apigen.export._base import Exporter, register_exporter
from apigen.export._convert import Conversation, InvalidRecord, think_prefix, tool_output
from apigen.safety import TemplateRejected, compile_template, render, sandboxed_environment

__all__ = ["BUILTIN_TEMPLATES", "ChatTemplate", "ChatTemplateExporter", "load_chat_template"]

BUILTIN_TEMPLATES: dict[str, tuple[str, str, str]] = {
    "hermes": ("hermes.jinja", "", "<|im_end|>"),
    "llama3.1": ("llama3.1.jinja", "<|begin_of_text|>", "<|eot_id|>"),
}
"""Built-in name -> (file under ``templates/``, bos_token, eos_token)."""


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _environment() -> Any:
    from jinja2 import nodes
    from jinja2.ext import Extension, loopcontrols

    class Generation(Extension):
        tags = frozenset({"generation"})  # type: ignore[assignment]

        def parse(self, parser: Any) -> list[nodes.Node]:
            next(parser.stream)
            return list(parser.parse_statements(("name:endgeneration",), drop_needle=True))

    return sandboxed_environment(
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[loopcontrols, Generation],
        filters={"tojson": _tojson},
        globals={"strftime_now": lambda fmt: datetime.now().strftime(fmt)},
    )


@dataclass(frozen=True)
class ChatTemplate:
    """A compiled chat template with its special tokens."""

    source: str
    bos_token: str
    eos_token: str
    template: Any

    def render(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, **extra: Any
    ) -> str:
        """Training text (``add_generation_prompt`` false unless given in ``extra``)."""
        context = {
            "bos_token": self.bos_token,
            "eos_token": self.eos_token,
            "add_generation_prompt": False,
            **extra,
        }
        return render(
            self.template, "chat template", messages=messages, tools=tools or None, **context
        )


def _token(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("content", ""))
    return "" if value is None else str(value)


def load_chat_template(
    spec: str, *, bos_token: str | None = None, eos_token: str | None = None
) -> ChatTemplate:
    """A built-in name, a ``.jinja`` file, or a ``tokenizer_config.json``.

    A tokenizer config's ``chat_template`` may be a list of named templates: the one
    named ``tool_use`` is taken, else ``default``. Its ``bos_token``/``eos_token`` are
    used unless overridden.
    """
    if spec in BUILTIN_TEMPLATES:
        file, bos, eos = BUILTIN_TEMPLATES[spec]
        source = (resources.files("apigen.export") / "templates" / file).read_text("utf-8")
    else:
        path = Path(spec)
        if not path.is_file():
            known = ", ".join(sorted(BUILTIN_TEMPLATES))
            raise ConfigError(
                f"no file {spec!r} and no built-in ({known})", field="--chat-template"
            )
        source, bos, eos = path.read_text("utf-8"), "", ""
        if path.suffix == ".json":
            source, bos, eos = _from_tokenizer_config(path)
    try:
        template = compile_template(_environment(), spec, source=source)
    except TemplateRejected as exc:
        raise ConfigError(str(exc), field="--chat-template") from None
    bos = bos if bos_token is None else bos_token
    eos = eos if eos_token is None else eos_token
    return ChatTemplate(source, bos, eos, template)


def _from_tokenizer_config(path: Path) -> tuple[str, str, str]:
    try:
        cfg = json.loads(path.read_text("utf-8"))
        tpl = cfg["chat_template"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: no chat_template ({exc})", field="--chat-template") from None
    if isinstance(tpl, list):
        named = {t.get("name"): t.get("template") for t in tpl if isinstance(t, dict)}
        tpl = named.get("tool_use") or named.get("default")
    if not isinstance(tpl, str):
        raise ConfigError(f"{path}: chat_template is not a template", field="--chat-template")
    return tpl, _token(cfg.get("bos_token")), _token(cfg.get("eos_token"))


def hf_messages(conv: Conversation) -> list[dict[str, Any]]:
    """Messages as ``transformers`` chat templates expect (arguments as dicts)."""
    out: list[dict[str, Any]] = []
    for m in conv.messages:
        if m.role == "tool":
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": m.tool_call_id,
                    "name": m.name,
                    "content": tool_output(m),
                }
            )
            continue
        content = think_prefix(m, conv.keep_reasoning) if m.role == "assistant" else m.content
        msg: dict[str, Any] = {"role": m.role, "content": content or ""}
        if m.tool_calls:
            msg["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": dict(c.arguments)},
                }
                for c in m.tool_calls
            ]
        out.append(msg)
    return out


@register_exporter
class ChatTemplateExporter(Exporter):
    """Rendered training text, ``{"text": ...}`` per line, through a chat template."""

    name = "chat-template"
    description = "Training text via a Jinja chat template (built-ins: hermes, llama3.1)."

    def __init__(self, options: Any) -> None:
        super().__init__(options)
        self.template = load_chat_template(
            options.chat_template or "hermes",
            bos_token=options.bos_token,
            eos_token=options.eos_token,
        )

    def encode(self, conv: Conversation) -> Any:
        try:
            text = self.template.render(hf_messages(conv), list(conv.tools))
        except TemplateRejected as exc:
            if exc.kind in ("limit", "unsafe", "broken"):  # the template's fault, not the record's
                raise ConfigError(str(exc), field="--chat-template") from None
            raise InvalidRecord(str(exc)) from None
        return {"text": text}
