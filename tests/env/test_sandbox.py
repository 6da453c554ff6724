"""The sandbox: copy-on-write, never crashes, never half-applies, canonical diffs."""

from __future__ import annotations

import random
import time

import pytest

from apigen.env import DB, Domain, Environment, ToolFailure, replay_with_policy, tool
from apigen.env._conformance import database_hash
from apigen.types import Message, ToolCall
from tests.support import toy


def call(name: str, **arguments: object) -> ToolCall:
    return ToolCall(name=name, arguments=dict(arguments))


def test_fresh_sandbox_copies_nothing(toy_env: Environment) -> None:
    box = toy_env.sandbox()
    assert box.diff() == {}
    assert box._overlay == {}
    # reads see the pristine records themselves (no copy)
    assert box.db.accounts["a0_0"] is toy_env.database.table("accounts")["a0_0"]


def test_write_lands_in_sandbox_only(toy_env: Environment) -> None:
    before = database_hash(toy_env.database)
    box = toy_env.sandbox()
    result = box.call(call("deposit", account_id="a0_0", amount=10))
    assert result.ok and result.changed and result.write
    diff = box.diff()
    change = diff["accounts"]["a0_0"]
    assert change["after"]["balance"] == change["before"]["balance"] + 10
    assert database_hash(toy_env.database) == before
    assert toy_env.sandbox().diff() == {}


def test_a_fork_goes_its_own_way(toy_env: Environment) -> None:
    """``Sandbox.fork``: the changes and the trace so far, then independent calls."""
    box = toy_env.sandbox()
    box.call(call("deposit", account_id="a0_0", amount=10))
    fork = box.fork()
    assert fork.diff() == box.diff() and fork.trace == box.trace
    fork.call(call("deposit", account_id="a0_0", amount=5))
    box.call(call("deposit", account_id="a0_1", amount=1))
    assert fork.db.accounts["a0_0"]["balance"] == box.db.accounts["a0_0"]["balance"] + 5
    assert "a0_1" not in fork.diff()["accounts"] and len(fork.trace) == len(box.trace) == 2


@pytest.mark.parametrize(
    ("c", "kind"),
    [
        (call("nope"), "unknown_tool"),
        (call("deposit", account_id="a0_0", amount="ten"), "invalid_arguments"),
        (call("deposit", account_id="a0_0"), "invalid_arguments"),
        (call("deposit", account_id="a0_0", amount=-1), "tool_error"),
        (call("deposit", account_id="missing", amount=1), "tool_error"),
    ],
)
def test_bad_calls_become_error_results(toy_env: Environment, c: ToolCall, kind: str) -> None:
    box = toy_env.sandbox()
    result = box.call(c)
    assert result.error is not None and result.error.kind == kind
    assert result.error.message
    assert box.diff() == {}
    assert box.trace == (result,)


def _domain_with(*tools_: object) -> Environment:
    class D(toy.Bank):
        name = "toy-extra"
        tools = (*toy.Bank.tools, *tools_)  # type: ignore[assignment]

    return D().load(seed=0)


@tool("write")
def half_write(db: DB, account_id: str) -> str:
    """Writes one record, then fails.

    Args:
        account_id: An account id.
    """
    acct = db.accounts.edit(account_id)
    acct["balance"] = 0
    db.accounts[account_id] = acct
    raise ToolFailure("backend exploded after the first write")


@tool("write")
def slow_write(db: DB, account_id: str) -> str:
    """Writes after a long pause.

    Args:
        account_id: An account id.
    """
    time.sleep(0.5)
    acct = db.accounts.edit(account_id)
    acct["status"] = "frozen"
    db.accounts[account_id] = acct
    return "done"


@tool("read")
def huge_read(db: DB) -> str:
    """Returns a very large result."""
    return "x" * 100_000


def test_failed_write_is_not_half_applied() -> None:
    env = _domain_with(half_write)
    box = env.sandbox()
    result = box.call(call("half_write", account_id="a0_0"))
    assert result.error is not None and "exploded" in result.error.message
    assert box.diff() == {}


def test_timeout_discards_late_writes() -> None:
    env = _domain_with(slow_write)
    box = env.sandbox(call_timeout=0.05)
    result = box.call(call("slow_write", account_id="a0_0"))
    assert result.error is not None and result.error.kind == "timeout"
    time.sleep(0.6)  # the abandoned call finishes in its thread
    assert box.diff() == {}


def test_oversized_result_is_an_error() -> None:
    env = _domain_with(huge_read)
    box = env.sandbox(max_result_chars=1000)
    result = box.call(call("huge_read"))
    assert result.error is not None and result.error.kind == "result_too_large"


def test_read_only_tools_cannot_write(toy_env: Environment) -> None:
    @tool("read")
    def sneaky(db: DB, account_id: str) -> str:
        """Tries to write from a read tool.

        Args:
            account_id: An account id.
        """
        db.accounts[account_id] = {"balance": 0}
        return "ok"

    env = _domain_with(sneaky)
    box = env.sandbox()
    assert box.call(call("sneaky", account_id="a0_0")).error is not None
    assert box.diff() == {}


def test_frozen_records_cannot_be_mutated(toy_env: Environment) -> None:
    record = toy_env.db.accounts["a0_0"]
    with pytest.raises(TypeError):
        record["balance"] = 1
    with pytest.raises(TypeError):
        record.update(balance=1)


def test_same_net_changes_in_any_order_hash_equal(toy_env: Environment) -> None:
    a, b = toy_env.sandbox(), toy_env.sandbox()
    a.replay(
        [call("deposit", account_id="a0_0", amount=5), call("deposit", account_id="a1_0", amount=7)]
    )
    b.replay(
        [call("deposit", account_id="a1_0", amount=7), call("deposit", account_id="a0_0", amount=5)]
    )
    assert a.diff() == b.diff()
    assert a.state_hash() == b.state_hash()
    c = toy_env.sandbox()
    c.replay(
        [
            call("deposit", account_id="a0_0", amount=2),
            call("deposit", account_id="a0_0", amount=3),
            call("deposit", account_id="a1_0", amount=7),
        ]
    )
    assert c.state_hash() == a.state_hash()  # 2 + 3 == 5: same net change


def test_undone_change_leaves_no_diff(toy_env: Environment) -> None:
    box = toy_env.sandbox()
    box.call(call("deposit", account_id="a0_0", amount=5))
    acct = box.db.accounts["a0_0"]
    assert acct["balance"] == toy_env.db.accounts["a0_0"]["balance"] + 5

    @tool("write")
    def withdraw(db: DB, account_id: str, amount: int) -> int:
        """Withdraw.

        Args:
            account_id: Account.
            amount: Amount.
        """
        rec = db.accounts.edit(account_id)
        rec["balance"] -= amount
        db.accounts[account_id] = rec
        return int(rec["balance"])

    env = _domain_with(withdraw)
    box = env.sandbox()
    box.call(call("deposit", account_id="a0_0", amount=5))
    box.call(call("withdraw", account_id="a0_0", amount=5))
    assert box.diff() == {}


def test_pristine_state_survives_thousands_of_episodes(toy_env: Environment) -> None:
    before = database_hash(toy_env.database)
    rng = random.Random(0)
    writes = ["deposit", "close_account"]
    for _ in range(3000):
        sketch = toy.DOMAIN.sample_task(toy_env.db, rng, [rng.choice(writes)])
        assert sketch is not None
        box = toy_env.sandbox(call_timeout=None)
        box.replay([*sketch.auth, *(c for s in sketch.steps for c in (*s.reads, s.call))])
        assert box.diff()
    assert database_hash(toy_env.database) == before


def test_policy_checks_see_state_before_the_call(toy_env: Environment) -> None:
    own = call("find_user", email="user0@example.com")
    other = call("deposit", account_id="a1_0", amount=1)
    replay = replay_with_policy(toy_env, [own, other])
    assert [v.rule for v in replay.violations] == ["own_accounts_only"]
    assert replay.violations[0].call_index == 1
    unauth = replay_with_policy(toy_env, [call("deposit", account_id="a0_0", amount=1)])
    assert [v.rule for v in unauth.violations] == ["auth_first"]


def test_conversation_rules_apply_only_with_messages(toy_env: Environment) -> None:
    calls = [
        call("find_user", email="user0@example.com"),
        call("deposit", account_id="a0_0", amount=1),
    ]
    assert replay_with_policy(toy_env, calls).violations == ()
    asked = [
        Message(role="assistant", content="Deposit 1? (yes/no)"),
        Message(role="user", content="no"),
    ]
    rules = [v.rule for v in replay_with_policy(toy_env, calls, asked).violations]
    assert rules == ["confirm_before_write"]
    yes = [*asked[:1], Message(role="user", content="Yes, go ahead")]
    assert replay_with_policy(toy_env, calls, yes).violations == ()


def test_abstract_domain_cannot_be_instantiated() -> None:
    with pytest.raises(TypeError):
        Domain()  # type: ignore[abstract]


def test_scratch_sandbox_over_a_view_leaves_the_view_untouched(toy_env: Environment) -> None:
    from apigen.env import Sandbox

    pristine = Sandbox.over(toy_env.domain, toy_env.db, call_timeout=None)
    assert pristine._database is toy_env.database  # a pristine view is shared, not copied
    episode = toy_env.sandbox()
    episode.call(call("deposit", account_id="a0_0", amount=10))
    scratch = Sandbox.over(toy_env.domain, episode.db)
    start = episode.db.accounts["a0_0"]["balance"]
    assert scratch.db.accounts["a0_0"]["balance"] == start  # starts from the episode's state
    assert scratch.call(call("deposit", account_id="a0_0", amount=5)).changed
    assert scratch.db.accounts["a0_0"]["balance"] == start + 5
    assert episode.db.accounts["a0_0"]["balance"] == start
    assert list(episode.diff()) == ["accounts"] and scratch.diff()["accounts"]["a0_0"]


def test_tables_iterate_in_pristine_order_with_added_records_last(toy_env: Environment) -> None:
    box = toy_env.sandbox()
    keys = list(toy_env.db.accounts.keys())
    box.call(call("deposit", account_id=keys[-1], amount=1))
    box.call(call("deposit", account_id=keys[0], amount=1))
    assert list(box.db.accounts.keys()) == keys


def test_each_sandbox_has_its_own_session_kept_across_its_calls() -> None:
    @tool("read")
    def count(db: DB) -> int:
        """Count calls made in this sandbox (kept in the session, not the state)."""
        db.session["calls"] = db.session.get("calls", 0) + 1
        return int(db.session["calls"])

    env = _domain_with(count)
    a, b = env.sandbox(), env.sandbox()
    assert [a.call(call("count")).output for _ in range(3)] == [1, 2, 3]
    assert b.call(call("count")).output == 1
    assert a.diff() == {} and a.state_hash() == b.state_hash()
