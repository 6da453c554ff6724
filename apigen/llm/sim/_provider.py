"""The litellm custom provider behind ``sim/<role>`` model names."""

from __future__ import annotations

import asyncio
import importlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import litellm
from litellm.types.utils import (
    ChatCompletionMessageToolCall,
    Choices,
    Function,
    Message,
    ModelResponse,
    Usage,
)

from apigen.errors import ApigenError
from apigen.llm._context import EPISODE_CONTEXT
from apigen.llm.sim._common import stable_hash, to_turns
from apigen.llm.sim._context_keys import ContextKey
from apigen.llm.sim._knobs import SimKnobs, parse_sim_model, resolve_knobs
from apigen.llm.sim._request import SimReply, SimRequest

__all__ = ["SimProvider", "register"]

_ROLE_MODULES = {
    "generator": "apigen.llm.sim._generator",
    "reviewer": "apigen.llm.sim._reviewer",
    "judge": "apigen.llm.sim._judge",
    "human": "apigen.llm.sim._human",
    "agent": "apigen.llm.sim._agent",
}
_MAX_TRACKED = 50_000


def _echo(req: SimRequest) -> SimReply:
    last = next((t.content for t in reversed(req.turns) if t.role == "user"), "")
    return SimReply(content=last)


def _role_fn(role: str) -> Callable[[SimRequest], SimReply]:
    if role == "echo":
        return _echo
    module = importlib.import_module(_ROLE_MODULES[role])
    fn: Callable[[SimRequest], SimReply] = module.respond
    return fn


@dataclass
class _Prepared:
    model: str
    request: SimRequest
    delay: float
    failure: BaseException | None
    reply: SimReply | None
    messages: list[Any]


class SimProvider(litellm.CustomLLM):
    """Scripted role-players reached as ``sim/<role>`` through litellm.

    ``defaults`` are run-level knob defaults (below the model name and the context).
    """

    def __init__(self, defaults: Mapping[str, Any] | SimKnobs | None = None) -> None:
        super().__init__()
        self.defaults: dict[str, Any] = {}
        self.set_defaults(defaults)
        self._attempts: OrderedDict[int, int] = OrderedDict()
        self._lock = threading.Lock()

    def set_defaults(self, defaults: Mapping[str, Any] | SimKnobs | None) -> None:
        """Replace the run-level knob defaults (validated now, errors name the knob)."""
        if isinstance(defaults, SimKnobs):
            defaults = defaults.model_dump(exclude_defaults=True)
        self.defaults = dict(defaults or {})
        resolve_knobs(self.defaults)

    # -- litellm entry points ----------------------------------------------------

    async def acompletion(
        self, model: str, messages: list[Any], *args: Any, **kwargs: Any
    ) -> ModelResponse:
        prepared = self._prepare(model, messages, kwargs.get("optional_params") or {})
        if prepared.delay > 0:
            await asyncio.sleep(prepared.delay)
        return self._finish(prepared, kwargs.get("model_response"))

    def completion(
        self, model: str, messages: list[Any], *args: Any, **kwargs: Any
    ) -> ModelResponse:
        prepared = self._prepare(model, messages, kwargs.get("optional_params") or {})
        if prepared.delay > 0:
            time.sleep(prepared.delay)
        return self._finish(prepared, kwargs.get("model_response"))

    # -- internals -----------------------------------------------------------------

    def _prepare(
        self, model: str, messages: list[Any], optional_params: Mapping[str, Any]
    ) -> _Prepared:
        ctx: Mapping[str, Any] = EPISODE_CONTEXT.get() or {}
        try:
            role, params = parse_sim_model(model)
            knobs = resolve_knobs(self.defaults, params, ctx.get(ContextKey.SIM))
        except ApigenError as err:
            raise _bad_request(model, err) from err
        seed_value = ctx.get(ContextKey.SEED)
        seed = int(seed_value if seed_value is not None else optional_params.get("seed") or 0)
        turns = to_turns(messages)
        episode = str(ctx.get(ContextKey.EPISODE) or stable_hash(messages[:2]))
        tools = list(optional_params.get("tools") or [])
        request = SimRequest(role, knobs, ctx, turns, tools, seed, episode)
        fingerprint = stable_hash(model, messages, tools)
        attempt = self._attempt(fingerprint)
        rng = request.rng("transport", fingerprint, attempt)
        delay = _latency(knobs, rng.random(), rng.random())
        failure = _transport_failure(knobs, rng.random(), rng.random(), model)
        reply = None
        if failure is None:
            try:
                reply = _role_fn(role)(request)
            except ApigenError as err:
                raise _bad_request(model, err) from err
            _corrupt_calls(reply, knobs, rng.random(), rng.random(), request.tool_names)
        return _Prepared(model, request, delay, failure, reply, messages)

    def _attempt(self, fingerprint: int) -> int:
        """How many times this exact request was seen before: retries draw afresh."""
        with self._lock:
            seen = self._attempts.pop(fingerprint, 0)
            self._attempts[fingerprint] = seen + 1
            while len(self._attempts) > _MAX_TRACKED:
                self._attempts.popitem(last=False)
        return seen

    def _finish(self, prepared: _Prepared, response: ModelResponse | None) -> ModelResponse:
        if prepared.failure is not None:
            raise prepared.failure
        reply = prepared.reply
        assert reply is not None
        req = prepared.request
        calls = [
            ChatCompletionMessageToolCall(
                id=f"call_{stable_hash(req.seed, req.episode, len(req.turns), i):016x}",
                type="function",
                function=Function(name=name, arguments=_arguments_text(args)),
            )
            for i, (name, args) in enumerate(reply.calls)
        ]
        message = Message(
            content=reply.content,
            role="assistant",
            tool_calls=calls or None,
            reasoning_content=reply.reasoning,
        )
        out = response if response is not None else ModelResponse()
        out.choices = [
            Choices(index=0, finish_reason="tool_calls" if calls else "stop", message=message)
        ]
        prompt = _count_prompt(prepared.messages, list(req.tools))
        completion_text = (reply.content or "") + "".join(
            (c.function.name or "") + (c.function.arguments or "") for c in calls
        )
        completion = max(1, litellm.token_counter(model="", text=completion_text or " "))
        out.usage = Usage(  # type: ignore[attr-defined]
            prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
        )
        out.model = f"sim/{prepared.model.removeprefix('sim/')}"
        out.id = f"simcmpl-{stable_hash(req.role, req.episode, len(req.turns)):016x}"
        return out


def _arguments_text(args: Any) -> str:
    return args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)


def _count_prompt(messages: list[Any], tools: list[Any]) -> int:
    return max(1, litellm.token_counter(model="", messages=messages, tools=tools or None))


def _latency(knobs: SimKnobs, u1: float, u2: float) -> float:
    if knobs.latency <= 0:
        return 0.0
    if knobs.latency_dist == "exp":
        import math

        return -knobs.latency * math.log(1.0 - u1)
    return max(0.0, knobs.latency + (2 * u1 - 1) * knobs.latency_jitter)


def _transport_failure(knobs: SimKnobs, draw: float, pick: float, model: str) -> Exception | None:
    name = f"sim/{model.removeprefix('sim/')}"
    if draw < knobs.rate_limit:
        headers = {"retry-after": f"{knobs.retry_after:g}"}
        resp = httpx.Response(429, headers=headers, request=httpx.Request("POST", "http://sim"))
        return litellm.RateLimitError(
            "sim: injected rate limit",
            llm_provider="sim",
            model=name,
            response=resp,
            headers=headers,
        )
    draw -= knobs.rate_limit
    if draw < knobs.server_error:
        if pick < 0.5:
            return litellm.InternalServerError(
                "sim: injected server error", llm_provider="sim", model=name
            )
        return litellm.ServiceUnavailableError(
            "sim: injected service unavailable", llm_provider="sim", model=name
        )
    draw -= knobs.server_error
    if draw < knobs.timeout:
        return litellm.Timeout("sim: injected time-out", model=name, llm_provider="sim")
    return None


def _corrupt_calls(
    reply: SimReply, knobs: SimKnobs, u1: float, u2: float, offered: list[str]
) -> None:
    if not reply.calls:
        return
    which = int(u2 * len(reply.calls)) % len(reply.calls)
    if u1 < knobs.unknown_tool:
        name, args = reply.calls[which]
        bogus = f"{name}_v2"
        while bogus in offered:
            bogus += "x"
        reply.calls[which] = (bogus, args)
    if u2 < knobs.malformed_tool_json:
        name, args = reply.calls[which]
        text = _arguments_text(args)
        reply.calls[which] = (name, text[: max(1, len(text) - 1)] + ',"')


def _bad_request(model: str, err: ApigenError) -> Exception:
    """litellm re-wraps foreign exceptions as retryable connection errors; a 400 passes
    through untouched, with the apigen error as ``__cause__``."""
    return litellm.BadRequestError(str(err), model=f"sim/{model}", llm_provider="sim")


_handler: SimProvider | None = None
_register_lock = threading.Lock()


def register(defaults: Mapping[str, Any] | SimKnobs | None = None) -> SimProvider:
    """Add the sim provider to ``litellm.custom_provider_map`` once; later calls reuse it
    (and replace its defaults when ``defaults`` is given)."""
    global _handler
    from litellm.utils import custom_llm_setup

    with _register_lock:
        existing = next(
            (i["custom_handler"] for i in litellm.custom_provider_map if i["provider"] == "sim"),
            None,
        )
        if isinstance(existing, SimProvider):
            _handler = existing
            if defaults is not None:
                existing.set_defaults(defaults)
        else:
            _handler = SimProvider(defaults)
            litellm.custom_provider_map = [
                i for i in litellm.custom_provider_map if i["provider"] != "sim"
            ] + [{"provider": "sim", "custom_handler": _handler}]
        custom_llm_setup()
        return _handler
