"""Reading τ-bench result files and the reward-comparable check (tests/support/taubench_shop).

The records follow τ-bench's ``EnvRunResult`` (``task_id``, ``reward``, ``info``, ``traj``,
``trial``) with ``traj`` as its tool-calling agent writes it: OpenAI messages whose
assistant turns carry ``tool_calls`` with JSON-string arguments and ``content: null``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from apigen.adapters import load_taubench_results, taubench_comparable, taubench_tasks
from apigen.env import get_domain
from apigen.errors import UserError

MODULE = "tests.support.taubench_shop"


def _call(i: int, *calls: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call_{i}_{k}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for k, (name, args) in enumerate(calls)
        ],
    }


def _tool(i: int, name: str, content: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": f"call_{i}_0", "name": name, "content": content}


def _say(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text, "tool_calls": None}


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


FIND = ("find_user_id_by_email", {"email": "user5@example.com"})
CANCEL_RIGHT = ("cancel_pending_order", {"order_id": "#W500", "reason": "no longer needed"})
CANCEL_WRONG = ("cancel_pending_order", {"order_id": "#W501", "reason": "no longer needed"})


def _traj(*turns: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"role": "system", "content": "# Shop agent policy"}, _user("Hi"), *turns]


RECORDS = [
    {  # right order cancelled, refund stated: τ-bench gave 1
        "task_id": 0,
        "trial": 0,
        "reward": 1.0,
        "info": {},
        "traj": _traj(
            _call(0, FIND),
            _tool(0, "find_user_id_by_email", "user_5"),
            _say("I will cancel order #W500 (no longer needed). Shall I proceed?"),
            _user("yes"),
            _call(1, CANCEL_RIGHT),
            _tool(1, "cancel_pending_order", "{}"),
            _say("Done: your refund of $10.50 is on its way."),
            _user("###STOP###"),
        ),
    },
    {  # the wrong order cancelled: τ-bench gave 0
        "task_id": 0,
        "trial": 1,
        "reward": 0.0,
        "info": {},
        "traj": _traj(_call(0, CANCEL_WRONG), _say("Refund: 10.5"), _user("###STOP###")),
    },
    {  # two calls in one message: τ-bench's agent runs only the first, so nothing is
        # cancelled; the total is said with a thousands-style comma τ-bench drops
        "task_id": 1,
        "trial": 0,
        "reward": 1.0,
        "info": {},
        "traj": _traj(
            _call(0, ("get_order_details", {"order_id": "#W400"}), CANCEL_WRONG),
            _tool(0, "get_order_details", "{}"),
            _call(1, ("calculate", {"expression": "10.5 + 21.0"})),
            _tool(1, "calculate", "31.5"),
            _say("Your two pending orders total 3,1.5... sorry: 31.5 dollars."),
        ),
    },
    {  # recorded as a success, yet the refund amount was never said: disagreement
        "task_id": 0,
        "trial": 2,
        "reward": 1.0,
        "info": {},
        "traj": _traj(
            _call(0, CANCEL_RIGHT),
            {  # malformed arguments from the model: recorded, skipped
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "x", "type": "function", "function": {"name": "think", "arguments": "{"}}
                ],
            },
            _say("Cancelled."),
        ),
    },
]


@pytest.fixture
def results_file(tmp_path: Path) -> Path:
    path = tmp_path / "tool-calling-gpt-4o-0.0_range_0--1_user-gpt-4o-llm_1203.json"
    path.write_text(json.dumps(RECORDS, indent=2), encoding="utf-8")
    return path


def test_records_read_as_taubench_ran_them(results_file: Path) -> None:
    records = load_taubench_results(results_file)
    assert [(r.task_id, r.trial, r.passed) for r in records] == [
        (0, 0, True),
        (0, 1, False),
        (1, 0, True),
        (0, 2, True),
    ]
    assert [c.name for c in records[0].calls] == ["find_user_id_by_email", "cancel_pending_order"]
    assert [c.name for c in records[2].calls] == ["get_order_details", "calculate"]
    assert records[0].replies[-1] == "Done: your refund of $10.50 is on its way."
    assert records[3].problems and "think: arguments are not JSON" in records[3].problems[0]
    assert len(records[0].messages) == len(RECORDS[0]["traj"])


def test_reward_comparable_part_agrees_per_record(results_file: Path) -> None:
    env = get_domain(f"taubench:{MODULE}").load()
    tasks = {int(bp.context["task_id"]): bp for bp in taubench_tasks(MODULE, "test").blueprints}
    records = load_taubench_results(results_file)
    checks = [taubench_comparable(env, r, tasks[r.task_id]) for r in records]
    assert [(c.state_matches, c.outputs) for c in checks] == [
        (True, {"10.5": True}),
        (False, {"10.5": True}),
        (True, {"31.5": True}),
        (True, {"10.5": False}),
    ]
    assert [c.reward for c in checks] == [1.0, 0.0, 1.0, 0.0]
    assert [c.agrees for c in checks] == [True, True, True, False]


def test_provider_shapes_of_assistant_messages_are_read(tmp_path: Path) -> None:
    """litellm's ``model_dump`` of a message carries extra fields (``function_call``,
    ``reasoning_content`` from DeepSeek, ``thinking_blocks`` from Anthropic), content may
    come as a list of parts, and some writers keep tool calls flat."""
    traj = _traj(
        {
            "role": "assistant",
            "content": None,
            "function_call": None,
            "reasoning_content": "The user wants order #W501 cancelled? No: #W500.",
            "tool_calls": [
                {"id": "t1", "name": "cancel_pending_order", "arguments": CANCEL_RIGHT[1]}
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "refund is 10.5"},
                {"type": "text", "text": "Your refund of $10.50 is on its way."},
            ],
            "thinking_blocks": [{"type": "thinking", "thinking": "..."}],
        },
    )
    path = tmp_path / "r.json"
    path.write_text(json.dumps([{"task_id": 0, "trial": 0, "reward": 1.0, "traj": traj}]))
    (record,) = load_taubench_results(path)
    assert record.calls[0].name == "cancel_pending_order" and not record.problems
    assert record.replies == ("Your refund of $10.50 is on its way.",)


def test_the_task_stored_in_the_record_is_used_when_none_is_given(tmp_path: Path) -> None:
    from tests.support.taubench_shop.tasks_test import TASKS

    record = {**RECORDS[0], "info": {"task": TASKS[0].model_dump(), "source": "user"}}
    path = tmp_path / "r.json"
    path.write_text(json.dumps([record, RECORDS[1]]), encoding="utf-8")
    stored, bare = load_taubench_results(path)
    assert stored.task is not None and stored.task["outputs"] == ["10.5"]
    env = get_domain(f"taubench:{MODULE}").load()
    check = taubench_comparable(env, stored)
    assert check.state_matches and check.outputs == {"10.5": True} and check.agrees
    with pytest.raises(UserError, match="stores no task"):
        taubench_comparable(env, bare)
    assert taubench_comparable(env, bare, TASKS[0]).reward == 0.0


def test_a_records_blueprint_comes_from_the_record_or_the_split(results_file: Path) -> None:
    from apigen.adapters import TauBenchDomain, taubench_blueprint

    domain = get_domain(f"taubench:{MODULE}")
    assert isinstance(domain, TauBenchDomain)
    first, *_ = load_taubench_results(results_file)
    bp = taubench_blueprint(domain, first, "test")
    assert bp.id == "taubench-test-0" and bp.outputs == ("10.5",) and bp.domain == domain.name
    assert bp.actions == taubench_tasks(MODULE, "test").blueprints[0].actions
    with pytest.raises(UserError, match="give the split"):
        taubench_blueprint(domain, first)
    with pytest.raises(UserError, match="has no task 7"):
        taubench_blueprint(domain, replace(first, task_id=7), "test")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"task_id": 0}', "a JSON list of records"),
        ('[{"task_id": 0, "reward": 1}]', "has no 'traj'"),
        ('[{"task_id": "x", "reward": 1, "traj": []}]', "bad or missing field"),
        ("[{", "invalid JSON"),
    ],
)
def test_bad_result_files_are_one_line_user_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "results.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        load_taubench_results(path)
