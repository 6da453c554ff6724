"""What a run can check is checked before a run row is written or Ray is started."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import ray

from apigen.errors import ConfigError, UserError
from apigen.runner import collect, generate, run
from apigen.settings import load_settings
from apigen.store import Store
from tests.blueprints.test_files import good_blueprint


def _no_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("Ray was started")

    monkeypatch.setattr(ray, "init", refuse)
    monkeypatch.setattr(ray, "is_initialized", lambda: False)


def _settings(tmp_path: Path, **flags: Any) -> Any:
    base = {"database_url": f"sqlite:///{tmp_path / 'p.db'}", "n": 4, "backend": "ray"}
    return load_settings(flags={**base, **flags}, env={})


CASES = {
    # issue 15: an unknown sim role crashed the driver after 25 s
    "unknown-sim-role": ({"models": {"agent": {"models": ["sim/nonexistent"]}}}, "nonexistent"),
    # issue 15: an unknown sim knob / error_rate=5 failed every item and exited 0
    "unknown-sim-knob": ({"models": {"human": {"models": ["sim/human?bogus=1"]}}}, "bogus"),
    "bad-knob-value": ({"models": {"agent": {"models": ["sim/agent?error_rate=5"]}}}, "error_rate"),
    "bad-fallback": (
        {"models": {"judge": {"models": ["sim/judge"], "fallbacks": ["sim/judge?x=1"]}}},
        "sim/judge?x=1",
    ),
    "model-without-provider": (
        {"models": {"agent": {"models": ["claude-3-5-sonnet-latest"]}}},
        "no provider",
    ),
    "missing-templates-dir": ({"phase1": {"templates_dir": "/no/such/dir"}}, "templates_dir"),
    "unknown-domain": ({"domain": "atlantis"}, "atlantis"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_run_fails_before_ray_and_before_a_run_row(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flags, says = CASES[name]
    cfg = _settings(tmp_path, **flags)
    _no_ray(monkeypatch)
    with pytest.raises(UserError) as caught:
        run(cfg, progress=False)
    assert says in str(caught.value)
    with Store.open(cfg.database_url) as store:
        assert store.runs() == []


def test_routable_model_names_pass() -> None:
    from apigen.llm import check_model

    for name in ("openai/gpt-4o", "hosted_vllm/Qwen/Qwen3-8B", "ollama/llama3", "sim/agent"):
        check_model(name)


def test_template_syntax_error_fails_before_generate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "generator.j2").write_text("{% for x in %}", encoding="utf-8")
    cfg = _settings(tmp_path, phase1={"templates_dir": str(tpl)})
    _no_ray(monkeypatch)
    with pytest.raises(ConfigError, match="templates_dir"):
        generate(cfg, progress=False)
    with Store.open(cfg.database_url) as store:
        assert store.runs() == []


def test_collect_checks_models_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _settings(tmp_path, models={"agent": {"models": ["sim/agent?latency=-1"]}})
    _no_ray(monkeypatch)
    with pytest.raises(ConfigError, match="latency"):
        collect(cfg, [good_blueprint()], progress=False)
