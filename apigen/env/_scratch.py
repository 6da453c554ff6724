"""A scratch sandbox for task samplers: plan with the real tools, never mirror them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigen.env._sandbox import Sandbox
from apigen.env._state import DB, Database

if TYPE_CHECKING:
    from apigen.env._domain import Domain

__all__ = ["scratch_sandbox"]


def scratch_sandbox(domain: Domain, db: DB) -> Sandbox:
    """A sandbox over the state ``db`` shows (the one ``sample_task`` is handed).

    A sampler makes each step's calls here, in order, with the domain's real tools
    (and may ask ``policy_violations`` first), so a later step sees an earlier one's
    effects exactly as an episode will and the expected outputs are the tools' own
    results. Nothing reaches ``db``. Over a pristine view (the usual case) it copies
    nothing; over a view with changes it copies the tables once. Calls have no time
    limit (planning runs in the driver, not under a model).
    """
    database = db._database
    if db._layers:
        database = Database({t: dict(db[t].items()) for t in db.tables})
    return Sandbox(domain, database, call_timeout=None)
