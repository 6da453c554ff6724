"""Client behaviour independent of HTTP: episode context, sim routing, cheap import, no .env."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import litellm
import pytest
from litellm import CustomLLM

from apigen.llm import EPISODE_CONTEXT, LLMClient
from apigen.types import Message
from tests.llm._server import FakeOpenAI

USER = [Message(role="user", content="hi")]
ROOT = Path(__file__).resolve().parents[2]


class _ContextProbe(CustomLLM):
    """Answers with the episode context it sees, as a provider plugged into litellm."""

    async def acompletion(self, *args: Any, **kwargs: Any) -> Any:
        response = kwargs["model_response"]
        context = EPISODE_CONTEXT.get()
        response.choices[0].message.content = repr(dict(context) if context else None)
        return response


@pytest.fixture
def probe_provider() -> Any:
    entry: Any = {"provider": "ctxprobe", "custom_handler": _ContextProbe()}
    litellm.custom_provider_map.append(entry)
    yield
    litellm.custom_provider_map.remove(entry)


async def test_context_reaches_the_provider_and_is_reset(probe_provider: None) -> None:
    client = LLMClient()
    result = await client.complete("human", "ctxprobe/x", USER, context={"task": "t1"})
    assert result.text == "{'task': 't1'}"
    assert EPISODE_CONTEXT.get() is None
    assert (await client.complete("human", "ctxprobe/x", USER)).text == "None"


async def test_concurrent_calls_each_see_their_own_context(probe_provider: None) -> None:
    client = LLMClient()
    results = await asyncio.gather(
        *(client.complete("human", "ctxprobe/x", USER, context={"n": n}) for n in range(20))
    )
    assert [r.text for r in results] == [repr({"n": n}) for n in range(20)]


async def test_real_providers_never_see_the_context(
    server: FakeOpenAI, make_client: Callable[..., LLMClient]
) -> None:
    await make_client().complete(
        "agent", "openai/local-model", USER, context={"secret_blueprint": "do X"}
    )
    assert "secret_blueprint" not in str(server.requests[0])


async def test_sim_models_route_through_litellm_with_latency() -> None:
    client = LLMClient()
    started = time.perf_counter()
    result = await client.complete("agent", "sim/echo?latency=0.1", USER)
    assert time.perf_counter() - started >= 0.1
    assert result.text == "hi" and result.cost_usd is None
    assert client.usage_by_model()["sim/echo?latency=0.1"].calls == 1


async def test_role_default_model_is_used() -> None:
    from apigen.llm import ModelsConfig

    client = LLMClient(ModelsConfig.load(agent={"models": ["sim/echo?seed=1", "sim/echo"]}))
    result = await client.complete("agent", None, USER)
    assert result.model == "sim/echo?seed=1" and result.text == "hi"
    assert LLMClient().members("agent") == ("sim/agent",)


def _run(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LITELLM_")}
    environment.update(PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_is_cheap(tmp_path: Path) -> None:
    done = _run(
        "import sys, apigen.llm; print('litellm' in sys.modules, 'tenacity' in sys.modules)",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "False"


def test_dotenv_in_cwd_never_leaks_into_the_environment(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("APIGEN_DOTENV_CANARY=leaked\n")
    code = """
        import asyncio, os
        from apigen.llm import LLMClient
        from apigen.types import Message
        import litellm
        call = LLMClient().complete("agent", "sim/echo", [Message(role="user", content="x")])
        result = asyncio.run(call)
        print(result.text)
        print(os.environ.get("APIGEN_DOTENV_CANARY"))
        print(os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP"), os.environ.get("LITELLM_MODE"))
        print(litellm.suppress_debug_info)
    """
    done = _run(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:4] == ["x", "None", "True PRODUCTION", "True"]
    # control: a bare litellm import in the same place does read the file
    bare = _run(
        "import os, litellm; print(os.environ.get('APIGEN_DOTENV_CANARY'))",
        tmp_path,
        LITELLM_LOCAL_MODEL_COST_MAP="True",
    )
    assert bare.stdout.strip() == "leaked"


class _Raising(CustomLLM):
    """A provider that raises scripted exceptions before answering."""

    def __init__(self, *errors: BaseException) -> None:
        super().__init__()
        self.errors = list(errors)
        self.calls = 0

    async def acompletion(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        response = kwargs["model_response"]
        response.choices[0].message.content = "fine"
        return response


@pytest.fixture
def raising_provider() -> Any:
    handler = _Raising()
    entry: Any = {"provider": "raising", "custom_handler": handler}
    litellm.custom_provider_map.append(entry)
    yield handler
    litellm.custom_provider_map.remove(entry)


async def test_user_errors_raised_by_a_provider_are_not_retried(raising_provider: Any) -> None:
    from apigen.errors import ConfigError

    raising_provider.errors = [ConfigError("no such knob", field="sim.latency")]
    with pytest.raises(ConfigError, match=r"sim\.latency"):
        await LLMClient().complete("agent", "raising/x", USER)
    assert raising_provider.calls == 1


async def test_provider_errors_raised_by_a_provider_keep_their_structure(
    raising_provider: Any,
) -> None:
    from apigen.errors import ProviderError
    from apigen.llm import ModelsConfig

    injected = ProviderError("injected", kind="rate_limit", retryable=True, retry_after=0.01)
    raising_provider.errors = [injected]
    client = LLMClient(ModelsConfig.load(retry={"initial_wait_s": 0.001}))
    result = await client.complete("agent", "raising/x", USER)
    assert result.text == "fine" and result.attempts == 2
    raising_provider.errors = [ProviderError("down", kind="auth", retryable=False)]
    with pytest.raises(ProviderError) as caught:
        await client.complete("agent", "raising/x", USER)
    assert caught.value.kind == "auth" and raising_provider.calls == 3


async def test_real_providers_are_unreachable_in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The autouse guard refuses non-loopback hosts, so a real provider call fails fast."""
    import socket

    from apigen.errors import ProviderError
    from apigen.llm import ModelsConfig

    with pytest.raises(ConnectionRefusedError, match="network disabled"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-a-real-key")
    client = LLMClient(ModelsConfig.load(retry={"max_attempts": 1, "timeout_s": 10}))
    with pytest.raises(ProviderError) as caught:
        await client.complete("agent", "openai/gpt-4o-mini", USER)
    assert caught.value.retryable  # litellm reports it as a 500 or a connection error
    chain: list[str] = []
    link: BaseException | None = caught.value.__cause__
    while link is not None and len(chain) < 10:
        chain.append(type(link).__name__)
        link = link.__cause__ or link.__context__
    assert "NetworkBlockedError" in chain
