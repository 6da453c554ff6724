"""`trajectories collect` validates each blueprint offline first; rejected ones are
recorded with their report and never played."""

from __future__ import annotations

from pathlib import Path

from apigen.blueprints import load_blueprint
from apigen.runner import collect
from apigen.settings import load_settings
from apigen.store import Store
from apigen.types import ToolCall

ROOT = Path(__file__).resolve().parents[2]


def test_rejected_blueprints_are_recorded_and_never_played(tmp_path: Path) -> None:
    good = load_blueprint(ROOT / "blueprints" / "retail" / "cancel_by_email.yaml")
    # issue 15: an unknown tool and no write produced an accepted "That's all" trajectory
    unknown = good.model_copy(
        update={"id": "bad-unknown", "actions": (ToolCall(name="teleport", arguments={}),)}
    )
    failing = good.model_copy(
        update={
            "id": "bad-exec",
            "actions": (
                ToolCall(
                    name="cancel_pending_order",
                    arguments={"order_id": "#nope", "reason": "no longer needed"},
                ),
            ),
        }
    )
    url = f"sqlite:///{tmp_path / 'c.db'}"
    cfg = load_settings(flags={"database_url": url, "rollout": {"trials": 1}}, env={})
    summary = collect(cfg, [unknown, good, failing], progress=False)
    assert summary.status == "completed" and summary.done == 3 and summary.failed == 0
    with Store.open(url) as store:
        items = [store.read_item(summary.run_id, i) for i in range(3)]
    for i, stage in ((0, "format"), (2, "execution")):
        assert items[i].trajectories == ()  # never played
        report = items[i].blueprints[0].report
        assert report is not None and report.failed_stage is not None
        assert report.failed_stage.stage == stage, report
    assert len(items[1].trajectories) == 1  # the valid one is played
    assert summary.rejections.get("blueprint:format") == 1
    assert summary.rejections.get("blueprint:execution") == 1
    assert summary.episodes == 1
    numbers = summary.trajectories_summary()
    assert numbers["blueprints_rejected"] == {"format": 1, "execution": 1}
