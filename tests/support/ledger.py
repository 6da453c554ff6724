"""A small ledger world that only declares: no authentication, no text matcher.

``transfer_money`` moves money "to another person's account" and needs a
confirmation (``confirm=True``); it is no hand-off, whatever its description says.
``add_note`` is a write made without a confirmation whose ``note`` is free text the
agent composes. No tool authenticates, the framing is the neutral default, and the
only policy check is the core ``confirm_before_write``. ``OPEN_DOMAIN``
(``open_ledger``) is the same world without a planner.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Annotated, Any, TypedDict

from apigen.env import (
    DB,
    Domain,
    Entity,
    TaskSketch,
    ToolFailure,
    WriteStep,
    confirm_before_write,
    tool,
)
from apigen.types import Blueprint, ToolCall, canonical_json

AccountId = Annotated[str, Entity("account_id")]


class Account(TypedDict):
    account_id: AccountId
    owner: str
    balance: int
    notes: list[str]


@tool("read")
def get_account(db: DB, account_id: AccountId) -> Account:
    """Get an account: owner, balance and notes.

    Args:
        account_id: The account id, such as 'A1'.
    """
    return db.accounts[account_id]  # type: ignore[no-any-return]


@tool("write", confirm=True)
def transfer_money(db: DB, from_account: AccountId, to_account: AccountId, amount: int) -> Account:
    """Transfer money from an account to another person's account.

    Args:
        from_account: The paying account.
        to_account: The receiving account of the other person.
        amount: Whole dollars; positive and at most the balance.
    """
    if from_account == to_account:
        raise ToolFailure("the accounts must differ")
    payer, payee = db.accounts.edit(from_account), db.accounts.edit(to_account)
    if not 0 < amount <= payer["balance"]:
        raise ToolFailure("amount must be positive and covered by the balance")
    payer["balance"] -= amount
    payee["balance"] += amount
    db.accounts[from_account], db.accounts[to_account] = payer, payee
    return payer  # type: ignore[return-value]


@tool("write", free_text=("note",))
def add_note(db: DB, account_id: AccountId, note: str) -> Account:
    """Add a note to an account, in your own words.

    Args:
        account_id: The account id.
        note: What the note says.
    """
    account = db.accounts.edit(account_id)
    account["notes"] = [*account["notes"], note]
    db.accounts[account_id] = account
    return account  # type: ignore[return-value]


class LedgerWorld(Domain):
    """The ledger's declarations and state, without a planner: phase 1 composes."""

    name = "open_ledger"
    description = "A ledger of accounts between people."
    tools = (get_account, transfer_money, add_note)
    policy = "# Ledger policy\n\nConfirm every transfer of money before making it."
    policy_checks = (confirm_before_write,)

    def build_state(self, seed: int, scale: int = 1) -> dict[str, dict[str, Any]]:
        rng = random.Random(seed)
        accounts = {
            f"A{i}": {
                "account_id": f"A{i}",
                "owner": f"person {i}",
                "balance": 100 + rng.randrange(900),
                "notes": [],
            }
            for i in range(1, 1 + 12 * scale)
        }
        return {"accounts": accounts}


class Ledger(LedgerWorld):
    """The ledger with a planner (``sample_task``)."""

    name = "ledger"

    def sample_task(self, db: DB, rng: random.Random, writes: Sequence[str]) -> TaskSketch | None:
        ids = sorted(db.accounts.keys())
        payer, payee = rng.sample(ids, 2)
        steps = []
        for name in writes:
            if name == "transfer_money":
                amount = rng.randrange(1, 50)
                args = {"from_account": payer, "to_account": payee, "amount": amount}
                intent = f"transfer {amount} dollars from account {payer} to account {payee}"
                reads = (ToolCall(name="get_account", arguments={"account_id": payer}),)
            elif name == "add_note":
                note = f"The owner asked about transfers to {payee}."
                args = {"account_id": payer, "note": note}
                intent = f"have a note added to account {payer} about transfers to {payee}"
                reads = ()
            else:
                return None
            steps.append(
                WriteStep(call=ToolCall(name=name, arguments=args), intent=intent, reads=reads)
            )
        if len({canonical_json(s.call.model_dump()) for s in steps}) < len(steps):
            return None  # the same write twice: no conversation asks for it (distinct_writes)
        return TaskSketch(user=str(db.accounts[payer]["owner"]), steps=tuple(steps))


DOMAIN = Ledger()
OPEN_DOMAIN = LedgerWorld()
"""The same world with no ``sample_task``: its tasks are composed."""

BLUEPRINTS = (
    Blueprint(
        domain="ledger",
        id="ledger-transfer",
        instruction="You want to transfer 40 dollars from account A1 to account A7, which "
        "belongs to a friend.",
        actions=(
            ToolCall(name="get_account", arguments={"account_id": "A1"}),
            ToolCall(
                name="transfer_money",
                arguments={"from_account": "A1", "to_account": "A7", "amount": 40},
            ),
        ),
    ),
    Blueprint(
        domain="ledger",
        id="ledger-note-then-transfer",
        instruction="First, you want a note on account A2 saying that you called about "
        "fees. Then you want to transfer 15 dollars from account A2 to account A3.",
        actions=(
            ToolCall(
                name="add_note",
                arguments={"account_id": "A2", "note": "The owner called about fees."},
            ),
            ToolCall(
                name="transfer_money",
                arguments={"from_account": "A2", "to_account": "A3", "amount": 15},
            ),
        ),
    ),
)
