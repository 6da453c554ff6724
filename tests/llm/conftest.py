"""Fixtures for the LLM client tests: a local OpenAI-compatible server and clients for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from apigen.llm import (
    CacheBackend,
    EndpointSettings,
    LLMClient,
    ModelsConfig,
    RateLimiter,
    RetrySettings,
)
from tests.llm._server import FakeOpenAI

KEY_ENV = "APIGEN_TEST_LOCAL_KEY"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    yield fake
    fake.stop()


@pytest.fixture
def make_client(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Callable[..., LLMClient]:
    """Build a client whose ``openai/*`` models reach the local server, with fast retries."""
    monkeypatch.setenv(KEY_ENV, "sk-local-dummy")

    def build(
        *,
        retry: dict[str, Any] | None = None,
        cache: CacheBackend | None = None,
        limiter: RateLimiter | None = None,
        **config: Any,
    ) -> LLMClient:
        endpoints = config.pop("endpoints", {})
        endpoints.setdefault("openai/*", EndpointSettings(api_base=server.url, api_key_env=KEY_ENV))
        settings = {"initial_wait_s": 0.01, "max_wait_s": 0.05, "timeout_s": 5.0, **(retry or {})}
        models = ModelsConfig.load(endpoints=endpoints, retry=RetrySettings(**settings), **config)
        return LLMClient(models, cache=cache, limiter=limiter)

    return build
