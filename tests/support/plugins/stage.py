"""A phase-1 stage plug-in: a house rule that no task deposits more than 250 at once.

Registering it is this one module: importing it (or naming it in an ``apigen.stages``
entry point) adds the stage ``deposit_cap``; ``Phase1Config(stages=...)`` then runs it.
"""

from __future__ import annotations

from apigen.blueprints import StageInput, register_stage
from apigen.types import StageOutcome

CAP = 250


@register_stage("deposit_cap")
def deposit_cap(inp: StageInput) -> StageOutcome:
    too_big = [
        f"actions[{i}] deposits {a.arguments['amount']}, over the cap of {CAP}"
        for i, a in enumerate(inp.blueprint.actions)
        if a.name == "deposit" and int(a.arguments.get("amount", 0)) > CAP
    ]
    return StageOutcome(stage="deposit_cap", passed=not too_big, reasons=tuple(too_big))
