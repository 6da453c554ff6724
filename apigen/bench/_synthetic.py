"""Synthetic work items for the store benchmark: realistic shapes, seeded, no models.

Each item has one or two blueprint drafts (the first may fail a stage) and one
or two trials: 6–20 messages with tool calls answered by tool messages,
verdicts with judge votes, usage per role.
"""

from __future__ import annotations

import json
import random

from apigen.store import ItemResult, RoleUsage
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

__all__ = ["POLICY", "TOOLS", "TOOL_SCHEMAS", "synthetic_item"]

TOOLS = ("find_user", "get_user", "get_account", "deposit", "close_account")
POLICY = "# Bank policy\n\nAuthenticate first."
TOOL_SCHEMAS = tuple(
    {
        "type": "function",
        "function": {
            "name": name,
            "description": f"The {name.replace('_', ' ')} tool.",
            "parameters": {
                "type": "object",
                "properties": {"email": {"type": "string"}},
                "required": ["email"],
            }
            if name == "find_user"
            else {
                "type": "object",
                "properties": {"account_id": {"type": "string"}, "amount": {"type": "integer"}},
                "required": ["account_id"],
            },
        },
    }
    for name in TOOLS
)
"""OpenAI definitions of the synthetic tools (for exports of benchmark data)."""
_REASONS = {
    "execution": ("deposit failed: amount must be positive", "account not found"),
    "policy": ("confirm_writes: write without confirmation", "auth_first: no user authenticated"),
    "review": ("instruction does not state the amount", "outputs not grounded"),
}
_ENDINGS = ("stop", "stop", "stop", "max_turns", "transfer", "early_reject:policy")


def _usage(rng: random.Random, calls: int) -> Usage:
    p = rng.randrange(400, 2000) * calls
    c = rng.randrange(20, 200) * calls
    return Usage(calls=calls, prompt_tokens=p, completion_tokens=c, cost_usd=(p + 3 * c) * 1e-7)


def _conversation(rng: random.Random, n: int, user: int) -> tuple[list[Message], int, int]:
    msgs = [Message(role="system", content=POLICY)]
    msgs.append(Message(role="user", content=f"Hi, I am user{user}@example.com."))
    calls = turns = 0
    while len(msgs) < n - 1:
        tool = rng.choice(TOOLS)
        cid = f"call_{len(msgs)}"
        args: dict[str, object] = (
            {"email": f"u{user}@x"} if tool == "find_user" else {"account_id": f"a{user}_0"}
        )
        if tool == "deposit":
            args["amount"] = rng.randrange(1, 500)
        msgs.append(
            Message(
                role="assistant",
                tool_calls=(ToolCall(name=tool, arguments=args, id=cid),),
                reasoning="I should look this up." if rng.random() < 0.3 else None,
            )
        )
        out = {"account_id": f"a{user}_0", "balance": rng.randrange(1000), "status": "open"}
        msgs.append(Message(role="tool", content=json.dumps(out), tool_call_id=cid, name=tool))
        calls += 1
        if len(msgs) < n - 2 and rng.random() < 0.4:
            msgs.append(Message(role="assistant", content="Done. Anything else?"))
            msgs.append(Message(role="user", content="Yes, please go ahead."))
            turns += 1
    msgs.append(Message(role="assistant", content="All set. Your balance is updated."))
    return msgs, calls, turns + 1


def synthetic_item(run_id: str, index: int, seed: int = 0, *, trials: int = 1) -> ItemResult:
    """One realistic work item (blueprints, ``trials`` trajectories, usage)."""
    rng = random.Random(f"{seed}:{index}")
    user = rng.randrange(100)
    action = ToolCall(name="deposit", arguments={"account_id": f"a{user}_0", "amount": 5})
    blueprints = []
    stages: tuple[str, ...] = ("format", "execution", "policy", "review")
    fail = rng.choice((None, None, None, "execution", "policy", "review"))
    for rnd in range(2 if fail else 1):
        outcomes = []
        for s in stages:
            ok = not (rnd == 0 and s == fail)
            votes = tuple(Vote(judge=f"sim/reviewer#{j}", passed=ok or j == 0) for j in range(3))
            reasons = () if ok else (rng.choice(_REASONS[s]),)
            outcomes.append(
                StageOutcome(
                    stage=s,
                    passed=ok,
                    reasons=reasons,
                    votes=votes if s == "review" else (),
                )
            )
            if not ok:
                break
        blueprints.append(
            Blueprint(
                domain="toy",
                instruction=f"Deposit 5 dollars into account a{user}_0.",
                actions=(action,),
                outputs=("5",),
                id=f"bp-{index}",
                generator="sim/generator",
                report=ValidationReport(stages=tuple(outcomes), round=rnd),
            )
        )
    trajectories = []
    for trial in range(trials):
        msgs, calls, turns = _conversation(rng, rng.randrange(6, 21), user)
        votes = tuple(Vote(judge=f"sim/judge#{j}", passed=rng.random() < 0.8) for j in range(3))
        judged = sum(bool(v.passed) for v in votes) >= 2
        ending = rng.choice(_ENDINGS)
        accepted = judged and ending == "stop"
        verdicts = (
            Verdict(
                verifier="state",
                passed=ending == "stop",
                score=1.0 if ending == "stop" else 0.0,
                reasons=() if ending == "stop" else ("final state differs from ground truth",),
            ),
            Verdict(
                verifier="committee",
                passed=judged,
                votes=votes,
                reasons=() if judged else ("majority of judges rejected",),
            ),
        )
        usage = {
            "human": _usage(rng, turns),
            "agent": _usage(rng, calls + turns),
            "judge": _usage(rng, 3),
        }
        trajectories.append(
            Trajectory(
                blueprint_id=f"bp-{index}",
                domain="toy",
                trial=trial,
                messages=tuple(msgs),
                final_diff={
                    "accounts": {f"a{user}_0": {"before": {"balance": 1}, "after": {"balance": 6}}}
                },
                verdicts=verdicts,
                accepted=accepted,
                ending=ending,
                turns=turns,
                tool_calls=calls,
                usage=usage,
                duration_s=rng.uniform(2, 30),
            )
        )
    usage_rows = [
        RoleUsage(role="generator", model="sim/generator", usage=_usage(rng, len(blueprints))),
        RoleUsage(role="reviewer", model="sim/reviewer", usage=_usage(rng, 3)),
    ]
    for t in trajectories:
        usage_rows += [RoleUsage(role=r, model=f"sim/{r}", usage=u) for r, u in t.usage.items()]
    return ItemResult(
        run_id=run_id,
        item_index=index,
        blueprints=tuple(blueprints),
        trajectories=tuple(trajectories),
        usage=tuple(usage_rows),
    )
