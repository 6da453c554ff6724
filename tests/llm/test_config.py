"""Model configuration per role: defaults, environment layering, clear errors."""

from __future__ import annotations

import pytest

from apigen.errors import ConfigError
from apigen.llm import EndpointSettings, ModelsConfig, SamplingParams, role_names


def test_defaults_are_offline_sim_models() -> None:
    config = ModelsConfig.load()
    for role in role_names():
        assert all(m.startswith("sim/") for m in config.role(role).models)
    assert config.members("reviewer") == ("sim/reviewer",) * 3
    assert config.cache.backend == "none"


def test_roles_are_keys_of_the_section_and_dump_round_trips() -> None:
    config = ModelsConfig.load(agent={"models": ["openai/gpt-4o"], "fallbacks": ["openai/o3"]})
    assert config.role("agent").models == ("openai/gpt-4o",)
    data = config.model_dump(mode="json")
    assert data["agent"]["fallbacks"] == ["openai/o3"] and data["judge"]["models"]
    assert ModelsConfig.model_validate(data) == config


def test_every_model_a_run_may_call_includes_fallbacks() -> None:
    config = ModelsConfig.load(
        agent={"models": ["openai/a"], "fallbacks": ["openai/backup"]},
        judge={"models": ["openai/j1", "openai/j2"]},
    )
    assert {"openai/a", "openai/backup", "openai/j1", "openai/j2"} <= set(config.all_models())
    assert "sim/generator" in config.all_models()
    assert config.sim_roles(["agent", "human", "judge"]) == ["human"]


def test_bad_values_name_the_field() -> None:
    with pytest.raises(ConfigError, match=r"retry\.max_attempts"):
        ModelsConfig.load(retry={"max_attempts": 0})
    with pytest.raises(ConfigError, match=r"agent\.models"):
        ModelsConfig.load(agent={"models": []})
    with pytest.raises(ConfigError, match="unknown role 'critic'"):
        ModelsConfig.load().role("critic")
    with pytest.raises(ConfigError, match="unknown role 'critic'"):
        ModelsConfig.load(critic={"models": ["x"]})


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
