"""Model configuration per role: defaults, environment layering, clear errors."""

from __future__ import annotations

import pytest

from apigen.errors import ConfigError
from apigen.llm import ROLES, EndpointSettings, ModelsConfig, SamplingParams


def test_defaults_are_offline_sim_models() -> None:
    config = ModelsConfig.load()
    for role in ROLES:
        assert all(m.startswith("sim/") for m in config.role(role).models)
    assert config.reviewer.models == ("sim/reviewer",) * 3
    assert config.cache.backend == "none"


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APIGEN_AGENT__MODELS", '["openai/gpt-4o", "openai/gpt-4o-mini"]')
    monkeypatch.setenv("APIGEN_AGENT__PARAMS__TEMPERATURE", "0.2")
    monkeypatch.setenv("APIGEN_RETRY__MAX_ATTEMPTS", "2")
    monkeypatch.setenv("APIGEN_DATABASE_URL", "sqlite://")  # another package's setting
    config = ModelsConfig.load()
    assert config.agent.models == ("openai/gpt-4o", "openai/gpt-4o-mini")
    assert config.agent.params.temperature == 0.2
    assert config.retry.max_attempts == 2
    assert ModelsConfig.load(retry={"max_attempts": 5}).retry.max_attempts == 5


def test_bad_values_name_the_field() -> None:
    with pytest.raises(ConfigError, match=r"retry\.max_attempts"):
        ModelsConfig.load(retry={"max_attempts": 0})
    with pytest.raises(ConfigError, match=r"agent\.models"):
        ModelsConfig.load(agent={"models": []})
    with pytest.raises(ConfigError, match="unknown role 'critic'"):
        ModelsConfig.load().role("critic")


def test_endpoint_lookup_exact_then_bare_then_glob() -> None:
    exact = EndpointSettings(rpm=1)
    glob = EndpointSettings(rpm=2)
    config = ModelsConfig.load(endpoints={"openai/gpt-4o": exact, "openai/*": glob})
    assert config.endpoint("openai/gpt-4o") is exact
    assert config.endpoint("openai/gpt-4o?x=1") is exact
    assert config.endpoint("openai/o3") is glob
    assert config.endpoint("anthropic/claude").rpm is None


def test_sampling_params_as_kwargs() -> None:
    params = SamplingParams(
        temperature=0.0, seed=3, stop=("END",), extra={"reasoning_effort": "low"}
    )
    assert params.as_kwargs() == {
        "temperature": 0.0,
        "seed": 3,
        "stop": ["END"],
        "reasoning_effort": "low",
    }
