"""Reverse recombination: validated blueprints of one user merged into one longer task."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Sequence

from apigen.blueprints._attempt import (
    AttemptResult,
    build_blueprint,
    result_of,
    run_rounds,
    sim_context,
    template_variables,
)
from apigen.blueprints._client import ModelClient, UsageTally
from apigen.blueprints._config import Phase1Config
from apigen.blueprints._parse import ParsedBlueprint, parse_generation
from apigen.blueprints._sampling import AttemptSpec, SampledContext, sketch_from_json
from apigen.blueprints._templates import PromptTemplates
from apigen.env import Environment, TaskSketch
from apigen.types import Blueprint, ToolCall

__all__ = ["group_by_user", "merge_sketches", "recombine"]


def group_by_user(blueprints: Sequence[Blueprint]) -> dict[tuple[str, str], list[Blueprint]]:
    """Accepted blueprints grouped by (domain, ``context["user"]``), in input order;
    blueprints without a sampled user or task sketch are left out."""
    groups: dict[tuple[str, str], list[Blueprint]] = defaultdict(list)
    for bp in blueprints:
        user = bp.context.get("user")
        if isinstance(user, str) and isinstance(bp.context.get("task"), dict):
            groups[(bp.domain, user)].append(bp)
    return dict(groups)


def merge_sketches(sketches: Sequence[TaskSketch]) -> TaskSketch:
    """One sketch: the first one's authentication, every sketch's steps in order."""
    first = sketches[0]
    answers: dict[str, str] = {}
    context: dict[str, object] = {}
    for s in sketches:
        answers.update(s.answers)
        context.update(s.context)
    return TaskSketch(
        user=first.user,
        auth=first.auth,
        identity=first.identity,
        steps=tuple(step for s in sketches for step in s.steps),
        answers=answers,
        context=context,
    )


def _merged_actions(parts: Sequence[Blueprint], auth: tuple[ToolCall, ...]) -> list[ToolCall]:
    """Concatenated actions, authentication kept once (at its first occurrence)."""
    auth_keys = {(c.name, repr(sorted(c.arguments.items()))) for c in auth}
    seen: set[tuple[str, str]] = set()
    merged: list[ToolCall] = []
    for part in parts:
        for action in part.actions:
            key = (action.name, repr(sorted(action.arguments.items())))
            if key in auth_keys:
                if key in seen:
                    continue
                seen.add(key)
            merged.append(ToolCall(name=action.name, arguments=action.arguments))
    return merged


async def recombine(
    parts: Sequence[Blueprint],
    *,
    env: Environment,
    client: ModelClient,
    config: Phase1Config | None = None,
    seed: int = 0,
    index: int = 0,
    known_fingerprints: Container[str] = frozenset(),
    templates: PromptTemplates | None = None,
) -> AttemptResult:
    """Merge two or more validated blueprints of the same user into one task.

    Actions are concatenated (authentication once), outputs merged, and the
    generator writes one instruction from the ``recombination.j2`` prompt (the sim
    generator sees the merged :class:`TaskSketch`). The merged blueprint goes
    through every stage again (format, execution replay, policy, review, dedup)
    with the usual feedback loop. ``ValueError`` when the parts are fewer than two,
    of different users or domains, or lack their sampled task sketch.
    """
    config = config or Phase1Config()
    templates = templates or PromptTemplates(config.templates_dir)
    if len(parts) < 2:
        raise ValueError("recombination needs at least two blueprints")
    groups = group_by_user(parts)
    if len(groups) != 1 or sum(map(len, groups.values())) != len(parts):
        raise ValueError("recombined blueprints must share domain and user, with task sketches")
    if parts[0].domain != env.domain.name:
        raise ValueError(f"environment is {env.domain.name!r}, blueprints are {parts[0].domain!r}")
    sketch = merge_sketches([sketch_from_json(p.context["task"]) for p in parts])
    actions = _merged_actions(parts, sketch.auth)
    outputs = tuple(dict.fromkeys(o for p in parts for o in p.outputs))
    names = [p.id or p.fingerprint() for p in parts]
    spec = AttemptSpec(domain=env.domain.name, seed=seed, index=index, parts=tuple(names))
    chain = tuple(str(t) for p in parts for t in p.context.get("chain", []))
    ctx = SampledContext(
        env=env,
        chain=chain or tuple(a.name for a in actions),
        writes=tuple(s.call.name for s in sketch.steps),
        sketch=sketch,
        persona=parts[0].persona,
        policy=env.domain.policy,
        policy_headings=(),
        few_shots=(),
        seed=spec.derived_seed,
        episode=spec.key,
        extra={"recombined_from": names},
    )
    tally = UsageTally()
    variables = template_variables(ctx)

    async def draft(
        rnd: int, feedback: list[str], previous: str | None
    ) -> tuple[str | None, Blueprint | list[str]]:
        prompt = templates.render(
            "recombination.j2",
            **variables,
            round=rnd,
            feedback=feedback,
            previous=previous,
            parts=[{"instruction": p.instruction} for p in parts],
            actions=[{"name": a.name, "arguments": a.arguments} for a in actions],
            outputs=list(outputs),
        )
        context = {
            **sim_context(ctx, config, rnd, feedback),
            "recombine": [p.instruction for p in parts],  # extra key: sim/generator reads TASK
        }
        answer = await tally.call(client, "generator", None, prompt, context)
        raw = answer.text
        parsed = parse_generation(raw, need=("instruction",), reasoning=answer.reasoning)
        if isinstance(parsed, list):
            return raw, parsed
        merged = ParsedBlueprint(parsed.instruction, tuple(actions), outputs, parsed.reasoning)
        return raw, build_blueprint(merged, ctx, client.members("generator")[0])

    records = await run_rounds(
        ctx,
        draft,
        client=client,
        config=config,
        templates=templates,
        tally=tally,
        known=known_fingerprints,
    )
    return result_of(spec, records, tally)
