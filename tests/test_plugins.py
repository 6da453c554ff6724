"""A stage, a verifier and an exporter added from the test suite, run end to end.

Each plug-in is one module under tests/support/plugins/. The stage and the verifier
register on import; the exporter is found through the ``apigen.exporters``
entry-point group of a distribution installed on ``sys.path`` for the test, next
to two broken entry points that are reported and skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from apigen.blueprints import DEFAULT_STAGES, Phase1Config, generate_blueprints, write_run
from apigen.env import load_environment
from apigen.errors import ConfigError, UnknownNameError
from apigen.export import exporter_names, exporter_problems, get_exporter
from apigen.export._base import _EXPORTERS
from apigen.llm import LLMClient
from apigen.rollout import DEFAULT_VERIFIERS, RolloutConfig, collect
from apigen.store import Store
from tests.rollout._support import TOY_BLUEPRINTS
from tests.support.cli import apigen
from tests.support.plugins import stage as stage_plugin
from tests.support.plugins import verifier as verifier_plugin

STAGES = (*DEFAULT_STAGES[:3], "deposit_cap", *DEFAULT_STAGES[3:])


async def test_a_plugin_stage_rejects_blueprints_and_the_rejection_is_stored(
    tmp_path: Path,
) -> None:
    config = Phase1Config(stages=STAGES, rounds=0)
    run = await generate_blueprints(load_environment("toy"), 6, client=LLMClient(), config=config)
    capped = [r for r in run.results if r.failed_stage == "deposit_cap"]
    assert capped, "some sampled deposit is over the cap"
    for r in capped:
        assert all("over the cap of 250" in why for why in r.report.stages[-1].reasons)
        assert [s.stage for s in r.report.stages] == [
            "format",
            "execution",
            "policy",
            "deposit_cap",
        ]
    for r in run.results:
        if r.accepted:
            assert [s.stage for s in r.report.stages] == list(STAGES)
    assert run.funnel()["failed"]["deposit_cap"]["count"] == len(capped)

    write_run(run, tmp_path / "out")
    lines = (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()
    assert sum(json.loads(x)["failed_stage"] == "deposit_cap" for x in lines) == len(capped)

    with Store.open(f"sqlite:///{tmp_path}/p1.db") as store:
        store.start_run({}, domain="toy", run_id="p1", planned_items=len(run.results))
        for r in run.results:
            store.write_item("p1", r.spec.index, blueprints=r.drafts())
        stats = store.stats("p1")
    rejected = {s.stage: s.failed for s in stats.blueprint_rejections}
    assert rejected["deposit_cap"] == len(capped)
    steps = [f.step for f in stats.funnel if f.step.startswith("stage: ")]
    assert (
        steps.index("stage: policy")
        < steps.index("stage: deposit_cap")
        < steps.index("stage: review")
    )
    assert stage_plugin.CAP == 250


async def test_a_plugin_verifier_rejects_episodes_and_the_verdict_is_stored(
    tmp_path: Path,
) -> None:
    config = RolloutConfig(verifiers=(*DEFAULT_VERIFIERS, "deposit_limit"), trials=1)
    result = await collect(TOY_BLUEPRINTS, client=LLMClient(), config=config)
    by_blueprint = {r.blueprint_id: r.trajectories[0] for r in result.results}
    over = by_blueprint["toy-deposit"]  # deposits 100
    assert not over.accepted
    verdict = next(v for v in over.verdicts if v.verifier == "deposit_limit")
    assert verdict.reasons == (f"the agent deposited 100 (limit {verifier_plugin.LIMIT})",)
    assert all(v.passed for v in over.verdicts if v.verifier != "deposit_limit")
    assert by_blueprint["toy-close"].accepted
    assert by_blueprint["toy-close"].verdicts[-1].verifier == "deposit_limit"

    with Store.open(f"sqlite:///{tmp_path}/p2.db") as store:
        store.start_run({}, domain="toy", run_id="p2", planned_items=len(result.results))
        for i, r in enumerate(result.results):
            store.write_item("p2", i, trajectories=list(r.trajectories))
        stored = store.get_trajectory("p2:0:t0")  # item 0 is toy-deposit
        stats = store.stats("p2")
    assert stored.blueprint_id == "toy-deposit" and not stored.accepted
    assert stored.verdicts[-1] == verdict
    assert {s.stage for s in stats.verdict_rejections} == {"deposit_limit"}


def _install(site: Path, entry_points: str) -> None:
    """A minimal installed distribution (``.dist-info`` with entry points) on ``site``."""
    info = site / "apigen_test_plugins-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: apigen-test-plugins\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(entry_points)


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _install(
        tmp_path / "site",
        "[apigen.exporters]\n"
        "plain-text = tests.support.plugins.exporter:PlainText\n"
        "missing = tests.support.plugins.no_such_module:Exporter\n"
        "not-one = tests.support.plugins.exporter:not_an_exporter\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    _EXPORTERS.rescan()
    yield
    _EXPORTERS.unregister("plain-text")
    _EXPORTERS.rescan()


@pytest.mark.usefixtures("installed")
def test_an_exporter_plugin_is_found_by_entry_point_and_writes_through_apigen_export(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.store.conversations import trajectory

    with caplog.at_level(logging.WARNING, logger="apigen"):
        assert "plain-text" in exporter_names()
    problems = exporter_problems()
    assert len(problems) == 2 and all("skipped" in p for p in problems)
    assert any("'missing'" in p and "No module named" in p for p in problems)
    assert any("'not-one'" in p and "not an apigen Exporter" in p for p in problems)
    assert len([r for r in caplog.records if "skipped" in r.getMessage()]) == 2
    assert get_exporter("plain-text").__name__ == "PlainText"
    with pytest.raises(UnknownNameError, match="plain-text"):
        get_exporter("missing")

    db = f"sqlite:///{tmp_path}/e.db"
    with Store.open(db) as store:
        store.start_run({}, domain="toy", run_id="e1", planned_items=1)
        store.write_item("e1", 0, trajectories=[trajectory()])
    out = tmp_path / "plain.jsonl"
    code, said, err = apigen(
        capsys, "export", "--db", db, "--format", "plain-text", "--out", str(out)
    )
    assert code == 0, err
    assert "wrote 1 records" in said
    record = json.loads(out.read_text())
    assert record["id"] == "e1:0:t0"
    assert "USER: Hi, I am user1@example.com." in record["text"]
    assert "ASSISTANT CALLS" in record["text"]


def test_unknown_stage_or_verifier_is_a_one_line_error_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError) as stage_error:
        Phase1Config.load(stages=("format", "nope"))
    assert "unknown stage 'nope'" in str(stage_error.value)
    assert "deposit_cap" in str(stage_error.value) and "review" in str(stage_error.value)
    assert "\n" not in str(stage_error.value)
    with pytest.raises(ConfigError) as verifier_error:
        RolloutConfig.load(verifiers=("state", "nope"))
    assert "unknown verifier 'nope'" in str(verifier_error.value)
    assert "committee, deposit_limit, outputs, policy, state" in str(verifier_error.value)
