"""One attempt: sample a context, generate, validate stages 1-5, feed failures back (≤ K rounds)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Container, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from apigen.blueprints._client import ModelClient, RoleUsage
from apigen.blueprints._compose import tool_entities
from apigen.blueprints._config import Phase1Config
from apigen.blueprints._parse import ParsedBlueprint, parse_generation
from apigen.blueprints._sampling import (
    AttemptSpec,
    SampledContext,
    load_examples,
    sample_context,
    sketch_to_json,
)
from apigen.blueprints._stages import PARSE_STAGE, StageInput, get_stage, run_stages
from apigen.blueprints._templates import PromptTemplates
from apigen.committee import Scale, agreement
from apigen.env import Environment
from apigen.graph import field_kinds
from apigen.llm.sim import ContextKey
from apigen.types import Blueprint, StageOutcome, Usage, ValidationReport

__all__ = ["AttemptResult", "RoundRecord", "failure_lines", "run_attempt"]

Draft = Callable[[int, list[str], str | None], Awaitable[tuple[str | None, Blueprint | list[str]]]]
"""(round, feedback, previous answer) -> (raw answer, blueprint or format reasons)."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoundRecord(_Record):
    """One generation round of an attempt."""

    round: int
    blueprint: Blueprint | None
    """What was generated, with its report; ``None`` when the answer could not be parsed."""
    report: ValidationReport
    raw: str | None = None
    """The generator's answer as given."""
    feedback: tuple[str, ...] = ()
    """The feedback this round's prompt carried (empty in round 0)."""


class AttemptResult(_Record):
    """Everything one attempt produced and decided."""

    spec: AttemptSpec
    blueprint: Blueprint | None
    """The accepted blueprint, or the last rejected one (``None`` when the last round's
    answer could not be parsed); its ``report`` is :attr:`report`."""
    report: ValidationReport
    """The final round's report."""
    rounds: tuple[RoundRecord, ...]
    usage: dict[str, Usage]
    """Model usage per role (``generator``, ``reviewer``, ``feedback``)."""

    @property
    def accepted(self) -> bool:
        return self.report.passed

    @property
    def failed_stage(self) -> str | None:
        """The stage the final round failed at; ``None`` when accepted."""
        failed = self.report.failed_stage
        return failed.stage if failed is not None else None

    def drafts(self) -> tuple[Blueprint, ...]:
        """Every round's parsed blueprint in order, each with its report; the last one
        is :attr:`blueprint` (which carries the final report). Rounds whose answer could
        not be parsed have no blueprint and are left out. This is what the results
        database stores for one attempt."""
        drafts = [r.blueprint for r in self.rounds[:-1] if r.blueprint is not None]
        if self.blueprint is not None:
            drafts.append(self.blueprint)
        return tuple(drafts)


_AGREEMENT = "review agreement: "


def failure_lines(report: ValidationReport, criteria: Sequence[str] = ()) -> list[str]:
    """The failed stage's reasons as ``stage: reason`` lines (what feedback carries);
    for a failed review, then where the members agreed and split on ``criteria``
    (``review agreement: completeness: all 3 fail``)."""
    failed = report.failed_stage
    if failed is None:
        return []
    lines = [f"{failed.stage}: {r}" for r in failed.reasons]
    if failed.votes and criteria:
        lines += [f"{_AGREEMENT}{a}" for a in agreement(failed.votes, criteria, Scale())]
    return lines


def template_variables(ctx: SampledContext) -> dict[str, Any]:
    """Variables every phase-1 template can use."""
    domain = ctx.env.domain
    entities = tool_entities(ctx.env)
    return {
        "domain": {
            "name": domain.name,
            "description": domain.description,
            "framing": domain.framing.model_dump(),
        },
        "tools": [
            {
                "name": t.name,
                "kind": t.kind,
                "description": t.description,
                "parameters": t.parameters,
                "entities": entities[t.name],
                "declarations": t.declarations,
            }
            for t in domain.tools
        ],
        "policy": ctx.policy,
        "grounding": ctx.grounding,
        "chain": list(ctx.chain),
        "writes": list(ctx.writes),
        "task": sketch_to_json(ctx.sketch) if ctx.sketch is not None else None,
        **composing_variables(ctx),
        "persona": ctx.persona,
        "examples": [
            {
                "instruction": bp.instruction,
                "outputs": list(bp.outputs),
                "actions": [{"name": a.name, "arguments": a.arguments} for a in bp.actions],
            }
            for bp in ctx.few_shots
        ],
    }


def composing_variables(ctx: SampledContext) -> dict[str, Any]:
    """The composing context as template variables: ``neighbourhood`` (``root``,
    ``records``, ``kinds`` of tables, ``fields``: entity kind of id fields),
    ``identity``, ``reads``, ``information_only``; all empty for a planned context."""
    comp = ctx.composition
    if comp is None:
        return {"neighbourhood": None, "identity": None, "reads": [], "information_only": False}
    nb = comp.neighbourhood
    return {
        "neighbourhood": {
            "root": list(nb.root),
            "records": nb.records,
            "kinds": nb.kinds,
            "fields": field_kinds(ctx.env.domain),
        },
        "identity": comp.identity,
        "reads": list(comp.reads),
        "information_only": not comp.writes,
    }


def sim_context(
    ctx: SampledContext, config: Phase1Config, rnd: int, feedback: list[str]
) -> dict[str, Any]:
    """The structured context ``sim/…`` models read (real models never see it). A
    composing context without a sketch gives the sim generator only the template
    variables the prompt renders (``ContextKey.PROMPT``), never an answer key."""
    shown: dict[str, Any] = (
        {ContextKey.TASK: ctx.sketch}
        if ctx.sketch is not None
        else {ContextKey.PROMPT: template_variables(ctx)}
    )
    return {
        ContextKey.ENV: ctx.env,
        **shown,
        ContextKey.PERSONA: ctx.persona,
        ContextKey.FEEDBACK: list(feedback),
        ContextKey.ROUND: rnd,
        ContextKey.CRITERIA: list(config.criteria),
        ContextKey.SEED: ctx.seed,
        ContextKey.EPISODE: ctx.episode,
    }


def build_blueprint(
    parsed: ParsedBlueprint, ctx: SampledContext, generator: str
) -> Blueprint | list[str]:
    """A :class:`Blueprint` from parsed sections, or the reasons it is invalid."""
    try:
        return Blueprint(
            domain=ctx.env.domain.name,
            instruction=parsed.instruction,
            actions=parsed.actions,
            outputs=parsed.outputs,
            persona=ctx.persona,
            context=ctx.record(),
            generator=generator,
        )
    except ValidationError as exc:
        return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]


async def validate_candidate(
    bp: Blueprint,
    ctx: SampledContext,
    *,
    client: ModelClient,
    config: Phase1Config,
    templates: PromptTemplates,
    tally: RoleUsage,
    rnd: int,
    feedback: list[str],
    known: Container[str],
) -> list[StageOutcome]:
    """The stages of ``config.stages`` in order (default format, execution, policy,
    review, dedup), stopping at the first failure."""
    inp = StageInput(
        blueprint=bp,
        context=ctx,
        client=client,
        config=config,
        templates=templates,
        tally=tally,
        round=rnd,
        feedback=feedback,
        known=known,
        reviewers=client.members("reviewer"),
        variables=template_variables(ctx),
        sim=sim_context(ctx, config, rnd, feedback),
    )
    return await run_stages(config.stages, inp)


async def condense(
    lines: list[str],
    previous: str | None,
    ctx: SampledContext,
    *,
    client: ModelClient,
    config: Phase1Config,
    templates: PromptTemplates,
    tally: RoleUsage,
    rnd: int,
) -> list[str]:
    """Failures (and the committee's agreement) condensed by the ``feedback`` role
    into fix lines when ``config.condense_feedback``; verbatim otherwise."""
    if not config.condense_feedback or not lines:
        return lines
    split = [ln.removeprefix(_AGREEMENT) for ln in lines if ln.startswith(_AGREEMENT)]
    prompt = templates.render(
        "feedback.j2",
        **template_variables(ctx),
        failures=[ln for ln in lines if not ln.startswith(_AGREEMENT)],
        agreement=split,
        previous=previous or "",
    )
    answer = await tally.call(
        client, "feedback", None, prompt, sim_context(ctx, config, rnd, lines)
    )
    text = answer.text
    fixes = [ln.strip()[2:].strip() for ln in (text or "").splitlines() if ln.strip()[:2] == "- "]
    return [f for f in fixes if f] or lines


async def run_rounds(
    ctx: SampledContext,
    draft: Draft,
    *,
    client: ModelClient,
    config: Phase1Config,
    templates: PromptTemplates,
    tally: RoleUsage,
    known: Container[str],
) -> list[RoundRecord]:
    """Generate and validate, feeding failures back, for at most ``1 + K`` rounds
    (``config.rounds_for(domain)``). A failed ``final`` stage (a duplicate) ends the
    loop at once: the same context would repeat it."""
    records: list[RoundRecord] = []
    feedback: list[str] = []
    previous: str | None = None
    for rnd in range(config.rounds_for(ctx.env.domain.name) + 1):
        raw, made = await draft(rnd, feedback, previous)
        if isinstance(made, list):
            stages = [StageOutcome(stage=PARSE_STAGE, passed=False, reasons=tuple(made))]
            bp = None
        else:
            stages = await validate_candidate(
                made,
                ctx,
                client=client,
                config=config,
                templates=templates,
                tally=tally,
                rnd=rnd,
                feedback=feedback,
                known=known,
            )
            bp = made
        report = ValidationReport(stages=tuple(stages), round=rnd)
        bp = bp.model_copy(update={"report": report}) if bp is not None else None
        records.append(
            RoundRecord(round=rnd, blueprint=bp, report=report, raw=raw, feedback=tuple(feedback))
        )
        if report.passed or get_stage(stages[-1].stage).final:
            break
        previous = raw
        feedback = await condense(
            failure_lines(report, config.criteria),
            raw,
            ctx,
            client=client,
            config=config,
            templates=templates,
            tally=tally,
            rnd=rnd,
        )
    return records


@lru_cache(maxsize=8)
def _examples(folder: str | None, domain: str) -> tuple[Blueprint, ...]:
    if folder is None:
        from apigen.blueprints._files import curated_dir
        from apigen.env import domain_folder

        try:
            path: Path | None = curated_dir() / domain
        except FileNotFoundError:
            path = None
        home = domain_folder(domain)
        if (path is None or not path.is_dir()) and home is not None:
            path = home / "blueprints"  # a plug-in's own curated blueprints
    else:
        path = Path(folder)
    return tuple(load_examples(path, domain))


def result_of(spec: AttemptSpec, records: list[RoundRecord], tally: RoleUsage) -> AttemptResult:
    last = records[-1]
    return AttemptResult(
        spec=spec,
        blueprint=last.blueprint,
        report=last.report,
        rounds=tuple(records),
        usage=dict(tally.by_role),
    )


async def run_attempt(
    spec: AttemptSpec,
    *,
    env: Environment,
    client: ModelClient,
    config: Phase1Config | None = None,
    known_fingerprints: Container[str] = frozenset(),
    templates: PromptTemplates | None = None,
) -> AttemptResult:
    """Run one attempt end to end; deterministic for ``spec`` with deterministic models.

    ``env`` is the pristine environment of ``spec.domain``. ``known_fingerprints``
    are blueprints already accepted (this run's and earlier ones); a repeat fails
    the ``dedup`` stage. Malformed model output becomes a recorded ``format``
    failure; provider failures (:class:`apigen.errors.ProviderError`) propagate so
    the caller can retry the attempt.
    """
    config = config or Phase1Config()
    if env.domain.name != spec.domain:
        raise ValueError(f"environment is {env.domain.name!r}, attempt is for {spec.domain!r}")
    templates = templates or PromptTemplates(config.templates_dir)
    folder = str(config.examples_dir) if config.examples_dir is not None else None
    ctx = sample_context(spec, env, config, list(_examples(folder, spec.domain)))
    tally = RoleUsage()
    variables = template_variables(ctx)

    async def draft(
        rnd: int, feedback: list[str], previous: str | None
    ) -> tuple[str | None, Blueprint | list[str]]:
        prompt = templates.render(
            "generator.j2", **variables, feedback=feedback, previous=previous, round=rnd
        )
        answer = await tally.call(
            client, "generator", None, prompt, sim_context(ctx, config, rnd, feedback)
        )
        raw = answer.text
        parsed = parse_generation(raw, reasoning=answer.reasoning)
        if isinstance(parsed, list):
            return raw, parsed
        return raw, build_blueprint(parsed, ctx, client.members("generator")[0])

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
