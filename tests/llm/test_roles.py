"""Adding a role is one module plus its registration (tests/support/triage_role.py): the
settings tree, the environment, the starter file, the client and usage accounting, and
the run-wide limiter's model list all know it at once."""

from __future__ import annotations

import pytest

from apigen.errors import ConfigError
from apigen.llm import LLMClient, register_role, role_names
from apigen.settings import load_settings, starter_config
from apigen.types import Message
from tests.support.triage_role import TRIAGE


def test_a_registered_role_is_configured_like_the_built_in_ones() -> None:
    assert "triage" in role_names()
    defaults = load_settings(env={})
    assert defaults.models.members("triage") == TRIAGE.models
    env = {"APIGEN_MODELS__TRIAGE__MODELS": '["sim/echo?latency=0"]'}
    settings = load_settings(env=env, flags={"models": {"triage": {"fallbacks": ["sim/echo"]}}})
    assert settings.models.members("triage") == ("sim/echo?latency=0",)
    assert {"sim/echo?latency=0", "sim/echo"} <= set(settings.models.all_models())
    assert "  triage:\n    models: [sim/echo]" in starter_config()
    assert "Sorts incoming tasks" in starter_config()


async def test_a_registered_role_calls_its_models_and_is_accounted() -> None:
    settings = load_settings(env={}, flags={"models": {"triage": {"models": ["sim/echo"]}}})
    client = LLMClient(settings.models)
    with client.usage_scope() as scope:
        answer = await client.complete("triage", None, [Message(role="user", content="sort me")])
    assert answer.role == "triage" and answer.model == "sim/echo"
    assert scope.snapshot()[("triage", "sim/echo")].calls == 1
    assert client.usage()["triage"].calls == 1


def test_registering_is_checked() -> None:
    assert register_role("triage", models=TRIAGE.models, doc=TRIAGE.doc) == TRIAGE  # idempotent
    with pytest.raises(ValueError, match="already registered"):
        register_role("triage", models=("sim/judge",), doc="other")
    with pytest.raises(ValueError, match="lower-case identifiers"):
        register_role("Bad-Name", models=("sim/echo",), doc="x")
    with pytest.raises(ConfigError, match="unknown role 'critic'"):
        load_settings(env={}, flags={"models": {"critic": {"models": ["x"]}}})
