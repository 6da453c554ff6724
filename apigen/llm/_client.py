"""The client every role calls models through: routing, limits, retries, cache, usage."""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from apigen.errors import ConfigError, ProviderError
from apigen.llm import _litellm
from apigen.llm._cache import (
    CacheBackend,
    DiskCache,
    MemoryCache,
    call_identity,
    context_digest,
    request_key,
)
from apigen.llm._config import ModelsConfig, SamplingParams
from apigen.llm._context import EPISODE_CONTEXT
from apigen.llm._errors import own_error, provider_error
from apigen.llm._limits import Limits, RateLimiter, TokenBucketLimiter
from apigen.llm._messages import TextToolCalls, to_openai_messages, tool_names
from apigen.llm._records import Completion
from apigen.llm._retry import Tries, with_retries
from apigen.llm._usage import UsageLedger, active_ledgers, usage_scope
from apigen.types import Message, Usage

__all__ = ["LLMClient"]


@dataclass(frozen=True, slots=True)
class _Route:
    """Everything about one model name that does not change between calls."""

    model: str
    api_base: str | None
    api_key_env: str | None
    timeout_s: float
    max_attempts: int
    counts_tokens: bool
    """A tokens-per-minute limit applies, so requests need a token estimate."""
    reads_context: bool
    """A ``sim/…`` model: the episode context takes part in the cache key."""
    text_tool_calls: TextToolCalls = "off"
    """How the endpoint writes tool calls as text (``EndpointSettings.text_tool_calls``)."""


class LLMClient:
    """Calls models for every role; see the package docstring for the contract.

    ``limiter`` defaults to a :class:`TokenBucketLimiter` over the configured
    per-model ``rpm``/``tpm``; pass a shared one (e.g. Ray-backed) to coordinate
    workers. ``cache`` defaults to the backend ``config.cache`` names (off by default).
    """

    def __init__(
        self,
        config: ModelsConfig | None = None,
        *,
        limiter: RateLimiter | None = None,
        cache: CacheBackend | None = None,
    ) -> None:
        self.config = config if config is not None else ModelsConfig.load()
        self.limiter: RateLimiter = (
            limiter
            if limiter is not None
            else TokenBucketLimiter(
                self._limits, rate_limited_pause_s=self.config.retry.initial_wait_s
            )
        )
        self.cache = cache if cache is not None else _cache_from(self.config)
        self.ledger = UsageLedger()
        self._routes: dict[str, _Route] = {}
        self._role_params: dict[str, dict[str, Any]] = {}

    async def complete(
        self,
        role: str,
        model: str | None,
        messages: Iterable[Message | Mapping[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        params: SamplingParams | Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Completion:
        """Ask ``model`` (``None``: the role's first) for the next assistant message.

        Raises :class:`ProviderError` when the model and every configured fallback
        failed; malformed tool calls are reported in ``Completion.errors`` instead.
        """
        if _litellm._module is None:
            _litellm.load_litellm()  # the one-time import is not part of any call's latency
        started = time.perf_counter()
        role_models = self.config.role(role)
        model = model or role_models.models[0]
        wire = to_openai_messages(messages)
        merged = self._params(role, params, (context or {}).get("member"))
        cache = self.cache
        key = None if cache is None else self._cache_key(model, wire, tools, merged, context)
        if cache is not None and key is not None:
            hit = cache.get(key)
            if hit is not None:
                return self._from_cache(role, model, hit, started)
        names = tool_names(tools)
        error: ProviderError | None = None
        for candidate in (model, *role_models.fallbacks):
            try:
                completion = await self._call(
                    role, self._route(candidate), wire, tools, names, merged, context, started
                )
            except ProviderError as exc:
                error = exc
                continue
            if cache is not None and key is not None:
                cache.set(key, completion.model_dump_json())
            return completion
        assert error is not None
        raise error

    async def _call(
        self,
        role: str,
        route: _Route,
        wire: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        names: frozenset[str],
        params: dict[str, Any],
        context: Mapping[str, Any] | None,
        started: float,
    ) -> Completion:
        estimate = _estimate_tokens(wire, tools, params) if route.counts_tokens else 0
        once = functools.partial(
            self._attempt, route, wire, tools, params, estimate, _api_key(route)
        )
        tries = Tries()
        token = EPISODE_CONTEXT.set(context)
        try:
            response = await with_retries(once, self.config.retry, route.max_attempts, tries)
        except ProviderError:
            for ledger in (self.ledger, *active_ledgers()):
                ledger.add_failure(role, route.model, retries=tries.count - 1)
            raise
        finally:
            EPISODE_CONTEXT.reset(token)
        attempts = tries.count
        parsed = _litellm.parse_response(response, route.model, names, route.text_tool_calls)
        if route.counts_tokens:
            self.limiter.report(
                route.model,
                rate_limited=False,
                tokens_used=parsed.prompt_tokens + parsed.completion_tokens,
                tokens_estimated=estimate,
            )
        for ledger in (self.ledger, *active_ledgers()):
            ledger.add_call(
                role,
                route.model,
                prompt_tokens=parsed.prompt_tokens,
                completion_tokens=parsed.completion_tokens,
                cost_usd=parsed.cost_usd,
                retries=attempts - 1,
                cached=False,
            )
        return Completion(
            role=role,
            model=route.model,
            text=parsed.text,
            tool_calls=parsed.tool_calls,
            reasoning=parsed.reasoning,
            thinking_blocks=parsed.thinking_blocks,
            finish_reason=parsed.finish_reason,
            prompt_tokens=parsed.prompt_tokens,
            completion_tokens=parsed.completion_tokens,
            cost_usd=parsed.cost_usd,
            latency_s=time.perf_counter() - started,
            attempts=attempts,
            errors=parsed.errors,
        )

    async def _attempt(
        self,
        route: _Route,
        wire: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        params: dict[str, Any],
        estimate: int,
        api_key: str | None,
    ) -> Any:
        await self.limiter.acquire(route.model, estimate)
        try:
            async with asyncio.timeout(route.timeout_s):
                return await _litellm.acompletion(
                    route.model,
                    wire,
                    tools=tools,
                    params=params,
                    timeout_s=route.timeout_s,
                    api_base=route.api_base,
                    api_key=api_key,
                )
        except Exception as exc:
            own = own_error(exc)
            error = provider_error(exc, model=route.model) if own is None else own
            if isinstance(error, ProviderError) and error.kind == "rate_limit":
                self.limiter.report(route.model, rate_limited=True, retry_after=error.retry_after)
            raise error from (exc if own is None else None)

    def _from_cache(self, role: str, model: str, value: str, started: float) -> Completion:
        stored = Completion.model_validate_json(value)
        for ledger in (self.ledger, *active_ledgers()):
            ledger.add_call(
                role,
                model,
                prompt_tokens=0,
                completion_tokens=0,
                cost_usd=0.0,
                retries=0,
                cached=True,
            )
        return stored.model_copy(
            update={
                "role": role,
                "cached": True,
                "cost_usd": 0.0,
                "attempts": 0,
                "latency_s": time.perf_counter() - started,
            }
        )

    def _cache_key(
        self,
        model: str,
        wire: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        params: dict[str, Any],
        context: Mapping[str, Any] | None,
    ) -> str | None:
        seen = context if self._route(model).reads_context else call_identity(context)
        digest = context_digest(seen)
        return None if digest is None else request_key(model, wire, tools, params, digest)

    def _params(
        self, role: str, params: SamplingParams | Mapping[str, Any] | None, member: Any = None
    ) -> dict[str, Any]:
        """The role's parameters, the member's overrides (``context["member"]``, an
        index into ``RoleModels.member_params``), then the call's ``params``."""
        index = member if isinstance(member, int) and not isinstance(member, bool) else -1
        base = self._role_params.get(f"{role}#{index}")
        if base is None:
            base = self.config.role(role).params.as_kwargs()
            overrides = self.config.role(role).member_params
            if 0 <= index < len(overrides):
                base = {**base, **overrides[index].as_kwargs()}
            self._role_params[f"{role}#{index}"] = base
        if not params:
            return base
        extra = params.as_kwargs() if isinstance(params, SamplingParams) else params
        return {**base, **extra}

    def _route(self, model: str) -> _Route:
        route = self._routes.get(model)
        if route is None:
            endpoint = self.config.endpoint(model)
            route = self._routes[model] = _Route(
                model=model,
                api_base=endpoint.api_base,
                api_key_env=endpoint.api_key_env,
                timeout_s=endpoint.timeout_s or self.config.retry.timeout_s,
                max_attempts=endpoint.max_attempts or self.config.retry.max_attempts,
                counts_tokens=endpoint.tpm is not None,
                reads_context=model.startswith("sim/"),
                text_tool_calls=endpoint.text_tool_calls,
            )
        return route

    def _limits(self, model: str) -> Limits:
        endpoint = self.config.endpoint(model)
        return Limits(rpm=endpoint.rpm, tpm=endpoint.tpm)

    def members(self, role: str) -> tuple[str, ...]:
        """The models playing ``role``, in order (a committee's members)."""
        return self.config.members(role)

    def usage(self) -> dict[str, Usage]:
        """Usage per role so far."""
        return self.ledger.by_role()

    def usage_by_model(self) -> dict[str, Usage]:
        """Usage per model so far."""
        return self.ledger.by_model()

    def take_usage(self) -> dict[tuple[str, str], Usage]:
        """Usage per (role, model) since the last take, then reset: deltas to persist."""
        return self.ledger.take()

    def usage_scope(self) -> AbstractContextManager[UsageLedger]:
        """A scope counting the calls made inside it (in this task and the tasks it
        starts), e.g. one work item's among many concurrent ones on this client::

            with client.usage_scope() as item_usage:
                await run_attempt(spec, env=env, client=client)
            rows = item_usage.snapshot()  # {(role, model): Usage}
        """
        return usage_scope()


def _api_key(route: _Route) -> str | None:
    if route.api_key_env is None:
        return None
    value = os.environ.get(route.api_key_env)
    if not value:
        raise ConfigError(
            f"environment variable {route.api_key_env} is not set",
            field=f"endpoints.{route.model}.api_key_env",
        )
    return value


def _estimate_tokens(
    wire: list[dict[str, Any]], tools: list[dict[str, Any]] | None, params: Mapping[str, Any]
) -> int:
    """Rough token count for rate limiting: ~4 characters per token, plus the reply cap."""
    chars = sum(len(str(m.get("content") or "")) + 16 for m in wire)
    chars += sum(len(str(t)) for t in tools or ())
    return chars // 4 + int(params.get("max_tokens") or 256)


def _cache_from(config: ModelsConfig) -> CacheBackend | None:
    settings = config.cache
    if settings.backend == "memory":
        return MemoryCache(settings.max_entries)
    if settings.backend == "disk":
        return DiskCache(settings.path or os.path.join(".apigen", "llm-cache.sqlite"))
    return None
