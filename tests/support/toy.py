"""A tiny bank domain for tests that must not depend on retail's size or rules.

Accounts hold balances; users authenticate by email. ``deposit`` and
``close_account`` are writes; policy: authenticate first, never touch another
user's account, confirm every write when a conversation is present (declared:
``find_user`` authenticates, both writes ``confirm=True``, checked by the core
``confirm_before_write``). The framing is the neutral default.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, TypedDict

from apigen.env import (
    DB,
    Domain,
    Entity,
    PolicyContext,
    TaskSketch,
    ToolFailure,
    WriteStep,
    confirm_before_write,
    thaw,
    tool,
)
from apigen.types import ToolCall, Violation

UserId = Annotated[str, Entity("user_id")]
AccountId = Annotated[str, Entity("account_id")]


class User(TypedDict):
    user_id: UserId
    email: str
    accounts: list[AccountId]


class Account(TypedDict):
    account_id: AccountId
    owner: UserId
    balance: int
    status: str


@tool("read", authenticates=True)
def find_user(db: DB, email: str) -> UserId:
    """Find a user id by email.

    Args:
        email: The user's email address.
    """
    for user in db.users.values():
        if user["email"] == email:
            return str(user["user_id"])
    raise ToolFailure("no user with that email")


@tool("read")
def get_user(db: DB, user_id: UserId) -> User:
    """Get a user's details and account ids.

    Args:
        user_id: The user id, such as 'u1'.
    """
    return db.users[user_id]  # type: ignore[no-any-return]


@tool("read")
def get_account(db: DB, account_id: AccountId) -> Account:
    """Get an account.

    Args:
        account_id: The account id, such as 'a1'.
    """
    return db.accounts[account_id]  # type: ignore[no-any-return]


@tool("write", confirm=True)
def deposit(db: DB, account_id: AccountId, amount: int) -> Account:
    """Deposit money into an open account.

    Args:
        account_id: The account id.
        amount: Amount in whole dollars; must be positive.
    """
    if amount <= 0:
        raise ToolFailure("amount must be positive")
    acct = db.accounts.edit(account_id)
    acct["balance"] += amount
    db.accounts[account_id] = acct
    return acct  # type: ignore[return-value]


@tool("write", confirm=True)
def close_account(db: DB, account_id: AccountId) -> Account:
    """Close an account.

    Args:
        account_id: The account id.
    """
    acct = db.accounts.edit(account_id)
    acct["status"] = "closed"
    db.accounts[account_id] = acct
    return acct  # type: ignore[return-value]


def _authenticated(ctx: PolicyContext) -> set[str]:
    return {str(e.output) for e in ctx.history if e.call.name == "find_user" and e.ok}


def check_auth(ctx: PolicyContext) -> Iterable[Violation]:
    if ctx.call.name == "find_user":
        return
    users = _authenticated(ctx)
    if not users:
        yield Violation(rule="auth_first", message="no user authenticated", call_index=ctx.index)
        return
    acct_id = ctx.call.arguments.get("account_id")
    acct = ctx.db.accounts.get(acct_id) if isinstance(acct_id, str) else None
    if acct is not None and acct["owner"] not in users:
        msg = f"account {acct_id} belongs to another user"
        yield Violation(rule="own_accounts_only", message=msg, call_index=ctx.index)


class Bank(Domain):
    name = "toy"
    description = "A tiny bank for tests."
    tools = (find_user, get_user, get_account, deposit, close_account)
    policy = "# Bank policy\n\nAuthenticate the user by email. Confirm every write."
    policy_checks = (check_auth, confirm_before_write)

    def reachable(self, table: str, current: Any, target: Any) -> bool:
        # Closing is final: a closed account never changes again.
        closed = table == "accounts" and current is not None and current["status"] == "closed"
        return not closed or current == target

    def build_state(self, seed: int, scale: int = 1) -> dict[str, dict[str, Any]]:
        rng = random.Random(seed)
        users: dict[str, Any] = {}
        accounts: dict[str, Any] = {}
        for i in range(20 * scale):
            uid = f"u{i}"
            ids = [f"a{i}_{j}" for j in range(1 + rng.randrange(2))]
            users[uid] = {"user_id": uid, "email": f"user{i}@example.com", "accounts": ids}
            for aid in ids:
                accounts[aid] = {
                    "account_id": aid,
                    "owner": uid,
                    "balance": rng.randrange(1000),
                    "status": "open",
                }
        return {"users": users, "accounts": accounts}

    def sample_task(self, db: DB, rng: random.Random, writes: Sequence[str]) -> TaskSketch | None:
        if "close_account" in writes and list(writes).index("close_account") != len(writes) - 1:
            return None  # nothing can follow closing the account
        uid = rng.choice(sorted(db.users.keys()))
        user = db.users[uid]
        acct = rng.choice(list(user["accounts"]))
        steps = []
        for name in writes:
            if name == "deposit":
                amount = rng.randrange(1, 500)
                steps.append(
                    WriteStep(
                        call=ToolCall(
                            name="deposit", arguments={"account_id": acct, "amount": amount}
                        ),
                        intent=f"deposit {amount} dollars into account {acct}",
                        reads=(ToolCall(name="get_account", arguments={"account_id": acct}),),
                        facts={"account_id": acct, "amount": str(amount)},
                    )
                )
            elif name == "close_account":
                steps.append(
                    WriteStep(
                        call=ToolCall(name="close_account", arguments={"account_id": acct}),
                        intent=f"close account {acct}",
                        facts={"account_id": acct},
                    )
                )
            else:
                return None
        return TaskSketch(
            user=uid,
            auth=(ToolCall(name="find_user", arguments={"email": user["email"]}),),
            identity={"email": str(user["email"])},
            steps=tuple(steps),
            context={"user": thaw(user)},
        )


DOMAIN = Bank()
