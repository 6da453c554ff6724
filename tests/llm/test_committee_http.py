"""Committee copies over HTTP: three members of one real model, response cache on.

The local OpenAI-compatible server (tests/llm/_server.py) answers each request with
the next scripted reviewer answer, written in shapes real models use (a reflection,
0/1 per criterion, a correction; one member with string scores and prose first).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from apigen.blueprints import Phase1Config
from apigen.env import Environment
from apigen.llm import LLMClient, MemoryCache
from tests.blueprints.fakes import review_toy
from tests.llm._server import FakeOpenAI, Reply, chat_body

MODEL = "openai/local-model"
CRITERIA = ("correctness", "completeness", "satisfaction", "creativity")


def _answer(fail: str | None, *, words: bool = False) -> str:
    def score(c: str) -> object:
        ok = c != fail
        return ("pass" if ok else "fail") if words else int(ok)

    body = {
        "reflection": "The instruction names the email; the lookup returns the user.",
        "criteria": {c: {"score": score(c), "reason": f"{c} checked"} for c in CRITERIA},
        "correction": None if fail is None else f"fix {fail}: state the account email",
        "rationale": "overall",
    }
    prose = "I checked the tool outputs {as shown}. " if words else ""
    return prose + json.dumps(body)


@pytest.mark.parametrize("varied", [False, True], ids=["same-params", "member-params"])
async def test_copies_of_one_model_cast_distinct_votes_with_the_cache_on(
    server: FakeOpenAI, make_client: Callable[..., LLMClient], toy_env: Environment, varied: bool
) -> None:
    server.push(
        *(
            Reply(body=chat_body(text))
            for text in (_answer(None), _answer("completeness"), _answer("creativity", words=True))
        )
    )
    params = [{"temperature": 0.2}, {"temperature": 0.7}, {"seed": 3}]
    reviewer = {"models": [MODEL] * 3, "member_params": params if varied else []}
    client = make_client(cache=MemoryCache(), reviewer=reviewer)
    first = await review_toy(toy_env, client, Phase1Config())
    assert len(server.requests) == 3  # no copy was served another copy's answer
    assert [v.judge for v in first.votes] == [f"{MODEL}#{i}" for i in (1, 2, 3)]
    assert all(v.passed is not None for v in first.votes)  # string scores and prose read
    failed = sorted(c for v in first.votes for c, s in v.scores.items() if s == 0)
    assert failed == ["completeness", "creativity"]
    sent = sorted(
        json.dumps({k: r[k] for k in ("temperature", "seed") if r.get(k) is not None})
        for r in server.requests
    )
    assert sent == sorted(json.dumps(p if varied else {}) for p in params)
    # The stored outcome keeps the prompt, tool outputs included; corrections feed back.
    assert first.prompt is not None and 'find_user({"email": "user0@example.com"})' in first.prompt
    assert 'returned: "u0"' in first.prompt
    assert any("correction" in v.rationale for v in first.votes)

    again = await review_toy(
        toy_env, client, Phase1Config()
    )  # every member served from its own cache entry
    assert len(server.requests) == 3
    assert again.votes == first.votes
