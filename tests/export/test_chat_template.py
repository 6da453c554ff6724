"""Chat templates render offline in a Hugging Face style sandbox: built-ins and files.

The built-ins are checked against the models' published templates (tests/data/
chat_templates), rendered by transformers' own chat-template code on the same
messages, on 30 real τ²-bench conversations.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apigen.errors import ConfigError, EmptyExportError
from apigen.export import ExportOptions, load_chat_template, write_dataset
from tests.export.conftest import record, rows, tau2_records

PUBLISHED = Path(__file__).parents[1] / "data" / "chat_templates"
MODELS = {
    # built-in: (published template file, bos_token, eos_token)
    "llama3.1": ("llama3.1-instruct.jinja", "<|begin_of_text|>", "<|eot_id|>"),
    "qwen2.5": ("qwen2.5-instruct.jinja", "", "<|im_end|>"),
    "hermes2pro": ("hermes-2-pro-tool-use.jinja", "<|begin_of_text|>", "<|im_end|>"),
}


def render(tmp_path: Path, records: list[Any], **kw: Any) -> tuple[list[str], dict[str, int]]:
    out = tmp_path / "t.jsonl"
    res = write_dataset(records, ExportOptions(format="chat-template", out=out, **kw))
    return [r["text"] for r in rows(out)], res.skip_reasons


def transformers_render(name: str, row: dict[str, Any], **kw: Any) -> str:
    from transformers.utils.chat_template_utils import render_jinja_template

    file, bos, eos = MODELS[name]
    texts, _ = render_jinja_template(
        [row["messages"]],
        tools=row["tools"],
        chat_template=(PUBLISHED / file).read_text("utf-8"),
        bos_token=bos,
        eos_token=eos,
        **kw,
    )
    return str(texts[0])


@pytest.mark.parametrize("name", sorted(MODELS))
def test_builtins_render_what_the_published_templates_render(tmp_path: Path, name: str) -> None:
    """The openai export (arguments as objects) through transformers and the model's
    published template gives byte for byte the built-in's chat-template export."""
    recs = tau2_records()
    single = {"parallel": "sequential"} if name != "qwen2.5" else {}
    texts, skipped = render(tmp_path, recs, chat_template=name, **single)
    out = tmp_path / "o.jsonl"
    write_dataset(recs, ExportOptions(format="openai", out=out, arguments="object", **single))
    assert len(texts) == 30 and skipped == {}
    for text, row in zip(texts, rows(out), strict=True):
        assert text == transformers_render(name, row)


def test_qwen25_keeps_parallel_calls_in_one_turn(tmp_path: Path) -> None:
    [text], _ = render(tmp_path, [record(parallel=True)], chat_template="qwen2.5")
    assert text.count('<tool_call>\n{"name": "') == 2
    assert "</tool_response>\n<tool_response>" in text  # both results in one user turn
    assert text.startswith("<|im_start|>system\n# Bank policy")


def test_llama31_parallel_calls_need_sequential(tmp_path: Path) -> None:
    with pytest.raises(EmptyExportError, match="one tool call per assistant turn") as err:
        render(tmp_path, [record("b", parallel=True)], chat_template="llama3.1")
    assert not (tmp_path / "t.jsonl").exists()
    [reason] = err.value.reasons
    assert "--parallel sequential" in reason
    [text], _ = render(
        tmp_path, [record("b", parallel=True)], chat_template="llama3.1", parallel="sequential"
    )
    assert text.count('<|start_header_id|>assistant<|end_header_id|>\n\n{"name": ') == 2
    # each result answers its own call, JSON-encoded as the official template does
    assert '<|eot_id|><|start_header_id|>ipython<|end_header_id|>\n\n"{\\"tool\\": ' in text
    assert text.endswith("Done: your balance is 105.<|eot_id|>")


def test_hermes2pro_puts_results_in_tool_turns(tmp_path: Path) -> None:
    [text], _ = render(tmp_path, [record()], chat_template="hermes2pro")
    assert text.startswith("<|begin_of_text|>You are a function calling AI model.")
    assert "<|im_start|>system\n# Bank policy" in text
    assert (
        '<tool_call>\n{ "arguments": {"email": "user1@example.com"}, "name": "find_user"}' in text
    )
    assert '<|im_start|>tool\n<tool_response>\n{"name": "find_user", "content": "{\\"tool' in text


def test_prompt_completion_and_mask(tmp_path: Path) -> None:
    recs = [record(reasoning="Check.")]
    texts, _ = render(tmp_path, recs, chat_template="qwen2.5")
    out = tmp_path / "pc.jsonl"
    write_dataset(
        recs, ExportOptions(format="chat-template", out=out, chat_output="prompt-completion")
    )
    [pc] = rows(out)
    assert pc["prompt"] + pc["completion"] == texts[0]
    assert pc["prompt"].endswith("<|im_start|>assistant\n")
    assert pc["completion"] == "Done: your balance is 105.<|im_end|>\n"
    write_dataset(
        recs,
        ExportOptions(format="chat-template", out=out, chat_output="mask", force=True),
    )
    [masked] = rows(out)
    pieces = [masked["text"][a:b] for a, b in masked["spans"]]
    assert [p.startswith("<tool_call>") for p in pieces] == [True, True, False]
    assert pieces[-1] == "Done: your balance is 105.<|im_end|>\n"
    # per turn: one pair per assistant turn, each completion one turn
    write_dataset(
        recs,
        ExportOptions(
            format="chat-template",
            out=out,
            chat_output="prompt-completion",
            per_turn=True,
            force=True,
        ),
    )
    assert [r["completion"] for r in rows(out)] == pieces


def test_template_that_rewrites_history_cannot_mask(tmp_path: Path) -> None:
    tpl = tmp_path / "t.jinja"  # numbers turns from the end: history renders differently
    tpl.write_text(
        "{% for m in messages %}{{ messages|length - loop.index }}{{ m.content }}{% endfor %}"
    )
    with pytest.raises(EmptyExportError, match="does not start with that of its history"):
        render(tmp_path, [record()], chat_template=str(tpl), chat_output="mask")


def test_template_file_with_hf_semantics(tmp_path: Path) -> None:
    tpl = tmp_path / "t.jinja"
    tpl.write_text(
        "{{ bos_token }}{% for m in messages %}{% if m.role == 'system' %}{% continue %}{% endif %}"
        "<{{ m.role }}>{{ m.content }}{% if m.tool_calls %}{{ m.tool_calls[0].function | tojson }}"
        "{% endif %}{% generation %}|{% endgeneration %}{% endfor %}"
        "{{ tools[0].function.name | tojson }}{{ eos_token }}"
    )
    [text], _ = render(
        tmp_path, [record()], chat_template=str(tpl), bos_token="<s>", eos_token="</s>"
    )
    assert text.startswith('<s><user>Hi, I am user1@example.com.|<assistant>{"name": "find_user"')
    assert text.endswith('"find_user"</s>')


def test_tokenizer_config(tmp_path: Path) -> None:
    cfg = tmp_path / "tokenizer_config.json"
    cfg.write_text(
        json.dumps(
            {
                "bos_token": {"content": "<B>"},
                "eos_token": "<E>",
                "chat_template": [
                    {"name": "default", "template": "x"},
                    {
                        "name": "tool_use",
                        "template": "{{ bos_token }}{{ messages|length }}{{ eos_token }}",
                    },
                ],
            }
        )
    )
    assert (
        load_chat_template(str(cfg)).render([{"role": "user", "content": "a"}], None) == "<B>1<E>"
    )


def test_sandbox_and_bad_templates(tmp_path: Path) -> None:
    evil = tmp_path / "evil.jinja"
    evil.write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(ConfigError, match=r"--chat-template: chat template, line 1: .*unsafe"):
        render(tmp_path, [record()], chat_template=str(evil))
    broken = tmp_path / "broken.jinja"
    broken.write_text("{% for m in messages %}")
    with pytest.raises(ConfigError, match=r"--chat-template.*line 1"):
        load_chat_template(str(broken))
    with pytest.raises(ConfigError, match=r"hermes2pro, llama3\.1, qwen2\.5"):
        load_chat_template("hermes")  # renamed: it was Qwen2.5's format


@pytest.mark.parametrize("name", sorted(MODELS))
def test_builtins_match_on_the_retail_tool_schemas(tmp_path: Path, name: str) -> None:
    """Retail's schemas have optional (anyOf null), array and closed-object parameters:
    the Python-style signatures Hermes 2 Pro derives from them must match too."""
    from apigen.env import get_domain

    tools = tuple(t.schema for t in get_domain("retail").tools)
    recs = [record(f"r{i}", parallel=i == 1).model_copy(update={"tools": tools}) for i in range(2)]
    seq = {"parallel": "sequential"} if name != "qwen2.5" else {}
    texts, _ = render(tmp_path, recs, chat_template=name, **seq)
    out = tmp_path / "o.jsonl"
    write_dataset(recs, ExportOptions(format="openai", out=out, arguments="object", **seq))
    assert texts == [transformers_render(name, row) for row in rows(out)]
