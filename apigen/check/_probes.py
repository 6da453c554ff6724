"""One probe per role through its real prompt and parser; see the package docstring."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apigen.errors import ProviderError, UserError
from apigen.types import Blueprint, Message

if TYPE_CHECKING:
    from apigen.env import Environment
    from apigen.llm import LLMClient
    from apigen.settings import Settings

__all__ = ["ModelCheck", "ProbeInput", "Probed", "check_models", "register_probe"]


@dataclass(frozen=True)
class ProbeInput:
    """What a probe gets: the settings, the role and model probed, a client whose role
    has only that model, the domain's pristine environment and a curated blueprint."""

    settings: Settings
    role: str
    model: str
    client: LLMClient
    env: Environment
    blueprint: Blueprint


@dataclass(frozen=True)
class Probed:
    """A probe's finding: parsed or not (with the reason), and the call's latency when
    the probe measured it (else the probe's wall time counts)."""

    ok: bool
    reason: str = ""
    latency_s: float | None = None


@dataclass(frozen=True)
class ModelCheck:
    """One model of one role, checked."""

    role: str
    model: str
    ok: bool
    reason: str
    latency_s: float
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    dropped: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "model": self.model,
            "ok": self.ok,
            "reason": self.reason,
            "latency_s": round(self.latency_s, 3),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": self.cost_usd,
            "dropped": list(self.dropped),
        }


Probe = Callable[[ProbeInput], Awaitable[Probed]]
_PROBES: dict[str, Probe] = {}


def register_probe(role: str) -> Callable[[Probe], Probe]:
    """Decorator: the probe of ``role`` (replacing an earlier one)."""

    def wrap(fn: Probe) -> Probe:
        _PROBES[role] = fn
        return fn

    return wrap


async def check_models(
    settings: Settings, *, roles: tuple[str, ...] | None = None
) -> list[ModelCheck]:
    """Probe every model of every role; see the package docstring."""
    from apigen.blueprints import curated_dir, iter_blueprint_files, load_blueprint
    from apigen.env import load_environment

    env = load_environment(settings.domain, seed=settings.state_seed)
    files = list(iter_blueprint_files([curated_dir() / settings.domain]))
    if not files:
        raise UserError(f"domain {settings.domain!r} has no curated blueprint to probe with")
    blueprint = load_blueprint(files[0])
    config = settings.models
    out = []
    for role in roles or tuple(config.roles()):
        for model in dict.fromkeys(config.role(role).models):  # a repeated model once
            inp = ProbeInput(settings, role, model, _alone(settings, role, model), env, blueprint)
            out.append(await _check(inp))
    return out


def _alone(settings: Settings, role: str, model: str) -> LLMClient:
    from apigen.llm import LLMClient, ModelsConfig

    data = settings.models.model_dump(mode="json")
    data[role] = {**data.get(role, {}), "models": [model], "fallbacks": []}
    if role == "reviewer":  # the reviewer reviews what the sim generator wrote
        data["generator"] = {"models": ["sim/generator"]}
    return LLMClient(ModelsConfig.model_validate(data))


async def _check(inp: ProbeInput) -> ModelCheck:
    from apigen.llm import split_params

    probe = _PROBES.get(inp.role, _plain)
    started = time.perf_counter()
    try:
        found = await probe(inp)
    except ProviderError as exc:
        found = Probed(False, f"provider error ({exc.kind}): {str(exc).splitlines()[0][:160]}")
    wall = time.perf_counter() - started
    usage = inp.client.usage().get(inp.role)
    params = inp.settings.models.role(inp.role).params.as_kwargs()
    return ModelCheck(
        role=inp.role,
        model=inp.model,
        ok=found.ok,
        reason=found.reason,
        latency_s=found.latency_s if found.latency_s is not None else wall,
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        cost_usd=usage.cost_usd if usage else None,
        dropped=split_params(inp.model, {**params, "seed": 0, "temperature": 1.0})[1],
    )


async def _plain(inp: ProbeInput) -> Probed:
    ask = [Message(role="user", content="Reply with the single word OK.")]
    done = await inp.client.complete(inp.role, None, ask, context=_context(inp, tuple(ask)))
    text = (done.text or "").strip()
    return Probed(bool(text), "" if text else "empty answer", done.latency_s)


def _context(inp: ProbeInput, messages: tuple[Message, ...], **extra: Any) -> dict[str, Any]:
    """The episode context ``sim/…`` models read (real models never see it)."""
    from apigen.llm.sim import ContextKey as K

    ctx = {
        K.ENV: inp.env,
        K.SANDBOX: inp.env.sandbox(),
        K.BLUEPRINT: inp.blueprint,
        K.PERSONA: inp.blueprint.persona,
        K.MESSAGES: messages,
        K.SEED: inp.settings.seed,
        K.EPISODE: f"models-check:{inp.role}:{inp.model}",
    }
    ctx.update(extra)
    return ctx


async def _opening(inp: ProbeInput) -> tuple[Message, ...]:
    """System prompt and the human's first message (the configured human model's)."""
    from apigen.rollout import flipped_view

    domain = inp.env.domain
    view = flipped_view(inp.blueprint, (), inp.settings.rollout.greeting, domain)
    first = await inp.client.complete("human", None, view, context=_context(inp, ()))
    return (
        Message(role="system", content=domain.policy),
        Message(role="user", content=first.text or "Hi, I need help with my account."),
    )


@register_probe("human")
async def _human(inp: ProbeInput) -> Probed:
    from apigen.rollout import flipped_view

    view = flipped_view(inp.blueprint, (), inp.settings.rollout.greeting, inp.env.domain)
    done = await inp.client.complete("human", None, view, context=_context(inp, ()))
    text = (done.text or "").strip()
    return Probed(bool(text), "" if text else "empty answer", done.latency_s)


@register_probe("agent")
async def _agent(inp: ProbeInput) -> Probed:
    said = await _opening(inp)
    tools = [t.schema for t in inp.env.domain.tools]
    done = await inp.client.complete("agent", None, said, tools=tools, context=_context(inp, said))
    if done.errors:
        first = done.errors[0]
        return Probed(False, f"malformed tool call ({first.kind}): {first.message}", done.latency_s)
    if not (done.text or "").strip() and not done.tool_calls:
        return Probed(False, "neither text nor a tool call", done.latency_s)
    return Probed(True, "", done.latency_s)


@register_probe("judge")
async def _judge(inp: ProbeInput) -> Probed:
    from apigen.committee import Unreadable, parse_answer
    from apigen.rollout import judge_prompt

    said = await _opening(inp)
    reply = Message(role="assistant", content="I can help. Could you give me your user id?")
    convo = (*said[1:], reply)
    criteria = inp.settings.rollout.criteria
    prompt = judge_prompt(inp.blueprint, inp.env.domain.policy, convo, criteria)
    ctx = _context(inp, (said[0], *convo), criteria=list(criteria))
    done = await inp.client.complete("judge", None, prompt, context=ctx)
    parsed = parse_answer(done.text, criteria)
    if isinstance(parsed, Unreadable):
        return Probed(False, f"unreadable scores ({parsed})", done.latency_s)
    return Probed(True, "", done.latency_s)


def _attempt(inp: ProbeInput, stages: tuple[str, ...]) -> Awaitable[Any]:
    from apigen.blueprints import AttemptSpec, run_attempt

    config = inp.settings.phase1.model_copy(update={"rounds": 0, "stages": stages})
    spec = AttemptSpec(domain=inp.env.domain.name, seed=inp.settings.seed, index=0)
    return run_attempt(spec, env=inp.env, client=inp.client, config=config)


@register_probe("generator")
async def _generator(inp: ProbeInput) -> Probed:
    result = await _attempt(inp, ("format",))
    first = result.rounds[0]
    if first.blueprint is None or not first.report.stages[0].passed:
        reasons = first.report.stages[0].reasons if first.report.stages else ()
        return Probed(False, f"unparseable blueprint: {'; '.join(reasons)[:200]}")
    return Probed(True)


@register_probe("reviewer")
async def _reviewer(inp: ProbeInput) -> Probed:
    result = await _attempt(inp, ("format", "execution", "policy", "review"))
    review = next((s for s in result.report.stages if s.stage == "review"), None)
    if review is None:
        return Probed(False, "the sim generator's blueprint did not reach review")
    abstained = [v.rationale for v in review.votes if v.passed is None]
    if abstained:
        return Probed(False, f"unreadable review: {abstained[0][:200]}")
    return Probed(True)
