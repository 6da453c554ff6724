"""The one settings tree: layering, the environment convention, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from apigen.errors import ConfigError
from apigen.settings import Settings, load_settings, starter_config


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "apigen.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "n": 3,
            "workers": 1,
            "rollout": {"trials": 2, "max_turns": 9},
            "models": {"agent": {"models": ["openai/gpt-4o"]}, "retry": {"max_attempts": 2}},
        },
    )
    env = {
        "APIGEN_WORKERS": "4",
        "APIGEN_ROLLOUT__TRIALS": "5",
        "APIGEN_MODELS__JUDGE__MODELS": '["openai/j1", "openai/j2"]',
        "APIGEN_MODELS__AGENT__PARAMS__TEMPERATURE": "0.2",
        "APIGEN_DATABASE_URL": "sqlite:///x.db",
        "APIGEN_TEST_POSTGRES_URL": "not a setting",  # other APIGEN_ variables are ignored
        "RAY_ADDRESS": "head:6379",
    }
    settings = load_settings(path, env=env, flags={"rollout": {"trials": 7}, "n": None})
    assert settings.n == 3 and settings.workers == 4
    assert settings.rollout.trials == 7 and settings.rollout.max_turns == 9
    assert settings.models.members("agent") == ("openai/gpt-4o",)
    assert settings.models.role("agent").params.temperature == 0.2
    assert settings.models.members("judge") == ("openai/j1", "openai/j2")
    assert settings.models.retry.max_attempts == 2
    assert settings.database_url == "sqlite:///x.db" and settings.ray_address == "head:6379"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"phase1": {"generator": "openai/gpt-4o"}},
            "phase1.generator: removed; set models.generator.models",
        ),
        ({"phase1": {"reviewers": ["a"]}}, "phase1.reviewers: removed; set models.reviewer.models"),
        ({"rollout": {"judges": ["a"]}}, "rollout.judges: removed; set models.judge.models"),
        (
            {"rollout": {"agent_model": "a"}},
            "rollout.agent_model: removed; set models.agent.models",
        ),
        ({"rollout": {"concurrency": 2}}, "rollout.concurrency: removed; set concurrency"),
        ({"rollout": {"trails": 2}}, "rollout.trails: unknown setting"),
        ({"workers": 0}, "workers: Input should be greater than or equal to 1"),
        ({"models": {"critic": {"models": ["x"]}}}, "models: unknown role 'critic'"),
    ],
)
def test_mistakes_are_one_line_naming_the_field(
    tmp_path: Path, data: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, data), env={})
    text = str(caught.value)
    assert text.startswith(message) and "\n" not in text


@pytest.mark.parametrize(
    ("key", "now"),
    [
        ("APIGEN_AGENT__MODELS", "APIGEN_MODELS__AGENT__MODELS"),
        ("APIGEN_RETRY__MAX_ATTEMPTS", "APIGEN_MODELS__RETRY__MAX_ATTEMPTS"),
        ("APIGEN_ROLLOUT_TRIALS", "APIGEN_ROLLOUT__TRIALS"),
    ],
)
def test_old_environment_names_say_the_new_one(key: str, now: str) -> None:
    with pytest.raises(ConfigError, match=f"^{key}: .*{now}$"):
        load_settings(env={key: "1"})


def test_bad_files_are_config_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("models: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid YAML at line"):
        load_settings(bad, env={})
    with pytest.raises(ConfigError, match=r"missing\.yaml: cannot read"):
        load_settings(tmp_path / "missing.yaml", env={})


def test_starter_config_is_the_defaults_and_documents_env_names() -> None:
    text = starter_config()
    assert "APIGEN_MODELS__AGENT__MODELS" in text and "APIGEN_ROLLOUT__TRIALS" in text
    assert Settings.model_validate(yaml.safe_load(text)) == Settings()


def test_sim_notice_names_the_sim_roles_only_when_mixed() -> None:
    real = {"models": {"agent": {"models": ["openai/gpt-4o"]}}}
    mixed = load_settings(env={}, flags=real)
    assert mixed.sim_notice("trajectories") == (
        "note: roles human, judge are played by offline sim/… models "
        "(scripted; their output says nothing about a real model)"
    )
    assert mixed.sim_notice("blueprints") is None  # every phase-1 role is sim
    assert Settings().sim_notice("both") is None
