"""The one seam to language models: every role calls models through here.

Contract
--------
``LLMClient.complete(role, model, messages, *, tools=None, params=None, context=None)``
is the single async entry point. It takes

- ``role``: who is calling, a registered role (:func:`register_role`; built in:
  ``generator``, ``reviewer``, ``feedback``, ``human``, ``agent``, ``judge``); usage
  is accounted per role and per model;
- ``model``: ``None`` (the role's first configured model: what phases pass), or one
  of the role's members (:meth:`LLMClient.members`, a committee asks each). Any
  model name litellm routes (``openai/gpt-4o``, ``hosted_vllm/…``, ``ollama/…``)
  or ``sim/<name>`` for the offline scripted role-players;
- ``messages``: :class:`apigen.types.Message` records (converted to OpenAI dicts
  here, assistant tool calls with ids and JSON-string arguments);
- ``tools``: OpenAI function definitions (what :attr:`apigen.env.Tool.schema` gives);
- ``params``: sampling parameters overriding the role's configured ones;
- ``context``: a mapping only ``sim/…`` models read. It is placed in
  :data:`apigen.llm.EPISODE_CONTEXT` for the duration of the call; real providers
  never see it.

and returns a frozen :class:`Completion`: text, parsed tool calls, reasoning
content, finish reason, token usage, cost in USD (``None`` when litellm has no
price for the model), latency, ``cached``, and ``errors``.

Guarantees
----------
- **Malformed output never raises.** A tool call whose arguments are not a JSON
  object (``invalid_json``) or that names a tool not offered (``unknown_tool``) is
  dropped from ``Completion.tool_calls`` and reported in ``Completion.errors`` as an
  :class:`OutputError` (kind, call id, tool name, raw arguments). The well-formed
  calls of the same answer are kept, so ``Completion.message`` is always a valid
  assistant message to append to the history.
- **Provider failures raise** :class:`apigen.errors.ProviderError` with ``kind``,
  ``retryable``, ``status_code`` and ``retry_after`` read from the litellm
  exception's type and HTTP response (never its text). Retryable failures (429,
  5xx, time-out, connection) are retried with exponential backoff and jitter,
  waiting at least the provider's ``Retry-After``; others fail at once. After the
  attempts are spent, configured fallbacks are tried in order; the last error is
  raised.
- **Limits.** Each attempt first passes the :class:`RateLimiter` (requests and
  tokens per minute per model) and runs under a per-attempt time limit.
- **Cache.** With a :class:`CacheBackend`, an identical request (model, messages,
  tools, sampling params and, for ``sim/…`` models only, a digest of the context)
  is answered from the cache with ``cached=True``, ``attempts=0`` and zero cost;
  a sim request whose context cannot be digested is not cached.
- **Errors a provider raises as apigen exceptions pass through by type**: a
  ``ConfigError`` from a sim model (a bad knob, a missing context key) reaches the
  caller at once; a ``ProviderError`` a sim model injects keeps its structure.
- **Usage.** ``client.usage()`` / ``client.usage_by_model()`` return
  :class:`apigen.types.Usage` records at any time; ``client.take_usage()``
  returns and resets them; ``with client.usage_scope() as ledger:`` counts the
  calls made inside the block (this task and the tasks it starts) apart, so
  concurrent work items on one client each get their own usage.
- **Roles.** Phases name roles, never models: ``client.members(role)`` gives the
  models playing a role (a committee's members), from :class:`ModelsConfig`;
  ``ModelsConfig.all_models()`` is every model a run may call (fallbacks
  included), what a run-wide rate limiter covers.
- **Cheap import.** ``import apigen.llm`` does not import litellm; the first call
  does, with debug output suppressed, the local price map and ``.env`` loading
  disabled (the environment of :data:`apigen.LITELLM_ENV`, set by ``import apigen``).

``check_model(name)`` raises a one-line ``ConfigError`` for a name no call could
reach (an unknown ``sim/…`` role or knob, a name litellm routes to no provider); a
run checks every model of ``ModelsConfig.all_models()`` before it starts.

``litellm_acompletion()`` returns litellm's bare ``acompletion`` (loaded the same
way): the baseline ``apigen bench llm`` compares the client against.
"""

from __future__ import annotations

from apigen.llm._cache import CacheBackend, DiskCache, MemoryCache
from apigen.llm._client import LLMClient
from apigen.llm._config import (
    CacheSettings,
    EndpointSettings,
    ModelsConfig,
    RetrySettings,
    RoleModels,
    SamplingParams,
)
from apigen.llm._context import EPISODE_CONTEXT
from apigen.llm._limits import RateLimiter, TokenBucketLimiter
from apigen.llm._litellm import check_model, litellm_acompletion
from apigen.llm._protocol import CompletionLike, ModelClient, OutputErrorLike
from apigen.llm._records import Completion, OutputError
from apigen.llm._roles import Role, get_role, register_role, role_names
from apigen.llm._usage import UsageLedger

__all__ = [
    "EPISODE_CONTEXT",
    "CacheBackend",
    "CacheSettings",
    "Completion",
    "CompletionLike",
    "DiskCache",
    "EndpointSettings",
    "LLMClient",
    "MemoryCache",
    "ModelClient",
    "ModelsConfig",
    "OutputError",
    "OutputErrorLike",
    "RateLimiter",
    "RetrySettings",
    "Role",
    "RoleModels",
    "SamplingParams",
    "TokenBucketLimiter",
    "UsageLedger",
    "check_model",
    "get_role",
    "litellm_acompletion",
    "register_role",
    "role_names",
]
