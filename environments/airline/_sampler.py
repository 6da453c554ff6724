"""The context sampler: ground a list of write tools in one real user's data.

``sample_task(domain, db, rng, writes)`` tries random users until one can do every
write in order. It plans in a **scratch sandbox** over a copy of ``db``: every read
and write a step needs is made there with the real tools and checked against the
real policy, so the tools alone define the effects (a later step sees an earlier
step's booking, refund or spent certificate) and the expected outputs are read off
the tools' results. The returned :class:`~apigen.env.TaskSketch` replays without
errors or policy violations by construction.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from apigen.env import DB, Domain, Sandbox, TaskSketch, WriteStep, thaw
from apigen.types import ToolCall, ToolExecution
from environments.airline._planners import PLANNERS

__all__ = ["Scratch", "sample_task"]

_TRIES = 200


class Scratch:
    """One user's planning sandbox: reads and writes made with the real tools."""

    def __init__(self, domain: Domain, db: DB, rng: random.Random, user_id: str):
        self.box = Sandbox.over(domain, db, call_timeout=None)
        self.rng = rng
        self.user_id = user_id
        self.touched: list[str] = []
        self.answers: dict[str, str] = {}

    @property
    def db(self) -> DB:
        return self.box.db

    @property
    def user(self) -> Any:
        return self.db.users[self.user_id]

    def run(self, name: str, **arguments: Any) -> ToolExecution | None:
        """Make a call if the policy allows it; its execution when it succeeded."""
        call = ToolCall(name=name, arguments=arguments)
        if self.box.policy_violations(call):
            return None
        execution = self.box.call(call)
        if not execution.ok or (execution.write and not execution.changed):
            return None
        return execution

    def reservations(self, status: str = "active") -> list[Any]:
        found = [self.db.reservations[r] for r in self.user["reservations"]]
        return [r for r in found if r["status"] == status]

    def touch(self, reservation_id: str) -> None:
        if reservation_id not in self.touched and reservation_id in self.db.reservations:
            self.touched.append(reservation_id)


def sample_task(
    domain: Domain, db: DB, rng: random.Random, writes: Sequence[str]
) -> TaskSketch | None:
    """A grounded task for ``writes`` (write tool names, in order), or ``None``."""
    writes = list(writes)
    if not writes or any(w not in PLANNERS for w in writes):
        return None
    if "transfer_to_human_agents" in writes[:-1] or writes.count("send_certificate") > 1:
        return None
    users = list(db.users.keys())
    if not users:
        return None
    for _ in range(_TRIES):
        user_id = users[rng.randrange(len(users))]
        sketch = _try_user(domain, db, random.Random(rng.random()), user_id, writes)
        if sketch is not None:
            return sketch
    return None


def _try_user(
    domain: Domain, db: DB, rng: random.Random, user_id: str, writes: list[str]
) -> TaskSketch | None:
    plan = Scratch(domain, db, rng, user_id)
    auth = ToolCall(name="get_user_details", arguments={"user_id": user_id})
    if plan.run(auth.name, **auth.arguments) is None:
        return None
    user = thaw(plan.user)
    pristine = db.reservations
    steps: list[WriteStep] = []
    for name in writes:
        step = PLANNERS[name](plan)
        if step is None:
            return None
        steps.append(step)
    context = {
        "user": user,
        "reservations": {r: thaw(pristine[r]) for r in plan.touched if r in pristine},
    }
    return TaskSketch(
        user=user_id,
        auth=(auth,),
        identity={"user_id": user_id},
        steps=tuple(steps),
        answers=dict(plan.answers),
        context=context,
    )
