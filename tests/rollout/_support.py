"""Shared by the rollout tests: toy blueprints, a sim-model client, shape checks."""

from __future__ import annotations

from typing import Any

from apigen.llm import LLMClient, RetrySettings
from apigen.types import Blueprint, ToolCall, Trajectory
from tests.support.clients import role_client


def _call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def _find(email: str) -> ToolCall:
    return _call("find_user", email=email)


TOY_BLUEPRINTS = (
    Blueprint(
        domain="toy",
        id="toy-deposit",
        instruction="You are user0@example.com. You want to deposit 100 dollars into "
        "account a0_0. You also want to know the new balance.",
        actions=(
            _find("user0@example.com"),
            _call("get_account", account_id="a0_0"),
            _call("deposit", account_id="a0_0", amount=100),
        ),
        outputs=("876",),
        persona="A night-shift nurse in a hurry.",
    ),
    Blueprint(
        domain="toy",
        id="toy-close",
        instruction="Your email is user1@example.com. You want to close account a1_1.",
        actions=(
            _find("user1@example.com"),
            _call("get_user", user_id="u1"),
            _call("close_account", account_id="a1_1"),
        ),
    ),
    Blueprint(
        domain="toy",
        id="toy-deposit-then-close",
        instruction="You are user2@example.com. First, deposit 50 dollars into account "
        "a2_0 and ask for its new balance. Then close account a2_1.",
        actions=(
            _find("user2@example.com"),
            _call("get_account", account_id="a2_0"),
            _call("deposit", account_id="a2_0", amount=50),
            _call("close_account", account_id="a2_1"),
        ),
        outputs=("464",),
    ),
    Blueprint(
        domain="toy",
        id="toy-two-deposits",
        instruction="You are user3@example.com. You want to deposit 9 dollars into "
        "account a3_0. Then you want to deposit 12 dollars into account a3_1. You want "
        "to hear both new balances.",
        actions=(
            _find("user3@example.com"),
            _call("deposit", account_id="a3_0", amount=9),
            _call("deposit", account_id="a3_1", amount=12),
        ),
        outputs=("$1,000", "500"),
    ),
)


CODE_ONLY = ("state", "outputs", "policy")
"""The verifiers without the committee (its judges off)."""


def sim_client(attempts: int = 4, **roles: str | tuple[str, ...]) -> LLMClient:
    """A client whose roles are the ``sim/…`` models (the defaults, or ``role=model`` /
    ``role=(member, …)``), retrying without waits."""
    retry = RetrySettings(
        max_attempts=attempts, initial_wait_s=0, max_wait_s=0, max_retry_after_s=0
    )
    return role_client(retry=retry, **roles)


def verdict(traj: Trajectory, name: str) -> bool | None:
    """Whether verdict ``name`` passed; ``None`` when it is absent."""
    return next((v.passed for v in traj.verdicts if v.verifier == name), None)


def failed(traj: Trajectory) -> set[str]:
    return {v.verifier for v in traj.verdicts if not v.passed}


def assert_valid_shape(traj: Trajectory) -> None:
    """A valid OpenAI message list: system first, every tool call answered right after."""
    msgs = traj.messages
    assert msgs[0].role == "system"
    answered = 0
    for i, m in enumerate(msgs):
        if m.role == "assistant" and m.tool_calls:
            ids = [c.id for c in m.tool_calls]
            assert all(ids) and len(set(ids)) == len(ids)
            following = msgs[i + 1 : i + 1 + len(ids)]
            assert [f.role for f in following] == ["tool"] * len(ids), traj.ending
            assert [f.tool_call_id for f in following] == ids
            assert [f.name for f in following] == [c.name for c in m.tool_calls]
            answered += len(ids)
    assert answered == sum(m.role == "tool" for m in msgs)


class Spy:
    """Wraps a client and records every request (role, model, messages, tools, params,
    context) before passing it on."""

    def __init__(self, inner: LLMClient) -> None:
        self.inner = inner
        self.requests: list[dict[str, Any]] = []

    async def complete(self, role: str, model: str | None, messages: Any, **kw: Any) -> Any:
        msgs = list(messages)
        self.requests.append({"role": role, "model": model, "messages": msgs, **kw})
        return await self.inner.complete(role, model, msgs, **kw)

    def members(self, role: str) -> tuple[str, ...]:
        return self.inner.members(role)
