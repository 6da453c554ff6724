"""A τ-bench-shaped package runs as an apigen domain, unmodified (tests/support/taubench_shop)."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest

from apigen.adapters import TauBenchDomain, import_blueprints, taubench_tasks
from apigen.blueprints import validate_files
from apigen.env import Environment, get_domain, thaw
from apigen.errors import UserError
from apigen.types import ToolCall
from tests.support.taubench_shop import data as shop_data
from tests.support.taubench_shop.tools import ALL_TOOLS

MODULE = "tests.support.taubench_shop"
NAME = f"taubench:{MODULE}"


@pytest.fixture(scope="module")
def env() -> Environment:
    return get_domain(NAME).load()


def _direct(actions: list[ToolCall]) -> dict[str, Any]:
    """What τ-bench's env.step does: invoke the tools on one shared data dict."""
    data = shop_data.load_data()
    tools = {t.get_info()["function"]["name"]: t for t in ALL_TOOLS}
    for action in actions:
        with contextlib.suppress(Exception):
            tools[action.name].invoke(data=data, **action.arguments)
    return data


def _state(env: Environment, box: Any) -> dict[str, Any]:
    return {t: {k: thaw(v) for k, v in box.db[t].items()} for t in env.database.tables}


def test_the_name_resolves_lazily_through_the_domain_registry() -> None:
    domain = get_domain(NAME)
    assert isinstance(domain, TauBenchDomain) and domain.name == NAME
    assert get_domain(NAME) is domain  # resolved once
    assert domain.policy.startswith("# Shop agent policy")


def test_a_module_that_is_not_a_taubench_package_is_a_one_line_user_error() -> None:
    with pytest.raises(UserError, match="cannot be imported"):
        get_domain("taubench:no_such_package.envs.x")
    with pytest.raises(UserError, match="not a τ-bench-style package: no load_data"):
        get_domain("taubench:tests.support.taubench_shop.tools")
    import types

    class NoSchema:
        @staticmethod
        def get_info() -> dict[str, Any]:
            return {"type": "function"}

    broken = types.ModuleType("broken_shop")
    broken.load_data = shop_data.load_data  # type: ignore[attr-defined]
    broken.ALL_TOOLS = [*ALL_TOOLS, NoSchema]  # type: ignore[attr-defined]
    broken.WIKI = "policy"  # type: ignore[attr-defined]
    with pytest.raises(UserError, match="tool NoSchema has no usable get_info"):
        TauBenchDomain(broken)


def test_kinds_and_declarations_follow_taubench_names() -> None:
    tools = get_domain(NAME).tool_map
    assert {n for n, t in tools.items() if t.kind == "read"} == {
        "calculate",
        "find_user_id_by_email",
        "get_order_details",
        "get_user_details",
        "think",
    }
    assert tools["find_user_id_by_email"].authenticates
    assert tools["transfer_to_human_agents"].handoff
    assert tools["cancel_pending_order"].confirm and not tools["transfer_to_human_agents"].confirm
    assert tools["get_order_details"].consumes == {"order_id"}
    enum = tools["cancel_pending_order"].parameters["properties"]["reason"]["enum"]
    assert enum == ["no longer needed", "ordered by mistake"]


def test_every_training_task_reaches_the_state_taubench_itself_reaches(env: Environment) -> None:
    imported = taubench_tasks(MODULE, "train")
    assert len(imported.blueprints) == 42 and not imported.rejected
    for bp in imported.blueprints:
        box = env.sandbox()
        trace = box.replay(bp.actions)
        assert all(e.ok for e in trace), [e.error for e in trace if e.error]
        assert _state(env, box) == _direct(list(bp.actions)), bp.id


def test_episodes_are_isolated_and_the_pristine_state_untouched(env: Environment) -> None:
    pristine = copy.deepcopy(_state(env, env.sandbox()))
    a, b = env.sandbox(), env.sandbox()
    cancel = ToolCall(
        name="cancel_pending_order", arguments={"order_id": "#W000", "reason": "no longer needed"}
    )
    assert a.call(cancel).changed
    assert a.db.orders["#W000"]["status"] == "cancelled"
    assert b.db.orders["#W000"]["status"] == "pending"
    assert _state(env, env.sandbox()) == pristine
    assert b.call(cancel).changed and a.state_hash() == b.state_hash()
    assert list(a.diff()) == ["orders"] and list(a.diff()["orders"]) == ["#W000"]


def test_error_strings_and_exceptions_are_tool_errors_that_change_nothing(
    env: Environment,
) -> None:
    box = env.sandbox()
    gone = box.call(ToolCall(name="get_order_details", arguments={"order_id": "#nope"}))
    assert gone.error is not None and gone.error.message == "Error: order not found"
    raised = box.call(
        ToolCall(
            name="modify_pending_order_address",
            arguments={"order_id": "#W002", "address1": "x", "city": "y", "zip": "z"},
        )
    )  # the tool raises ValueError: τ-bench's env.step reports "Error: <message>"
    assert raised.error is not None
    assert raised.error.message == "Error: non-pending order cannot be modified"
    unknown = box.call(ToolCall(name="get_order_details", arguments={"id": "#W000"}))
    assert unknown.error is not None and unknown.error.kind == "invalid_arguments"
    assert box.diff() == {}


def test_json_results_are_data_and_plain_strings_stay_strings(env: Environment) -> None:
    box = env.sandbox()
    user = box.call(ToolCall(name="get_user_details", arguments={"user_id": "user_1"}))
    assert isinstance(user.output, dict) and user.output["email"] == "user1@example.com"
    found = box.call(
        ToolCall(name="find_user_id_by_email", arguments={"email": "USER1@example.com"})
    )
    assert found.output == "user_1"
    total = box.call(ToolCall(name="calculate", arguments={"expression": "10.5 + 21"}))
    assert total.output == "31.5"


def test_iteration_keeps_the_datasets_order_after_writes(env: Environment) -> None:
    box = env.sandbox()
    box.call(
        ToolCall(
            name="modify_user_address",
            arguments={"user_id": "user_4", "address1": "1 A", "city": "B", "zip": "C"},
        )
    )
    assert list(box.db.users.keys()) == list(shop_data.load_data()["users"])


def test_a_split_imports_as_blueprints_that_validate(tmp_path: Any) -> None:
    imported = import_blueprints("taubench", MODULE, split="test", out=tmp_path)
    assert [bp.id for bp in imported.blueprints] == ["taubench-test-0", "taubench-test-1"]
    assert imported.blueprints[0].outputs == ("10.5",)
    assert imported.blueprints[0].domain == NAME
    reports = validate_files([tmp_path])
    assert len(reports) == 2
    # the information-only task has no write: apigen's format stage rejects it (issue 11)
    assert [r.passed for r in reports] == [True, False]


def test_a_missing_split_is_a_user_error() -> None:
    with pytest.raises(UserError, match="no 'dev' task split"):
        taubench_tasks(MODULE, "dev")
    with pytest.raises(UserError, match="need --split"):
        import_blueprints("taubench", MODULE)


def test_the_tool_graph_has_the_edges_the_tasks_show() -> None:
    from apigen.graph import tool_graph

    graph = tool_graph(get_domain(NAME))
    assert graph.has_edge("find_user_id_by_email", "get_user_details")
    assert graph.has_edge("get_user_details", "get_order_details")
    assert graph.has_edge("get_order_details", "cancel_pending_order")
    assert not graph.has_edge("think", "cancel_pending_order")


def test_only_train_tasks_are_sampled_never_test_tasks() -> None:
    import random
    import types

    from tests.support import taubench_shop
    from tests.support.taubench_shop import tasks_test, wiki

    test_only = types.ModuleType("test_only_shop")
    test_only.load_data = shop_data.load_data  # type: ignore[attr-defined]
    test_only.ALL_TOOLS = ALL_TOOLS  # type: ignore[attr-defined]
    test_only.WIKI = wiki.WIKI  # type: ignore[attr-defined]
    test_only.TASKS_TEST = tasks_test.TASKS  # type: ignore[attr-defined]
    domain = TauBenchDomain(test_only)
    assert len(domain.tasks("test")) == 2
    db = domain.load().db
    assert domain.sample_task(db, random.Random(0), ["cancel_pending_order"]) is None
    assert all(not t.produces for t in domain.tools)  # no train tasks: nothing observed
    shop = get_domain(NAME)
    assert isinstance(shop, TauBenchDomain) and shop.module is taubench_shop
    sketch = shop.sample_task(db, random.Random(0), ["cancel_pending_order"])
    assert sketch is not None and sketch.context["task"] in shop.tasks("train")
