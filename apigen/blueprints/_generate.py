"""What ``apigen blueprints generate`` runs: a batch against real or sim models, and its funnel."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Container
from pathlib import Path
from typing import Any

from apigen.blueprints._client import ModelClient
from apigen.blueprints._config import Phase1Config
from apigen.blueprints._run import (
    AttemptDone,
    Phase1Run,
    Progress,
    generate_blueprints,
    write_run,
)
from apigen.env import load_environment

__all__ = ["format_funnel", "generate"]


def generate(
    domain: str,
    n: int,
    *,
    config: Phase1Config | None = None,
    seed: int = 0,
    state_seed: int = 0,
    out: Path | None = None,
    concurrency: int = 16,
    recombine_users: bool = False,
    known_fingerprints: Container[str] = frozenset(),
    client: ModelClient | None = None,
    progress: Progress | None = None,
    client_for: Callable[[int], ModelClient] | None = None,
    on_attempt: AttemptDone | None = None,
) -> Phase1Run:
    """Run ``n`` attempts of run ``seed`` on domain ``domain`` (state ``state_seed``) and,
    with ``out``, write the accepted blueprints and ``rejected.jsonl`` there.

    ``client`` defaults to an :class:`apigen.llm.LLMClient` with the environment's
    model configuration (the models themselves come from ``config``); ``client_for``
    and ``on_attempt`` are passed to :func:`generate_blueprints`. An unknown domain
    raises :class:`apigen.errors.UnknownNameError`.
    """
    env = load_environment(domain, seed=state_seed)
    if client is None:
        from apigen.llm import LLMClient

        client = LLMClient()
    run = asyncio.run(
        generate_blueprints(
            env,
            n,
            client=client,
            config=config,
            seed=seed,
            known_fingerprints=known_fingerprints,
            concurrency=concurrency,
            recombine_users=recombine_users,
            progress=progress,
            client_for=client_for,
            on_attempt=on_attempt,
        )
    )
    if out is not None:
        write_run(run, out)
    return run


def format_funnel(funnel: dict[str, Any]) -> list[str]:
    """The funnel as text lines: attempts, failures per stage with top reasons,
    acceptances and the rounds they needed."""
    lines = [f"attempted  {funnel['attempted']}"]
    if funnel["errors"]:
        lines.append(f"  provider errors  {funnel['errors']}")
        lines += [f"      {example}" for example in funnel["error_examples"]]
    for stage, entry in funnel["failed"].items():
        lines.append(f"  failed at {stage:<10} {entry['count']}")
        for reason, count in entry["top_reasons"]:
            lines.append(f"      {count:>4} × {reason}")
    lines.append(f"accepted   {funnel['accepted']}  (yield {funnel['yield']:.1%})")
    rounds = ", ".join(f"round {k}: {v}" for k, v in funnel["rounds"].items()) or "none"
    lines.append(f"  accepted at  {rounds}")
    met = ", ".join(f"{k} {v}" for k, v in funnel["failures_repaired_or_not"].items() if v)
    lines.append(f"  stage failures over all rounds: {met or 'none'}")
    recombined = funnel["recombined"]
    if recombined["attempted"]:
        lines.append(f"recombined {recombined['accepted']}/{recombined['attempted']} accepted")
    return lines
