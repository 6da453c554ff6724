"""Hand-built trajectories and blueprints with known contents, for store and export tests."""

from __future__ import annotations

import json

from apigen.types import (
    Blueprint,
    Message,
    StageOutcome,
    ToolCall,
    Trajectory,
    Usage,
    ValidationReport,
    Verdict,
    Vote,
)

POLICY = "# Bank policy\n\nAuthenticate the user by email. Confirm every write."


def conversation(
    calls: list[tuple[str, dict[str, object]]],
    *,
    user: str = "Hi, I am user1@example.com.",
    reasoning: str | None = None,
    parallel: bool = False,
    stop: bool = True,
) -> tuple[Message, ...]:
    """system, user, then each call answered by a tool message, a final reply, and
    (``stop``) the simulated human's stop message."""
    msgs = [Message(role="system", content=POLICY), Message(role="user", content=user)]
    tool_calls = [ToolCall(name=n, arguments=a, id=f"call_{i}") for i, (n, a) in enumerate(calls)]
    groups = [tool_calls] if parallel else [[c] for c in tool_calls]
    for group in groups:
        msgs.append(Message(role="assistant", tool_calls=tuple(group), reasoning=reasoning))
        for c in group:
            out = json.dumps({"tool": c.name, "ok": True})
            msgs.append(Message(role="tool", content=out, tool_call_id=c.id, name=c.name))
    msgs.append(
        Message(role="assistant", content="Done: your balance is 105.", reasoning=reasoning)
    )
    if stop:
        msgs.append(Message(role="user", content="###STOP###"))
    return tuple(msgs)


def blueprint(
    key: str = "bp-1",
    *,
    failed: str | None = None,
    reason: str = "",
    round: int = 0,
    amount: int = 5,
) -> Blueprint:
    """A toy blueprint whose report passes every stage, or fails at stage ``failed``."""
    stages = []
    for s in ("format", "execution", "policy", "review"):
        ok = s != failed
        votes = (
            tuple(Vote(judge=f"sim/reviewer#{j}", passed=ok or j == 0) for j in range(3))
            if s == "review"
            else ()
        )
        stages.append(
            StageOutcome(stage=s, passed=ok, reasons=() if ok else (reason,), votes=votes)
        )
        if not ok:
            break
    return Blueprint(
        domain="toy",
        instruction=f"Deposit {amount} dollars into account a1_0.",
        actions=(ToolCall(name="deposit", arguments={"account_id": "a1_0", "amount": amount}),),
        outputs=("105",),
        id=key,
        generator="sim/generator",
        report=ValidationReport(stages=tuple(stages), round=round),
    )


def trajectory(
    *,
    key: str = "bp-1",
    accepted: bool = True,
    calls: list[tuple[str, dict[str, object]]] | None = None,
    votes: tuple[bool, ...] = (True, True, True),
    ending: str = "stop",
    turns: int = 2,
    cost: float | None = 0.01,
    trial: int = 0,
    reasoning: str | None = None,
    parallel: bool = False,
) -> Trajectory:
    """A toy trajectory with a committee verdict of ``votes`` and a state verdict."""
    calls = (
        calls
        if calls is not None
        else [
            ("find_user", {"email": "user1@example.com"}),
            ("deposit", {"account_id": "a1_0", "amount": 5}),
        ]
    )
    messages = conversation(calls, reasoning=reasoning, parallel=parallel)
    judged = sum(votes) * 2 > len(votes)
    return Trajectory(
        blueprint_id=key,
        domain="toy",
        trial=trial,
        messages=messages,
        final_diff={"accounts": {"a1_0": {"before": {"balance": 100}, "after": {"balance": 105}}}},
        verdicts=(
            Verdict(
                verifier="state",
                passed=accepted,
                score=1.0 if accepted else 0.0,
                reasons=() if accepted else ("final state differs",),
            ),
            Verdict(
                verifier="committee",
                passed=judged,
                votes=tuple(Vote(judge=f"sim/judge#{i}", passed=v) for i, v in enumerate(votes)),
                reasons=() if judged else ("majority rejected",),
            ),
        ),
        accepted=accepted,
        ending=ending,
        turns=turns,
        tool_calls=len(calls),
        usage={
            "agent": Usage(calls=3, prompt_tokens=1000, completion_tokens=100, cost_usd=cost),
            "human": Usage(calls=2, prompt_tokens=500, completion_tokens=50, cost_usd=cost),
        },
        duration_s=3.5,
    )
