"""Facts in text (``apigen.env``): the one check phase 1's grounding stage and the sim
reviewer share, below both ``apigen.blueprints`` and ``apigen.llm``."""

from __future__ import annotations

import subprocess
import sys

from apigen.env import Environment, mentions, restates, ungrounded_arguments
from apigen.types import ToolCall


def test_ungrounded_arguments_name_each_fact_nothing_grounds(toy_env: Environment) -> None:
    find = ToolCall(name="find_user", arguments={"email": "user0@example.com"})
    deposit = ToolCall(name="deposit", arguments={"account_id": "a0_0", "amount": 777})
    trace = toy_env.sandbox().replay([find, deposit])
    tools = toy_env.domain.tool_map
    told = "You are user0@example.com. Deposit 777 dollars into account a0_0."
    assert ungrounded_arguments(told, trace, tools) == []
    (missing,) = ungrounded_arguments("You are user0@example.com. Deposit 777.", trace, tools)
    assert (missing.index, missing.tool, missing.name, missing.value) == (
        1,
        "deposit",
        "account_id",
        "a0_0",
    )
    assert str(missing) == (
        "actions[1] deposit argument account_id='a0_0' is neither stated in the "
        "instruction nor returned by an earlier call"
    )
    # an id an earlier call returned is grounded
    listed = [find, ToolCall(name="get_user", arguments={"user_id": "u0"}), deposit]
    trace = toy_env.sandbox().replay(listed)
    assert all(u.name != "account_id" for u in ungrounded_arguments("Deposit 777.", trace, tools))


def test_restates_and_mentions() -> None:
    assert mentions("order #W12 is late", "W12") and not mentions("W123", "W12")
    assert restates("you ordered it by mistake", "ordered by mistake")


def test_the_sim_reaches_the_facts_without_phase_1() -> None:
    """``apigen.llm.sim`` reads facts from ``apigen.env``; it never imports phase 1."""
    code = (
        "import sys, apigen.llm.sim._reviewer, apigen.llm.sim._judge\n"
        "print('apigen.blueprints' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
