"""Helpers shared by the sim tests (this module holds no tests).

``call`` runs ``litellm.acompletion`` with an episode context; ``run_episode`` plays
sim/human against sim/agent the way the rollout loop will: human turn with flipped
roles and no tool traffic, then agent turns (tool calls run in the sandbox) until
the agent answers in text.
"""

from __future__ import annotations

import importlib
import json
import random
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest

from apigen.env import Environment, Sandbox, protocol, register_domain
from apigen.llm._context import EPISODE_CONTEXT
from apigen.llm.sim import ContextKey as K
from apigen.llm.sim import register_sim_provider
from apigen.types import Blueprint, Message, ToolCall
from tests.support.toy import DOMAIN

# Imported after apigen, which sets LITELLM_LOCAL_MODEL_COST_MAP: litellm must never
# fetch its price list from the network.
litellm = importlib.import_module("litellm")

WRITES = ("deposit", "close_account")


def guard_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any connection to a non-loopback address fail the test."""
    real = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in (
            "127.0.0.1",
            "::1",
            "localhost",
        ):
            raise AssertionError(f"network access in a test: {address}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@cache
def toy_env() -> Environment:
    """The toy bank (registered) with the sim provider registered."""
    register_domain(DOMAIN)
    register_sim_provider()
    return DOMAIN.load(seed=0)


async def call(
    model: str, messages: list[dict[str, Any]], ctx: Mapping[str, Any], **kw: Any
) -> Any:
    token = EPISODE_CONTEXT.set(ctx)
    try:
        return await litellm.acompletion(model=model, messages=messages, **kw)
    finally:
        EPISODE_CONTEXT.reset(token)


def parse_blueprint(text: str) -> Blueprint:
    def tag(name: str) -> str:
        found = re.search(rf"<{name}>(.*?)</{name}>", text, re.S)
        assert found, f"no <{name}> section in {text!r}"
        return found.group(1)

    actions = [ToolCall(**a) for a in json.loads(tag("actions"))]
    return Blueprint(
        domain="toy",
        instruction=tag("instruction"),
        actions=tuple(actions),
        outputs=tuple(json.loads(tag("outputs"))),
    )


async def make_blueprint(env: Environment, seed: int, writes: tuple[str, ...]) -> Blueprint:
    """A blueprint from sim/generator, plus the deposit's new balance as expected output."""
    task = DOMAIN.sample_task(env.db, random.Random(seed), writes)
    assert task is not None
    ctx = {K.TASK: task, K.PERSONA: "a night-shift nurse", K.SEED: seed, K.EPISODE: f"g{seed}"}
    reply = await call("sim/generator", [{"role": "user", "content": "Write it."}], ctx)
    bp = parse_blueprint(reply.choices[0].message.content)
    deposit = next((s.call for s in task.steps if s.call.name == "deposit"), None)
    if deposit is None:
        return bp
    acct = env.db.accounts[deposit.arguments["account_id"]]
    return bp.model_copy(update={"outputs": (str(acct["balance"] + deposit.arguments["amount"]),)})


@dataclass
class Episode:
    box: Sandbox
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def human(self) -> list[str]:
        return [m["content"] for m in self.messages if m["role"] == "user"]

    @property
    def agent(self) -> list[str]:
        return [m["content"] for m in self.messages if m["role"] == "assistant" and m["content"]]

    @property
    def answers(self) -> list[str]:
        """What the human answered to each confirmation request of the agent."""
        out, asked = [], False
        for m in self.messages:
            if m["role"] == "assistant" and m["content"]:
                asked = protocol.asks_confirmation(m["content"])
            elif m["role"] == "user" and asked:
                out.append(m["content"])
                asked = False
        return out

    @property
    def calls(self) -> list[ToolCall]:
        return [e.call for e in self.box.trace]

    def records(self) -> tuple[Message, ...]:
        out = []
        for m in self.messages:
            calls = tuple(
                ToolCall(
                    name=c["function"]["name"],
                    arguments=json.loads(c["function"]["arguments"]),
                    id=c["id"],
                )
                for c in m.get("tool_calls", ())
            )
            out.append(
                Message(
                    role=m["role"],
                    content=m.get("content"),
                    tool_calls=calls,
                    tool_call_id=m.get("tool_call_id"),
                    name=m.get("name"),
                )
            )
        return tuple(out)


async def run_episode(
    env: Environment,
    bp: Blueprint,
    *,
    seed: int = 0,
    episode: str = "ep",
    agent: str = "sim/agent",
    human: str = "sim/human",
    max_turns: int = 12,
) -> Episode:
    """Human turn (roles flipped, no tool traffic), then agent turns until it answers in text."""
    ep = Episode(box=env.sandbox())
    ep.messages.append({"role": "system", "content": env.domain.policy})
    ctx = {K.BLUEPRINT: bp, K.SANDBOX: ep.box, K.ENV: env, K.SEED: seed, K.EPISODE: episode}
    tools = [t.schema for t in env.domain.tools]
    for _ in range(max_turns):
        flipped = [{"role": "system", "content": bp.instruction}]
        for m in ep.messages[1:]:
            if m["role"] == "assistant" and m["content"]:
                flipped.append({"role": "user", "content": m["content"]})
            elif m["role"] == "user":
                flipped.append({"role": "assistant", "content": m["content"]})
        said = (await call(human, flipped, ctx)).choices[0].message.content
        ep.messages.append({"role": "user", "content": said})
        if "###STOP###" in said or "###TRANSFER###" in said:
            return ep
        for _ in range(6):
            msg = (await call(agent, ep.messages, ctx, tools=tools)).choices[0].message
            entry: dict[str, Any] = {"role": "assistant", "content": msg.content}
            if not msg.tool_calls:
                ep.messages.append(entry)
                break
            entry["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.function.name, "arguments": c.function.arguments},
                }
                for c in msg.tool_calls
            ]
            ep.messages.append(entry)
            for c in msg.tool_calls:
                done = ep.box.call(
                    ToolCall(name=c.function.name, arguments=json.loads(c.function.arguments))
                )
                out = json.dumps(done.output) if done.ok else f"Error: {done.error.message}"  # type: ignore[union-attr]
                ep.messages.append(
                    {"role": "tool", "tool_call_id": c.id, "name": c.function.name, "content": out}
                )
    raise AssertionError("episode did not end")


def expected_diff(env: Environment, bp: Blueprint) -> Any:
    box = env.sandbox()
    box.replay(bp.actions)
    return box.diff()


async def judge(env: Environment, bp: Blueprint, ep: Episode) -> dict[str, int]:
    ctx = {K.BLUEPRINT: bp, K.ENV: env, K.SANDBOX: ep.box, K.MESSAGES: ep.records()}
    reply = await call("sim/judge", [{"role": "user", "content": "Judge it."}], ctx)
    data = json.loads(reply.choices[0].message.content)
    return {k: v["score"] for k, v in data["criteria"].items()}
