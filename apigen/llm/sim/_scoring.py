"""Criterion scoring shared by ``sim/reviewer`` and ``sim/judge``: criteria, noise, answer."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from apigen.errors import ConfigError
from apigen.llm.sim._context_keys import ContextKey
from apigen.llm.sim._request import SimReply, SimRequest

__all__ = ["Check", "score_criteria"]

Check = Callable[[], tuple[bool, str]]
"""Runs one criterion: (passed, reason)."""


def score_criteria(
    req: SimRequest, checks: Mapping[str, Check], defaults: tuple[str, ...], note: str = ""
) -> SimReply:
    """Score the requested criteria (context ``criteria`` or ``defaults``) with 0/1.

    With the ``disagree`` knob each score flips with that probability (seeded per
    call and criterion); the reason then says the judge disagrees with the evidence.
    Answer: ``{"criteria": {name: {"score": 0|1, "reason": str}}, "rationale": str}``;
    ``note`` is added to the rationale.
    """
    names = [str(c) for c in req.ctx.get(ContextKey.CRITERIA) or defaults]
    unknown = [n for n in names if n not in checks]
    if unknown:
        known = ", ".join(sorted(checks))
        raise ConfigError(
            f"sim/{req.role} has no check for {unknown[0]!r} (known: {known})", field="criteria"
        )
    rng = req.rng("disagree")
    out: dict[str, dict[str, object]] = {}
    for name in names:
        passed, reason = checks[name]()
        if rng.random() < req.knobs.disagree:
            passed, reason = not passed, f"On balance I disagree with the evidence: {reason}"
        out[name] = {"score": int(passed), "reason": reason}
    failed = [n for n in names if out[n]["score"] == 0]
    rationale = "All criteria are met." if not failed else f"Not met: {', '.join(failed)}."
    rationale += f" {note}." if note else ""
    return SimReply(json.dumps({"criteria": out, "rationale": rationale}, ensure_ascii=False))
