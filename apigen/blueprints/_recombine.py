"""Reverse recombination: validated blueprints of one user merged into one longer task."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Container, Iterator, Sequence

from apigen.blueprints._attempt import (
    AttemptResult,
    RoundRecord,
    build_blueprint,
    result_of,
    run_rounds,
    sim_context,
    template_variables,
)
from apigen.blueprints._checks import check_policy
from apigen.blueprints._client import ModelClient, UsageTally
from apigen.blueprints._config import Phase1Config
from apigen.blueprints._parse import ParsedBlueprint, parse_generation
from apigen.blueprints._sampling import AttemptSpec, SampledContext, sketch_from_json
from apigen.blueprints._templates import PromptTemplates
from apigen.env import Environment, TaskSketch, replay_with_policy
from apigen.types import (
    JSON,
    Blueprint,
    StageOutcome,
    ToolCall,
    ToolExecution,
    ValidationReport,
)

__all__ = [
    "group_by_user",
    "merge_sketches",
    "recombination_groups",
    "recombine",
    "recompute_outputs",
]


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


def _merged_actions(
    parts: Sequence[Blueprint], auth: tuple[ToolCall, ...]
) -> tuple[list[ToolCall], list[list[int]]]:
    """Concatenated actions, authentication kept once (at its first occurrence), and
    for each part the merged position of each of its actions."""
    auth_keys = {(c.name, repr(sorted(c.arguments.items()))) for c in auth}
    first: dict[tuple[str, str], int] = {}
    merged: list[ToolCall] = []
    positions: list[list[int]] = []
    for part in parts:
        where = []
        for action in part.actions:
            key = (action.name, repr(sorted(action.arguments.items())))
            if key in auth_keys and key in first:
                where.append(first[key])
                continue
            first.setdefault(key, len(merged))
            where.append(len(merged))
            merged.append(ToolCall(name=action.name, arguments=action.arguments))
        positions.append(where)
    return merged, positions


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _leaves(value: JSON, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple, JSON]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path, value


def _at(value: JSON, path: tuple) -> JSON:
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _restated(output: str, old: JSON, new: JSON) -> str | None:
    """``output`` with the tool value ``old`` it states replaced by ``new``; ``None``
    when ``output`` does not state ``old``."""
    if isinstance(old, str):
        return str(new) if output.strip() == old and new is not None else None
    if isinstance(old, bool) or not isinstance(old, int | float):
        return None
    if not isinstance(new, int | float) or isinstance(new, bool):
        return None
    for m in _NUMBER.finditer(output):
        if float(m.group().replace(",", "")) == float(old):
            decimals = len(m.group().partition(".")[2])
            shown = f"{new:,.{decimals}f}" if "," in m.group() else f"{new:.{decimals}f}"
            return output[: m.start()] + shown + output[m.end() :]
    return None


def recompute_outputs(
    env: Environment,
    parts: Sequence[Blueprint],
    merged: Sequence[ToolExecution],
    positions: Sequence[Sequence[int]],
) -> tuple[str, ...]:
    """Each part's outputs restated from the merged replay: an output that states a
    tool value of its part's replay (a string equal to it, or a number in it) takes
    the value the same call returns, at the same place, in the merged replay (an
    earlier part's write can change a later balance or total). Outputs that state no
    tool value are kept as written. Order kept, repeats dropped."""
    out: list[str] = []
    for part, where in zip(parts, positions, strict=True):
        alone = env.sandbox().replay(part.actions)
        for output in part.outputs:
            new = output
            for step, execution in enumerate(alone):
                found = None
                for path, leaf in _leaves(execution.output):
                    found = _restated(output, leaf, _at(merged[where[step]].output, path))
                    if found is not None:
                        break
                if found is not None:
                    new = found
                    break
            out.append(new)
    return tuple(dict.fromkeys(out))


def recombination_groups(
    accepted: Sequence[Blueprint], *, rate: float = 1.0, seed: int = 0, size: int = 3
) -> list[list[Blueprint]]:
    """Groups to merge: up to ``size`` accepted blueprints of each user with two or
    more (input order), each group kept with probability ``rate`` (a draw seeded by
    ``seed`` and the group's first fingerprint, so a run reproduces)."""
    groups = [parts[:size] for parts in group_by_user(accepted).values() if len(parts) >= 2]
    return [
        g
        for g in groups
        if rate >= 1.0 or random.Random(f"{seed}/{g[0].fingerprint()}").random() < rate
    ]


def _policy_rejected(spec: AttemptSpec, policy: StageOutcome) -> AttemptResult:
    """The result of a merge whose combined actions break the policy (no model asked)."""
    report = ValidationReport(stages=(policy,))
    record = RoundRecord(round=0, blueprint=None, report=report)
    return AttemptResult(spec=spec, blueprint=None, report=report, rounds=(record,), usage={})


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

    Actions are concatenated (authentication once) and the policy is checked on the
    combined actions first (a breach is rejected at ``policy`` without asking any
    model); outputs are recomputed from the combined replay
    (:func:`recompute_outputs`); the generator writes one instruction from the
    ``recombination.j2`` prompt (the sim generator sees the merged
    :class:`TaskSketch`). The merged blueprint goes through every stage again
    (format, execution replay, policy, review, dedup) with the usual feedback loop.
    ``ValueError`` when the parts are fewer than two, of different users or domains,
    or lack their sampled task sketch.
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
    actions, positions = _merged_actions(parts, sketch.auth)
    names = [p.id or p.fingerprint() for p in parts]
    spec = AttemptSpec(domain=env.domain.name, seed=seed, index=index, parts=tuple(names))
    replay = replay_with_policy(env, actions)
    policy = check_policy(replay)
    if not policy.passed:  # the combination breaks the policy: no instruction is written
        return _policy_rejected(spec, policy)
    outputs = recompute_outputs(env, parts, replay.trace, positions)
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
