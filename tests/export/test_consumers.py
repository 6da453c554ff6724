"""Each consumer takes the matching export as it is, and renders what apigen renders.

Run on 30 real τ²-bench conversations (tests/data/export). transformers and datasets
run their own code; LLaMA-Factory (too heavy to install: torch), OpenAI's fine-tuning
validator (a service), TRL (torch) and ADP (a repository, not a package) are checked
by the rules they enforce, cited at each checker.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from apigen.export import ExportOptions, ExportRecord, write_dataset
from tests.export.conftest import record, rows, tau2_records
from tests.export.test_chat_template import MODELS, PUBLISHED

# -- OpenAI fine-tuning -------------------------------------------------------------


def openai_problems(row: dict[str, Any]) -> list[str]:
    """The rules of OpenAI's chat fine-tuning format with tools (platform docs,
    "Fine-tuning: preparing your dataset" / "function calling"): a ``messages`` list of
    system/user/assistant/tool messages; assistant ``tool_calls`` as ``{id, type:
    "function", function: {name, arguments}}`` with arguments a JSON-object string;
    each tool message answers an earlier call by ``tool_call_id``; ``weight`` 0 or 1 on
    assistant messages only; at least one assistant message; ``tools`` as function
    definitions with names of at most 64 ``[a-zA-Z0-9_-]``."""
    bad: list[str] = []
    if set(row) - {"messages", "tools", "parallel_tool_calls"}:
        bad.append(f"unknown keys {set(row) - {'messages', 'tools'}}")
    name_ok = re.compile(r"[a-zA-Z0-9_-]{1,64}").fullmatch
    for t in row.get("tools", []):
        fn = t.get("function", {})
        if t.get("type") != "function" or not name_ok(fn.get("name", "")):
            bad.append(f"bad tool {t}")
        if fn.get("parameters", {}).get("type") != "object":
            bad.append("tool parameters are not an object schema")
    calls: set[str] = set()
    for m in row["messages"]:
        role = m.get("role")
        if role not in {"system", "user", "assistant", "tool"}:
            bad.append(f"role {role}")
        if "weight" in m and (role != "assistant" or m["weight"] not in (0, 1)):
            bad.append("weight outside an assistant message or not 0/1")
        if role in {"system", "user", "tool"} and not isinstance(m.get("content"), str):
            bad.append(f"{role} content is not a string")
        for c in m.get("tool_calls", []):
            fn = c.get("function", {})
            if c.get("type") != "function" or not c.get("id") or not name_ok(fn.get("name", "")):
                bad.append(f"bad tool call {c}")
            elif not isinstance(fn.get("arguments"), str) or not isinstance(
                json.loads(fn["arguments"]), dict
            ):
                bad.append("arguments are not a JSON object string")
            calls.add(c.get("id", ""))
        if role == "tool" and m.get("tool_call_id") not in calls:
            bad.append("tool message answers no call")
    if not any(m.get("role") == "assistant" for m in row["messages"]):
        bad.append("no assistant message")
    return bad


def test_openai_fine_tuning_accepts_every_record(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    res = write_dataset(tau2_records(), ExportOptions(format="openai", out=out, train_on="final"))
    assert res.written == 30
    assert [openai_problems(r) for r in rows(out)] == [[]] * 30


# -- LLaMA-Factory ------------------------------------------------------------------

THINK = re.compile(r"<think>(.*?)</think>", re.DOTALL)
BLOCKS = "\n</tool_response>\n<tool_response>\n"


def llamafactory_sharegpt(row: dict[str, Any], info: dict[str, Any]) -> list[dict[str, str]]:
    """LLaMA-Factory's ``SharegptDatasetConverter`` (src/llamafactory/data/converter.py)
    with the ``dataset_info.json`` entry: tags mapped to roles; human/observation on
    even turns, gpt/function_call on odd ones; an even number of turns. Raises where
    it would log "Invalid role tag" / "Invalid message count" and drop the example."""
    cols, tags = info["columns"], info["tags"]
    roles = {
        tags["user_tag"]: "user",
        tags["assistant_tag"]: "assistant",
        tags["observation_tag"]: "observation",
        tags["function_tag"]: "function",
    }
    odd, even = (
        (tags["user_tag"], tags["observation_tag"]),
        (
            tags["assistant_tag"],
            tags["function_tag"],
        ),
    )
    turns = row[cols["messages"]]
    for i, t in enumerate(turns):
        assert t[tags["role_tag"]] in (odd, even)[i % 2], f"invalid role tag at {i}"
    assert len(turns) % 2 == 0, "invalid message count"
    return [{"role": roles[t[tags["role_tag"]]], "content": t[tags["content_tag"]]} for t in turns]


def llamafactory_openai(row: dict[str, Any]) -> list[dict[str, str]]:
    """LLaMA-Factory's ``OpenAIDatasetConverter``: reads ``content`` of every message
    (a KeyError on a tool-call message without it); tool calls become a function turn
    holding ``json.dumps([call["function"], ...])``; consecutive tool results become
    one observation joined by ``</tool_response>\\n<tool_response>``."""
    out: list[dict[str, str]] = []
    pending: list[str] = []
    for m in row["messages"][1:]:
        role, content = m["role"], m["content"]
        if role == "assistant" and m.get("tool_calls"):
            role = "function"
            content = json.dumps([c["function"] for c in m["tool_calls"]], ensure_ascii=False)
        if role == "tool":
            pending.append(content)
            continue
        if pending:
            out.append({"role": "observation", "content": BLOCKS.join(pending)})
            pending = []
        out.append({"role": role, "content": content})
    return out


def llamafactory_qwen(system: str, tools: list[dict[str, Any]], turns: list[dict[str, str]]) -> str:
    """Training text of LLaMA-Factory's ``qwen`` template (data/template.py with
    ``QwenToolUtils``): tools appended to the system prompt as Qwen lists them;
    function turns parsed (``<think>`` split off) and written as ``<tool_call>`` blocks;
    observations wrapped in one ``<tool_response>`` per value."""
    tool_text = "".join(
        "\n" + json.dumps(t if t.get("type") == "function" else {"type": "function", "function": t})
        for t in tools
    )
    text = "<|im_start|>system\n" + system
    text += (
        "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
        + tool_text
        + "\n</tools>\n\nFor each function call, return a json object with function name and"
        " arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
        '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
    )
    text += "<|im_end|>\n"
    for t in turns:
        if t["role"] == "user":
            text += f"<|im_start|>user\n{t['content']}<|im_end|>\n<|im_start|>assistant\n"
        elif t["role"] == "observation":
            text += (
                f"<|im_start|>user\n<tool_response>\n{t['content']}\n</tool_response>"
                "<|im_end|>\n<|im_start|>assistant\n"
            )
        elif t["role"] == "function":
            thought = THINK.search(t["content"])
            calls = json.loads(THINK.sub("", t["content"]))
            calls = calls if isinstance(calls, list) else [calls]
            blocks = [
                "<tool_call>\n"
                + json.dumps({"name": c["name"], "arguments": c["arguments"]}, ensure_ascii=False)
                + "\n</tool_call>"
                for c in calls
            ]
            lead = thought.group(0) if thought else ""
            text += lead + "\n".join(blocks) + "<|im_end|>\n"
        else:
            text += t["content"] + "<|im_end|>\n"
    return text.replace("<|im_start|>assistant\n<|im_start|>", "<|im_start|>")


def without_text_beside_calls(rec: ExportRecord) -> ExportRecord:
    """Both LLaMA-Factory converters drop text an assistant wrote beside tool calls
    (a function turn holds the calls only); apigen's chat-template export keeps it."""
    msgs = tuple(
        m.model_copy(update={"content": None}) if m.tool_calls else m for m in rec.messages
    )
    return rec.model_copy(update={"messages": msgs})


def test_llamafactory_sharegpt_and_openai_converters(tmp_path: Path) -> None:
    recs = tau2_records()
    write_dataset(recs, ExportOptions(format="sharegpt", out=tmp_path / "apigen.json"))
    info = json.loads((tmp_path / "dataset_info.json").read_text())["apigen"]
    assert info["formatting"] == "sharegpt" and info["file_name"] == "apigen.json"
    shared = json.loads((tmp_path / "apigen.json").read_text())
    oa = tmp_path / "o.jsonl"
    write_dataset(recs, ExportOptions(format="openai", out=oa, arguments="object"))
    tpl = tmp_path / "q.jsonl"
    bare = [without_text_beside_calls(r) for r in recs]
    assert sum(a != b for a, b in zip(recs, bare, strict=True)) > 10  # real agents do write it
    write_dataset(bare, ExportOptions(format="chat-template", out=tpl, chat_template="qwen2.5"))
    qwen = [r["text"] for r in rows(tpl)]
    for row, orow, text in zip(shared, rows(oa), qwen, strict=True):
        turns = llamafactory_sharegpt(row, info)
        tools = json.loads(row[info["columns"]["tools"]])
        via_sharegpt = llamafactory_qwen(row["system"], tools, turns)
        assert via_sharegpt == text  # the same text as apigen's qwen2.5 export
        via_openai = llamafactory_qwen(
            orow["messages"][0]["content"], orow["tools"], llamafactory_openai(orow)
        )
        assert via_openai == text


def test_llamafactory_keeps_reasoning_on_function_calls(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    write_dataset(
        [record(reasoning="Look the user up.")],
        ExportOptions(format="sharegpt", out=out, reasoning="keep"),
    )
    info = json.loads((tmp_path / "dataset_info.json").read_text())["r"]
    [row] = json.loads(out.read_text())
    turns = llamafactory_sharegpt(row, info)
    calls = [t for t in turns if t["role"] == "function"]
    assert len(calls) == 2 and all(THINK.match(t["content"]) for t in calls)
    text = llamafactory_qwen(row["system"], json.loads(row["tools"]), turns)
    assert text.count("<think>\nLook the user up.\n</think>") == 3


# -- transformers, datasets, TRL --------------------------------------------------------


def tokenizer(name: str) -> Any:
    """A transformers tokenizer built offline: a one-word vocabulary, the published
    chat template and the model's special tokens (no hub download)."""
    from tokenizers import Tokenizer, models
    from transformers import PreTrainedTokenizerFast

    file, bos, eos = MODELS[name]
    tok = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]")),
        bos_token=bos or None,
        eos_token=eos,
    )
    tok.chat_template = (PUBLISHED / file).read_text("utf-8")
    return tok


def trl_conversational(example: dict[str, Any]) -> bool:
    """TRL's ``is_conversational`` (trl/data_utils.py): a supported key holding a list of
    messages, each a dict with ``role`` (and ``content``)."""
    keys = ("prompt", "chosen", "rejected", "completion", "messages")
    found = [example[k] for k in keys if k in example]
    return bool(found) and all(
        isinstance(v, list) and all(isinstance(m, dict) and "role" in m for m in v) for v in found
    )


@pytest.mark.parametrize("name", sorted(MODELS))
def test_datasets_folder_renders_through_transformers(tmp_path: Path, name: str) -> None:
    from datasets import load_from_disk

    recs = tau2_records()
    seq = {"parallel": "sequential"} if name != "qwen2.5" else {}
    folder = tmp_path / "ds"
    res = write_dataset(recs, ExportOptions(format="hf-datasets", out=folder, **seq))
    assert res.written == 30 and res.extra_files == (folder / "README.md",)
    ds = load_from_disk(str(folder))
    tpl = tmp_path / "t.jsonl"
    write_dataset(recs, ExportOptions(format="chat-template", out=tpl, chat_template=name, **seq))
    tok = tokenizer(name)
    for row, text in zip(ds, (r["text"] for r in rows(tpl)), strict=True):
        assert trl_conversational(row)
        rendered = tok.apply_chat_template(row["messages"], tools=row["tools"], tokenize=False)
        assert rendered == text


def test_datasets_keeps_rows_exactly(tmp_path: Path) -> None:
    """Arrow would unify the tool schemas (every property of every tool on each, null)
    and add null keys to messages; the Json columns give back what was written."""
    from datasets import load_from_disk

    recs = tau2_records()
    write_dataset(recs, ExportOptions(format="hf-datasets", out=tmp_path / "ds"))
    write_dataset(
        recs, ExportOptions(format="openai", out=tmp_path / "o.jsonl", arguments="object")
    )
    ds = load_from_disk(str(tmp_path / "ds"))
    for row, orow in zip(ds, rows(tmp_path / "o.jsonl"), strict=True):
        assert row["messages"] == orow["messages"] and row["tools"] == orow["tools"]


def test_dataset_card(tmp_path: Path) -> None:
    prov = {"models": {"agent": ["sim/agent"], "judge": ["sim/judge", "openai/gpt-4o"]}}
    recs = [record(f"t{i}").model_copy(update={"provenance": prov}) for i in range(3)]
    opts = ExportOptions(format="hf-datasets", out=tmp_path / "ds", split=0.5, license="cc-by-4.0")
    res = write_dataset(recs, opts)
    cards = [(f.path / "README.md").read_text() for f in res.files]
    card = cards[0]
    assert card.startswith("---\nlicense: cc-by-4.0\n")
    assert "| toy |" in card and "| judge | openai/gpt-4o, sim/judge |" in card
    assert "**Warning:**" in card and "sim/agent, sim/judge" in card
    counts = {f.path.name.split(".")[1]: f.records for f in res.files}
    assert all(f"| {k} | {n} |" in card for k, n in counts.items())


def test_trl_prompt_completion(tmp_path: Path) -> None:
    """TRL's standard prompt-completion format: two strings per example."""
    out = tmp_path / "pc.jsonl"
    write_dataset(
        tau2_records(),
        ExportOptions(
            format="chat-template", out=out, chat_output="prompt-completion", per_turn=True
        ),
    )
    got = rows(out)
    assert len(got) > 30 and all(set(r) == {"prompt", "completion"} for r in got)
    assert all(r["completion"].endswith("<|im_end|>\n") for r in got)
    assert not any(trl_conversational(r) for r in got)  # plain text, as TRL expects it


# -- Agent Data Protocol ----------------------------------------------------------------

ADP_FIELDS = {
    "api_action": (
        {"class_", "function", "kwargs"},
        {"description", "reasoning_content", "tool_call_id", "reward"},
    ),
    "message_action": ({"class_", "content"}, {"description", "reasoning_content", "reward"}),
    "text_observation": ({"class_", "content", "source"}, {"name", "tool_call_id", "reward"}),
}


def adp_problems(row: dict[str, Any]) -> list[str]:
    """neulab/agent-data-protocol schema 1.2.0 (schema/trajectory.py and its action and
    observation models): known classes with their fields and no others; text sources
    user/agent/environment; a tool action followed by an observation carries a
    ``tool_call_id``; every observation id answers one earlier action, once."""
    bad: list[str] = []
    if (
        set(row) - {"schema_version", "id", "content", "details"}
        or row["schema_version"] != "1.2.0"
    ):
        bad.append("bad trajectory keys or version")
    actions: set[str] = set()
    answered: set[str] = set()
    for i, item in enumerate(row["content"]):
        kind = item.get("class_")
        if kind not in ADP_FIELDS:
            bad.append(f"class {kind}")
            continue
        need, may = ADP_FIELDS[kind]
        if not need <= set(item) or set(item) - need - may:
            bad.append(f"{kind} fields {sorted(item)}")
        nxt = row["content"][i + 1] if i + 1 < len(row["content"]) else {}
        if kind == "api_action":
            if nxt.get("class_") == "text_observation" and not item.get("tool_call_id"):
                bad.append("tool action followed by an observation without tool_call_id")
            actions.add(item.get("tool_call_id", ""))
        if kind == "text_observation":
            if item["source"] not in {"user", "agent", "environment"}:
                bad.append(f"source {item['source']}")
            tid = item.get("tool_call_id")
            if tid is not None and (tid not in actions or tid in answered):
                bad.append(f"observation {tid} answers no open action")
            answered.add(tid or "")
    if actions - answered:
        bad.append("actions without an observation")
    return bad


def test_adp_trajectories_follow_the_schema(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    recs: list[ExportRecord] = tau2_records()
    res = write_dataset(recs, ExportOptions(format="adp", out=out, provenance=True))
    got = rows(out)
    assert res.written == 30 and [adp_problems(r) for r in got] == [[]] * 30
    first = got[0]
    assert first["details"]["system"].startswith("# Airline Agent Policy")
    calls = sum(len(m.tool_calls) for m in recs[0].messages if m.role == "assistant")
    assert sum(c["class_"] == "api_action" for c in first["content"]) == calls
