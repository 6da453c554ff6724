"""Chat templates render offline in a Hugging Face style sandbox: built-ins and files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apigen.errors import ConfigError
from apigen.export import ExportOptions, load_chat_template, write_dataset
from tests.export.conftest import record


def render(tmp_path: Path, records: list, **kw: object) -> tuple[list[str], dict[str, int]]:
    out = tmp_path / "t.jsonl"
    res = write_dataset(records, ExportOptions(format="chat-template", out=out, **kw))
    return [json.loads(line)["text"] for line in out.read_text().splitlines()], res.skip_reasons


def test_hermes(tmp_path: Path) -> None:
    [text], _ = render(tmp_path, [record(reasoning="Check the user.")], reasoning="keep")
    assert text.startswith("<|im_start|>system\n# Bank policy")
    assert '<tools>\n{"type": "function", "function": {"name": "find_user"' in text
    assert (
        "<|im_start|>assistant\n<think>\nCheck the user.\n</think>\n\n\n<tool_call>\n"
        '{"name": "find_user", "arguments": {"email": "user1@example.com"}}\n</tool_call>'
        "<|im_end|>\n"
    ) in text
    response = '{"tool": "find_user", "ok": true}'
    assert f"<|im_start|>user\n<tool_response>\n{response}\n</tool_response><|im_end|>" in text
    assert text.endswith("Done: your balance is 105.<|im_end|>\n")
    assert "###STOP###" not in text


def test_hermes_groups_parallel_tool_results(tmp_path: Path) -> None:
    [text], _ = render(tmp_path, [record(parallel=True)])
    assert text.count('<tool_call>\n{"name": "') == 2
    assert "</tool_response>\n<tool_response>" in text  # both results in one user turn


def test_llama31(tmp_path: Path) -> None:
    texts, skipped = render(
        tmp_path, [record("a"), record("b", parallel=True)], chat_template="llama3.1"
    )
    [text] = texts
    assert text.startswith(
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\n"
    )
    assert "Given the following functions" in text and '"name": "deposit"' in text
    assert (
        '<|start_header_id|>assistant<|end_header_id|>\n\n{"name": "find_user", '
        '"parameters": {"email": "user1@example.com"}}<|eot_id|>'
    ) in text
    assert (
        '<|start_header_id|>ipython<|end_header_id|>\n\n{"tool": "find_user", "ok": true}<|eot_id|>'
        in text
    )
    assert text.endswith("Done: your balance is 105.<|eot_id|>")
    # raise_exception() in the template skips the record with its message as the reason
    assert skipped == {"chat template: Llama 3.1 takes one tool call per assistant message.": 1}


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
    with pytest.raises(ConfigError, match=r"hermes, llama3\.1"):
        load_chat_template("chatml")
