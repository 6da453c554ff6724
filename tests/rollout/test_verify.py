"""Re-verification (``apigen trajectories verify``): recorded tool calls re-executed in a
fresh sandbox, every code verifier run again, recorded results never trusted.

The trajectories are played by sim players on curated airline blueprints; the
rewritten confirmation exchanges are the realistic phrasings of issue 12's table.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from apigen.blueprints import curated_dir, load_blueprint
from apigen.env import load_environment, protocol
from apigen.rollout import (
    RolloutConfig,
    VerifyRecord,
    detect_reader,
    run_trials,
    verify_records,
    write_trajectories,
)
from apigen.types import Blueprint, Message, Trajectory
from tests.rollout._support import sim_client
from tests.support.cli import apigen

AIRLINE = curated_dir() / "airline"
BAGS = AIRLINE / "bags_3.yaml"


@pytest.fixture(scope="module")
def blueprint() -> Blueprint:
    return load_blueprint(BAGS)


@pytest.fixture(scope="module")
def recorded(blueprint: Blueprint) -> Trajectory:
    env = load_environment("airline", seed=0)
    config = RolloutConfig(trials=1, verifiers=("state", "outputs", "policy"))
    play = run_trials(blueprint, env=env, client=sim_client(), config=config)
    result = asyncio.run(play)
    traj = result.trajectories[0]
    assert traj.accepted, traj.verdicts
    return traj


async def _verify(traj: Trajectory, blueprint: Blueprint, **changes: object) -> Trajectory:
    record = VerifyRecord(
        id=traj.id or "t",
        messages=traj.messages,
        blueprint=blueprint,
        reward=1.0,
        ending=traj.ending,
    )
    for key, value in changes.items():
        record = VerifyRecord(**{**record.__dict__, key: value})
    outcomes = [
        o
        async for o in verify_records(
            [record],
            blueprints={},
            environment=lambda d: load_environment(d, seed=0),
            config=RolloutConfig(),
        )
    ]
    assert outcomes[0].trajectory is not None
    return outcomes[0].trajectory


def _rewrite_confirmation(
    messages: tuple[Message, ...], agent: Callable[[str], str], user: str
) -> tuple[Message, ...]:
    """The confirmation exchange before the first write rewritten: the agent's question
    by ``agent(statement)`` (the stated action kept), the user's answer by ``user``;
    tool calls unchanged."""
    out = list(messages)
    ask = next(
        i
        for i, m in enumerate(out)
        if m.role == "assistant" and protocol.asks_confirmation(m.content or "")
    )
    statement = (out[ask].content or "").replace(protocol.CONFIRM_QUESTION, "").strip()
    out[ask] = out[ask].model_copy(update={"content": agent(statement)})
    answer = next(i for i in range(ask + 1, len(out)) if out[i].role == "user")
    out[answer] = out[answer].model_copy(update={"content": user})
    return tuple(out)


def _failed(traj: Trajectory) -> dict[str, tuple[str, ...]]:
    """The failed checks (the ``failed_by`` attribution left out)."""
    return {
        v.verifier: v.reasons for v in traj.verdicts if not v.passed and v.verifier != "failed_by"
    }


def _blame(traj: Trajectory) -> str | None:
    return next((v.reasons[0] for v in traj.verdicts if v.verifier == "failed_by"), None)


async def test_a_recorded_accepted_trajectory_is_accepted_again(
    recorded: Trajectory, blueprint: Blueprint
) -> None:
    again = await _verify(recorded, blueprint)
    assert again.accepted, _failed(again)
    assert [v.verifier for v in again.verdicts] == ["ending", "state", "outputs", "policy"]
    assert again.final_diff == recorded.final_diff


async def test_recorded_tool_results_are_not_trusted(
    recorded: Trajectory, blueprint: Blueprint
) -> None:
    forged = tuple(
        m.model_copy(update={"content": '{"forged": true}'}) if m.role == "tool" else m
        for m in recorded.messages
    )
    again = await _verify(recorded, blueprint, messages=forged)
    results = [m.content for m in again.messages if m.role == "tool"]
    assert results == [m.content for m in recorded.messages if m.role == "tool"]
    assert all("forged" not in (r or "") for r in results)


async def test_a_changed_write_argument_fails_the_state_check(
    recorded: Trajectory, blueprint: Blueprint
) -> None:
    def tamper(m: Message) -> Message:
        calls = tuple(
            c.model_copy(update={"arguments": {**c.arguments, "total_baggages": 3}})
            if c.name == "update_reservation_baggages"
            else c
            for c in m.tool_calls
        )
        return m.model_copy(update={"tool_calls": calls})

    again = await _verify(recorded, blueprint, messages=tuple(map(tamper, recorded.messages)))
    assert not again.accepted
    assert "state" in _failed(again)


_STATED = (
    "Just to double-check: I'll add one checked bag to reservation R4CFMR (2 in total, "
    "none paid) and charge any fee to gift card gift_card_2032941."
)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # issue 12's table, rows 1 and 2
        ("Do you want me to proceed?", "Yes, please."),
        ("Is that correct?", "Yes, that's correct."),
        # the τ²-bench corpus's wording (claude-sonnet-4-5 agent, gpt-4.1 user)
        (
            "Please confirm by replying 'yes' if you'd like me to proceed.",
            "Yes, that all sounds good!",
        ),
        # row 3: an agreement with a condition that is no refusal
        ("Do you confirm (yes/no)?", "Yes please, and don't charge me anything."),
    ],
)
async def test_real_phrasing_of_the_confirmation_is_accepted(
    recorded: Trajectory, blueprint: Blueprint, question: str, answer: str
) -> None:
    """Done-when bullet 2: the exchange rewritten to real phrasing, the tool calls
    unchanged, is accepted."""
    messages = _rewrite_confirmation(recorded.messages, lambda s: f"{_STATED} {question}", answer)
    again = await _verify(recorded, blueprint, messages=messages)
    assert again.accepted, _failed(again)


async def test_an_open_question_in_the_agreement_is_no_consent(
    recorded: Trajectory, blueprint: Blueprint
) -> None:
    """Issue 12, table row 4: not taken as consent."""
    messages = _rewrite_confirmation(
        recorded.messages,
        lambda s: f"{s} {protocol.CONFIRM_QUESTION}",
        "Yes — but wait, what's the refund amount first?",
    )
    again = await _verify(recorded, blueprint, messages=messages)
    assert set(_failed(again)) == {"policy"}


@pytest.mark.parametrize(
    "answer",
    [protocol.DECLINE, "No, I've changed my mind, please leave it as it is."],
)
async def test_a_refusal_is_rejected_for_the_confirmation_rule(
    recorded: Trajectory, blueprint: Blueprint, answer: str
) -> None:
    """Done-when bullet 2: the user's agreement replaced by a refusal, the write kept."""
    messages = _rewrite_confirmation(recorded.messages, lambda s: f"{s} Shall I go ahead?", answer)
    again = await _verify(recorded, blueprint, messages=messages)
    assert not again.accepted
    failed = _failed(again)
    assert set(failed) == {"policy"}, failed
    assert any("update_reservation_baggages" in r for r in failed["policy"])
    assert _blame(again) == "agent"
    assert not any(v.verifier == "early_reject" for v in again.verdicts)


async def test_a_conversation_the_human_did_not_close_keeps_its_recorded_ending(
    recorded: Trajectory, blueprint: Blueprint
) -> None:
    cut = recorded.messages[:-1]  # without the human's ###STOP###
    again = await _verify(recorded, blueprint, messages=cut, ending="max_turns")
    assert again.ending == "max_turns" and "ending" in _failed(again)
    again = await _verify(recorded, blueprint, messages=cut, ending=None)
    assert again.ending == "incomplete"


# -- files and the command --------------------------------------------------------------


def _openai(messages: tuple[Message, ...]) -> list[dict[str, object]]:
    """OpenAI chat dicts as a provider log would hold them (JSON-string arguments)."""
    out: list[dict[str, object]] = []
    for m in messages:
        item: dict[str, object] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            item["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                }
                for c in m.tool_calls
            ]
        if m.role == "tool":
            item["tool_call_id"], item["name"] = m.tool_call_id, m.name
        out.append(item)
    return out


def test_openai_lists_with_their_blueprint_are_read_and_verified(
    recorded: Trajectory, blueprint: Blueprint, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refused = _rewrite_confirmation(recorded.messages, lambda s: s, protocol.DECLINE)
    lines = [
        {
            "id": "good",
            "messages": _openai(recorded.messages),
            "blueprint": blueprint.model_dump(mode="json"),
            "reward": 1.0,
        },
        {
            "id": "refused",
            "messages": _openai(refused),
            "blueprint": blueprint.model_dump(mode="json"),
            "reward": 1.0,
        },
    ]
    path = tmp_path / "openai.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    assert detect_reader(path).name == "openai"
    code, out, err = apigen(capsys, "trajectories", "verify", str(path), "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r.get("id") for r in rows[:2]] == ["good", "refused"]
    assert rows[0]["accepted"] and not rows[1]["accepted"]
    assert {v["verifier"] for v in rows[1]["verdicts"] if not v["passed"]} == {
        "policy",
        "failed_by",
    }
    assert rows[2] == {
        "summary": True,
        "records": 2,
        "accepted": 1,
        "errors": 0,
        "with_reward": 2,
        "agreements": 1,
        "rejected_by": {"policy": 1},
        "failed_by": {"agent": 1},
    }


def test_apigen_trajectory_files_need_their_blueprints(
    recorded: Trajectory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.jsonl"
    write_trajectories(path, [recorded])
    code, out, _ = apigen(capsys, "trajectories", "verify", str(path), "--blueprints", str(AIRLINE))
    assert code == 0
    assert "accepted 1/1; agrees with the recorded outcome on 1/1" in out
    code, out, _ = apigen(capsys, "trajectories", "verify", str(path))
    assert code == 1
    assert "no blueprint 'airline-bags-3'" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all\n", "not a format apigen can re-verify"),
        ('{"messages": [], "blueprint": {"domain": "airline"}}\n', "blueprint: instruction"),
        ("", "empty file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    code, out, err = apigen(capsys, "trajectories", "verify", str(path))
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_stored_run_is_re_verified_into_a_new_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from apigen.store import Store, TrajectoryFilter

    db = str(tmp_path / "a.db")
    code, out, err = apigen(
        capsys,
        "trajectories",
        "collect",
        "--blueprints",
        str(BAGS),
        "--trials",
        "2",
        "--db",
        db,
        "--json",
    )
    assert code == 0, err
    source = json.loads(out)["run_id"]
    code, out, err = apigen(capsys, "trajectories", "verify", "--run", source, "--db", db, "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    summary = rows[-1]
    assert summary["records"] == 2 and summary["with_reward"] == 2
    with Store.open(db, read_only=True) as store:
        new = store.get_run(summary["run_id"])
        assert new.config["reverify"] == {"source_run": source, "committee": False}
        trajs = list(store.trajectories(TrajectoryFilter(run_id=new.id, accepted_only=False)))
        old = list(store.trajectories(TrajectoryFilter(run_id=source, accepted_only=False)))
    assert len(trajs) == 2
    assert [t.accepted for t in trajs] == [r["accepted"] for r in rows[:2]]
    assert all("committee" not in {v.verifier for v in t.verdicts} for t in trajs)
    assert {t.final_diff == o.final_diff for t, o in zip(trajs, old, strict=True)} == {True}


def test_the_oracle_stops_a_refused_write_at_the_write(
    recorded: Trajectory, blueprint: Blueprint
) -> None:
    """``apigen bench rollout``'s oracle: the first fatal step of a played-out episode."""
    from apigen.bench._oracle import fatal_step
    from apigen.rollout import ground_truth

    env = load_environment("airline", seed=0)
    truth = ground_truth(env, blueprint)
    config = RolloutConfig(verifiers=("state", "outputs", "policy"))
    assert fatal_step(recorded, blueprint, env, truth, config) is None
    refused = _rewrite_confirmation(recorded.messages, lambda s: s, protocol.DECLINE)
    fatal = fatal_step(
        recorded.model_copy(update={"messages": refused}), blueprint, env, truth, config
    )
    assert fatal is not None and fatal.cause == "policy"
    assert fatal.detail.startswith("confirm_before_write")
    assert [c.name for c in refused[fatal.index].tool_calls] == ["update_reservation_baggages"]


def test_real_conversations_convert_to_apigen_messages() -> None:
    """The 50 τ²-bench airline simulations (claude-sonnet-4-5 agent, gpt-4.1 user):
    flat tool calls, tool results keyed by ``id``, Anthropic thinking blocks."""
    from apigen.rollout import messages_from_openai

    corpus = Path(__file__).parents[1] / "data/corpora/tau2_airline_claude/simulations.json"
    sims = json.loads(corpus.read_text())["simulations"]
    calls = thought = 0
    for sim in sims:
        messages = messages_from_openai(sim["messages"], sim["id"])
        assert len(messages) == len(sim["messages"])
        ids = {c.id for m in messages for c in m.tool_calls}
        answered = {m.tool_call_id for m in messages if m.role == "tool"}
        assert answered <= ids and None not in answered
        calls += sum(len(m.tool_calls) for m in messages)
        thought += sum(m.reasoning is not None for m in messages)
        assert all(isinstance(c.arguments, dict) for m in messages for c in m.tool_calls)
    raw = sum(len(m.get("tool_calls") or ()) for s in sims for m in s["messages"])
    assert calls == raw and thought > len(sims)
