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
    assert result.text == "echo: hi" and result.cost_usd is None
    assert client.usage_by_model()["sim/echo?latency=0.1"].calls == 1


async def test_role_default_model_is_used() -> None:
    client = LLMClient()
    result = await client.complete("agent", None, USER)
    assert result.model == "sim/agent"


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
    assert done.stdout.split("\n")[:4] == ["echo: x", "None", "True PRODUCTION", "True"]
    # control: a bare litellm import in the same place does read the file
    bare = _run(
        "import os, litellm; print(os.environ.get('APIGEN_DOTENV_CANARY'))",
        tmp_path,
        LITELLM_LOCAL_MODEL_COST_MAP="True",
    )
    assert bare.stdout.strip() == "leaked"
