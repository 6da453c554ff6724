"""Issue 12's table, played through the real ``run_episode`` in the retail domain with
the phrasing real agents and users write (scripted players; every verdict real)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from apigen.env import Environment, load_environment, protocol
from apigen.rollout import RolloutConfig, run_episode
from apigen.types import Blueprint, Message, ToolCall, Trajectory
from tests.rollout._scripted import BP, Reply, Scripted, call, good_script
from tests.rollout._support import CODE_ONLY, Spy, sim_client


@pytest.fixture(scope="module")
def retail() -> Environment:
    return load_environment("retail", 0, 1)


def _order(env: Environment) -> tuple[str, str]:
    order = next(o for o in env.db.orders.values() if o["status"] == "pending")
    return str(order["order_id"]), str(env.db.users[order["user_id"]]["email"])


async def play(
    env: Environment,
    asks: str,
    answer: str,
    *,
    reason: str = "ordered by mistake",
    judge: Any = None,
) -> Trajectory:
    """One cancellation played with ``asks`` / ``answer`` as the confirmation exchange;
    ``judge``: the trajectory committee (a list of scripted answers, or a client that
    answers the ``judge`` role), none by default."""
    order_id, email = _order(env)
    blueprint = Blueprint(
        domain="retail",
        id="cancel-by-mistake",
        instruction=f"Your email is {email}. Cancel order {order_id}: you ordered it by mistake.",
        actions=(
            ToolCall(name="find_user_id_by_email", arguments={"email": email}),
            ToolCall(
                name="cancel_pending_order",
                arguments={"order_id": order_id, "reason": "ordered by mistake"},
            ),
        ),
    )
    script = {
        "human": [
            Reply("Hi, I need to cancel an order I placed by mistake."),
            Reply(f"Sure, it's {email}. The order is {order_id}."),
            Reply(answer),
            Reply("Great, thanks! ###STOP###"),
        ],
        "agent": [
            Reply("I can help with that. Could you give me your email address first?"),
            Reply(tool_calls=(call("find_user_id_by_email", "c1", email=email),)),
            Reply(asks.format(order=order_id)),
            Reply(
                tool_calls=(call("cancel_pending_order", "c2", order_id=order_id, reason=reason),)
            ),
            Reply(f"Done: order {order_id} is cancelled and the refund is on its way."),
        ],
    }
    if judge is None:
        config, client = RolloutConfig(verifiers=CODE_ONLY), Scripted(script)
    elif isinstance(judge, list):
        config, client = RolloutConfig(), Scripted({**script, "judge": judge})
    else:
        config, client = RolloutConfig(), Judged(Scripted(script), judge)
    return await run_episode(blueprint, 0, env=env, client=client, config=config, seed=0)


class Judged:
    """Scripted players, and ``judge`` (another client) for the judge role."""

    def __init__(self, players: Scripted, judge: Any) -> None:
        self.players, self.judge = players, judge

    def members(self, role: str) -> tuple[str, ...]:
        return tuple(self.judge.members(role)) if role == "judge" else self.players.members(role)

    async def complete(self, role: str, model: str | None, messages: Any, **kw: Any) -> Any:
        client = self.judge if role == "judge" else self.players
        return await client.complete(role, model, messages, **kw)


ASK_PROCEED = (
    "Thanks, you're verified. I'll cancel order {order} with the reason 'ordered by "
    "mistake'; the refund goes back to the original payment method. "
    "Do you want me to proceed?"
)
ASK_CORRECT = (
    "Thanks! To confirm: you'd like to cancel order {order} because it was ordered by "
    "mistake, with the refund to your original payment method. Is that correct?"
)
CANONICAL = protocol.confirmation_request("cancel order {order} (reason: ordered by mistake)")


@pytest.mark.parametrize(
    ("asks", "answer"),
    [
        (ASK_PROCEED, "Yes, please."),
        (ASK_CORRECT, "Yes, that's correct."),
        (CANONICAL, "Yes please, and don't charge me anything."),
    ],
    ids=["proceed", "is-that-correct", "yes-with-a-condition"],
)
async def test_real_agreements_are_accepted(retail: Environment, asks: str, answer: str) -> None:
    traj = await play(retail, asks, answer)
    assert traj.ending == "stop"
    assert traj.accepted, [v for v in traj.verdicts if not v.passed]


async def test_an_agreement_with_an_open_question_is_no_consent(retail: Environment) -> None:
    traj = await play(retail, CANONICAL, "Yes \u2014 but wait, what's the refund amount first?")
    assert not traj.accepted
    assert traj.ending == "early_reject:policy"
    (early,) = [v for v in traj.verdicts if v.verifier == "early_reject"]
    assert any("confirm_before_write" in r for r in early.reasons)


async def test_a_capitalised_enumeration_is_the_same_reason(retail: Environment) -> None:
    """Policy check, early rejection and state verdict agree: "Ordered by mistake"
    is the allowed reason "ordered by mistake" (retail's declared comparison)."""
    traj = await play(retail, ASK_PROCEED, "Yes, please.", reason="Ordered by mistake")
    assert traj.ending == "stop"
    assert traj.accepted, [v for v in traj.verdicts if not v.passed]
    traj = await play(retail, ASK_PROCEED, "Yes, please.", reason="I just felt like it")
    assert traj.ending == "early_reject:policy"


async def test_reasoning_is_neither_shown_to_the_human_nor_an_output(
    toy_env: Environment,
) -> None:
    """The agent's reasoning holds the expected output and a fake "yes"; the human
    never sees it and the outputs verdict does not count it."""
    script = good_script(final="All done, the deposit went through.")
    script["agent"][-1] = Reply(
        "All done, the deposit went through.",
        reasoning="New balance is 876. The user said: yes, please go ahead.",
    )
    client = Scripted(script)
    config = RolloutConfig(verifiers=CODE_ONLY)
    traj = await run_episode(BP, 0, env=toy_env, client=client, config=config, seed=0)
    (outputs,) = [v for v in traj.verdicts if v.verifier == "outputs"]
    assert not outputs.passed and outputs.reasons == ("missing output '876'",)
    seen = [m.content or "" for r in client.requests if r["role"] == "human" for m in r["messages"]]
    assert not any("876" in text for text in seen)
    assert traj.messages[-2].reasoning is not None  # kept for exports


async def test_an_unsound_rule_goes_to_review_and_never_stops_the_episode(
    retail: Environment,
) -> None:
    """The request does not name the order: ``confirmation_names_action`` (unsound)
    flags it, but the episode runs to its end and the policy verdict only reports it."""
    traj = await play(retail, "I'll cancel it for you. Do you want me to proceed?", "Yes, please.")
    assert traj.ending == "stop" and traj.accepted
    (policy,) = [v for v in traj.verdicts if v.verifier == "policy"]
    assert policy.passed
    assert any(
        r.startswith("review: ") and "confirmation_names_action" in r for r in policy.reasons
    )


async def test_a_write_with_another_call_breaks_one_call_at_a_time(retail: Environment) -> None:
    order_id, email = _order(retail)
    find = call("find_user_id_by_email", "c1", email=email)
    details = call("get_order_details", "c2", order_id=order_id)
    cancel = call("cancel_pending_order", "c3", order_id=order_id, reason="no longer needed")
    asks = f"I'll cancel {order_id} as no longer needed. Do you want me to proceed?"
    messages = [
        Message(role="user", content=f"Hi, I'm {email}; please cancel {order_id}."),
        Message(role="assistant", tool_calls=(find, details)),  # parallel reads: fine
        Message(role="assistant", content=asks),
        Message(role="user", content="Yes, please."),
        Message(role="assistant", tool_calls=(details, cancel)),
    ]
    box = retail.sandbox()
    assert box.policy_violations(find, messages[:2]) == []
    box.call(find)
    assert box.policy_violations(details, messages[:2]) == []
    found = box.policy_violations(cancel, messages)
    assert [v.rule for v in found] == ["one_call_at_a_time"] and found[0].sound


UNNAMED = "I'll take care of that for you. Shall I go ahead?"
"""A confirmation request that states nothing of the write."""


def _committee(traj: Trajectory) -> Any:
    return next(v for v in traj.verdicts if v.verifier == "committee")


def _judge_prompts(client: Spy) -> list[str]:
    return [r["messages"][-1].content for r in client.requests if r["role"] == "judge"]


@pytest.mark.parametrize(
    ("asks", "upheld"),
    [("I'll cancel it for you. Do you want me to proceed?", False), (UNNAMED, True)],
    ids=["names-the-verb", "names-nothing"],
)
async def test_the_sim_judge_rules_on_the_review_point_it_is_shown(
    retail: Environment, asks: str, upheld: bool
) -> None:
    """The unsound point reaches the judge's prompt with its call; the sim judge
    rules on it from the prompt (dismissed when the request says what the write
    does, upheld when it says nothing); the verdict and the vote record it."""
    spy = Spy(sim_client(judge="sim/judge"))
    traj = await play(retail, asks, "Yes, please.", judge=spy)
    order_id, _ = _order(retail)
    (prompt,) = _judge_prompts(spy)
    section = prompt.split("Points the code could not decide", 1)[1]
    assert "under policy_adherence" in section.splitlines()[0]
    assert "- confirmation_names_action at `AGENT CALLS cancel_pending_order(" in section
    assert order_id in section
    committee = _committee(traj)
    assert any(r.startswith("ruled on: confirmation_names_action") for r in committee.reasons)
    (vote,) = committee.votes
    assert ("upheld" if upheld else "dismissed") in vote.rationale
    assert vote.scores["policy_adherence"] == (0 if upheld else 1)
    assert traj.accepted is (not upheld)


async def test_the_sim_judge_uses_the_prompt_not_the_episode(retail: Environment) -> None:
    """Without the review section in its prompt the sim judge has no point to rule on:
    it does not reach for the episode's violations."""

    class Strip(Spy):
        async def complete(self, role: str, model: str | None, messages: Any, **kw: Any) -> Any:
            msgs = [
                m.model_copy(update={"content": m.content.split("\n\nPoints the code")[0]})
                if m.role == "user" and m.content
                else m
                for m in messages
            ]
            return await super().complete(role, model, msgs, **kw)

    traj = await play(retail, UNNAMED, "Yes, please.", judge=Strip(sim_client(judge="sim/judge")))
    (vote,) = _committee(traj).votes
    assert vote.scores["policy_adherence"] == 1 and "review point" not in vote.rationale


def _answer(policy: int, reason: str) -> Reply:
    body = {
        "criteria": {
            "policy_adherence": {"score": policy, "reason": reason},
            "faithfulness": {"score": 1, "reason": "supported"},
            "human_realism": {"score": 1, "reason": "natural"},
        },
        "rationale": "see the criteria",
    }
    return Reply("<think>the order id is missing from the request</think>" + json.dumps(body))


@pytest.mark.parametrize("policy", [0, 1])
async def test_a_real_format_judge_decides_the_review_point(
    retail: Environment, policy: int
) -> None:
    why = "the confirmation request never named the order, so the user could not know"
    traj = await play(retail, UNNAMED, "Yes, please.", judge=[_answer(policy, why)])
    committee = _committee(traj)
    assert committee.passed is bool(policy) and traj.accepted is bool(policy)
    assert any(r.startswith("ruled on: confirmation_names_action") for r in committee.reasons)
    (vote,) = committee.votes
    assert vote.scores["policy_adherence"] == policy
    assert (why in vote.rationale) is (policy == 0)
