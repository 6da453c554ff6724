"""The retail domain: an online store's customer care, generated from a seed.

Contract
--------
``DOMAIN`` (a :class:`Retail`, name ``"retail"``) is what the registry loads.

- **State** (``build_state(seed, scale)``): tables ``products`` (50 product types,
  ~590 variants), ``users`` (500 per scale unit), ``orders`` (1,000 per scale unit:
  pending / processed / delivered / cancelled), ``payment_methods``, ``user_emails``
  (an index) and ``transfers``. Scale-1 entities are identical at every scale.
- **Tools** (17): 9 reads (find a user by email or by name and zip, user, orders,
  order, product types, product, item, calculator) and 8 writes (cancel / modify
  address, items or payment of a pending order, modify the default address,
  return / exchange items of a delivered order, transfer to a human). Tools
  enforce data integrity only and raise :class:`apigen.env.ToolFailure`.
- **Policy**: ``policy.md`` (the agent's system prompt) and its rules as code in
  ``POLICY_CHECKS`` (rule ids: ``auth_before_access``, ``single_user``,
  ``own_payment_method``, ``pending_only``, ``delivered_only``,
  ``same_product_variant``, ``refund_destination``, ``modify_items_once``,
  ``cancel_reason``, ``after_transfer``, and from the rules library
  ``confirm_before_write``, ``one_call_at_a_time`` and the unsound
  ``confirmation_names_action``).
- **Declarations**: every write but the hand-off needs a confirmation
  (``confirm=True``); ``transfer_to_human_agents`` hands off (its ``summary`` is
  free text); the two ``find_user_id_by_*`` reads authenticate.
- **Framing**: a customer talking to a customer-service agent (``CUSTOMER`` /
  ``AGENT`` in transcripts).
- **Sampler** (``sample_task(db, rng, writes)``): grounds any sequence of write
  tools in one customer's data, or returns ``None``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from apigen.env import DB, Comparison, Domain, Framing, TaskSketch
from environments._shared import extends
from environments.retail._data import build_state
from environments.retail._policy import POLICY_CHECKS
from environments.retail._reads import READ_TOOLS
from environments.retail._sampler import sample_task
from environments.retail._writes import WRITE_TOOLS

__all__ = ["DOMAIN", "POLICY_CHECKS", "Retail"]


_FINAL_STATUSES = frozenset({"cancelled", "return requested", "exchange requested"})


class Retail(Domain):
    """An online store: customers, orders, a product catalogue and a care policy."""

    name = "retail"
    description = (
        "Online store customer care: look up customers, orders and products; cancel or "
        "modify pending orders, return or exchange delivered items, update addresses."
    )
    tools = (*READ_TOOLS, *WRITE_TOOLS)
    policy = (Path(__file__).parent / "policy.md").read_text(encoding="utf-8")
    policy_checks = POLICY_CHECKS
    forbidden_successions = (("transfer_to_human_agents", "*"),)
    allows_information_only = True
    comparison = Comparison(
        {
            "orders": {"cancel_reason": "text"},
            "transfers": {"user_id": "optional"},
        }
    )
    """Reasons are enumerations the agent may capitalise; the hand-off's ``user_id``
    is an optional argument."""
    framing = Framing(
        user="a customer of an online store",
        agent="a customer-service agent",
        user_label="CUSTOMER",
        agent_label="AGENT",
        generator_notes=(
            "Tasks are requests of one customer about their own account and orders; "
            "the customer identifies by email, or by name and zip code."
        ),
    )

    def build_state(self, seed: int, scale: int = 1) -> dict[str, dict[str, Any]]:
        return build_state(seed, scale)

    def sample_task(self, db: DB, rng: random.Random, writes: Sequence[str]) -> TaskSketch | None:
        return sample_task(db, rng, writes)

    def reachable(self, table: str, current: Any, target: Any) -> bool:
        """Irreversible transitions: a cancelled, returned or exchanged order and an
        order whose items were modified never change back; a payment history only
        grows; a transfer stays queued."""
        if current is None or self.comparison.same(table, current, target):
            return True
        if table == "transfers":
            return False
        if table == "orders":
            if current.get("status") in _FINAL_STATUSES:
                return False
            if current.get("items_modified") and not (target or {}).get("items_modified"):
                return False
            if target is not None and not extends(current, target, "payment_history"):
                return False
        return True


DOMAIN = Retail()
