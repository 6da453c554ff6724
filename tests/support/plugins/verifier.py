"""A phase-2 verifier plug-in: the agent never deposits more than 75 in one call.

Registering it is this one module: importing it (or naming it in an
``apigen.verifiers`` entry point) adds the verifier ``deposit_limit``;
``RolloutConfig(verifiers=...)`` then runs it on every episode.
"""

from __future__ import annotations

from apigen.rollout import VerifierInput, register_verifier
from apigen.types import Verdict

LIMIT = 75


@register_verifier("deposit_limit")
def deposit_limit(inp: VerifierInput) -> Verdict:
    over = [
        f"the agent deposited {c.arguments.get('amount')} (limit {LIMIT})"
        for m in inp.messages
        for c in m.tool_calls
        if c.name == "deposit" and int(c.arguments.get("amount", 0)) > LIMIT
    ]
    return Verdict(verifier="deposit_limit", passed=not over, reasons=tuple(over))
