"""Phase 1 only and phase 2 only: presets of the one executor, on the local backend
(sim models, the toy domain): dedup, the funnel, files, determinism, provider errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from apigen.blueprints import AttemptSpec, format_funnel, validate_files
from apigen.errors import ConfigError
from apigen.llm.sim import parse_sim_model, planned_faults, resolve_knobs
from apigen.rollout import read_trajectories
from apigen.runner import collect, generate, run
from apigen.settings import Settings
from apigen.store import Store
from tests.blueprints.conftest import noisy
from tests.rollout._support import TOY_BLUEPRINTS

EXPECTED_STAGE = {
    "unknown_tool": "format",
    "bad_argument": "format",
    "malformed": "format",
    "policy_breach": "policy",
    "missing_fact": "grounding",
}


def settings(**values: Any) -> Settings:
    return Settings.model_validate({"domain": "toy", "backend": "local", **values})


def items(out: Path) -> dict[int, dict[str, Any]]:
    """Rejected items of a ``--out`` directory by index."""
    lines = (out / "rejected.jsonl").read_text().splitlines()
    return {(d := json.loads(x))["item_index"]: d for x in lines}


def test_duplicates_are_decided_by_index_not_timing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'd.db'}"
    summary = generate(settings(n=60, concurrency=8, database_url=db), progress=False)
    assert summary.status == "completed" and summary.funnel is not None
    assert summary.funnel["failed"]["dedup"]["count"] > 0  # 20 users: repeats are certain
    with Store.open(db) as store:
        stored = [store.read_item(summary.run_id, i) for i in range(60)]
        stats = store.stats(summary.run_id)
    # every duplicate is one rejection reason in stats (the owner is the second reason)
    dedup = next(g for g in stats.blueprint_rejections if g.stage == "dedup")
    assert [r.label for r in dedup.reasons] == ["same actions as an earlier item"]
    assert dedup.reasons[0].count == dedup.failed > 1
    owner: dict[str, int] = {}
    for item in stored:
        final = item.blueprints[-1]
        assert final.report is not None
        fp = final.fingerprint()
        if final.report.passed:
            assert fp not in owner  # one accepted blueprint per fingerprint
            owner[fp] = item.item_index
    for item in stored:
        final = item.blueprints[-1]
        failed = final.report.failed_stage if final.report else None
        if failed is not None and failed.stage == "dedup":
            earlier = int(failed.reasons[1].rsplit(" ", 1)[1])
            assert earlier == owner[final.fingerprint()] < item.item_index


def test_feedback_lifts_yield_and_failures_match_planned_faults(tmp_path: Path) -> None:
    model = noisy(0.15)
    funnels = {}
    for k in (0, 3):
        s = settings(n=40, seed=2, models={"generator": {"models": [model]}}, phase1={"rounds": k})
        summary = generate(s, out=tmp_path / f"k{k}", progress=False)
        funnels[k] = summary.funnel or {}
    # Every first-round failure is the fault the sim planned for that attempt, caught at
    # its stage (rejected items of the K=0 run are exactly the first-round failures).
    knobs = resolve_knobs(parse_sim_model(model)[1])
    caught = 0
    for index, item in items(tmp_path / "k0").items():
        spec = AttemptSpec(domain="toy", seed=2, index=index)
        plan = planned_faults("generator", knobs, spec.key, spec.derived_seed)
        final = item["blueprints"][-1] if item.get("blueprints") else None
        failed = final["report"]["stages"][-1] if final else {"stage": "format"}
        if failed["stage"] == "dedup":
            continue
        assert plan.kind is not None and failed["stage"] == EXPECTED_STAGE[plan.kind]
        caught += 1
    assert caught >= 10
    y0, y3 = funnels[0]["yield"], funnels[3]["yield"]
    assert y3 > y0 + 0.3, (y0, y3)
    assert set(funnels[3]["rounds"]) >= {"0", "1"}


def test_funnel_and_files_with_recombination(tmp_path: Path) -> None:
    s = settings(
        n=12,
        seed=3,
        models={"generator": {"models": ["sim/generator?policy_breach=1"]}},
        phase1={"recombine": True},
    )
    summary = generate(s, out=tmp_path, progress=False)
    funnel = summary.funnel
    assert funnel is not None and funnel["attempted"] == 12
    assert funnel["rounds"] == {"1": funnel["accepted"]}
    assert funnel["failures_repaired_or_not"]["policy"] >= 12
    assert funnel["usage"]["generator"]["calls"] >= 24
    assert funnel["recombined"]["attempted"] > 0
    text = "\n".join(format_funnel(funnel))
    assert f"accepted   {funnel['accepted']}  (yield " in text and "failed at policy" in text
    files = sorted(tmp_path.glob("*.yaml"))
    assert len(files) == funnel["accepted"] + funnel["recombined"]["accepted"]
    reports = validate_files([tmp_path])
    assert reports and all(r.passed for r in reports)
    rejected = items(tmp_path)
    assert len(rejected) == summary.items - len(files)
    recombined = [bp for bp in (f.read_text() for f in files) if "recombined_from" in bp]
    assert len(recombined) == funnel["recombined"]["accepted"]


def test_same_seed_same_blueprints(tmp_path: Path) -> None:
    roles = {
        "generator": {"models": [noisy(0.1)]},
        "reviewer": {"models": ["sim/reviewer?disagree=0.1"] * 3},
    }
    runs = {}
    for name, seed, concurrency in (("a", 5, 1), ("b", 5, 8), ("c", 6, 8)):
        generate(
            settings(n=10, seed=seed, concurrency=concurrency, models=roles),
            out=tmp_path / name,
            progress=False,
        )
        runs[name] = (
            sorted(p.name for p in (tmp_path / name).glob("*.yaml")),
            (tmp_path / name / "rejected.jsonl").read_text(),
        )
    assert runs["a"] == runs["b"]
    assert runs["a"] != runs["c"]


def test_provider_errors_are_recorded_not_raised(tmp_path: Path) -> None:
    s = settings(
        n=12,
        models={
            "generator": {"models": ["sim/generator?server_error=0.3"]},
            "retry": {"max_attempts": 1},
        },
    )
    summary = generate(s, out=tmp_path, progress=False)
    funnel = summary.funnel
    assert funnel is not None and funnel["errors"] == summary.failed > 0
    assert funnel["attempted"] == 12
    assert all(e.startswith("provider_error:server") for e in funnel["error_examples"])
    text = "\n".join(format_funnel(funnel))
    assert f"provider errors  {funnel['errors']}" in text
    failed = [d for d in items(tmp_path).values() if d["status"] == "failed"]
    assert len(failed) == funnel["errors"]
    assert all(d["error"].startswith("provider_error:") and d["usage"] for d in failed)


def test_collect_writes_jsonl_and_counts_per_item_usage(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    s = settings(rollout={"trials": 2, "verifiers": ["state", "outputs", "policy"]}, concurrency=2)
    summary = collect(s, TOY_BLUEPRINTS, out=out, progress=False)
    trajectories = list(read_trajectories(out))
    assert summary.episodes == len(trajectories) == 2 * len(TOY_BLUEPRINTS)
    assert summary.accepted_trajectories == sum(t.accepted for t in trajectories)
    numbers = summary.trajectories_summary()
    assert sum(numbers["top_rejection_reasons"].values()) == summary.episodes - numbers["accepted"]
    # usage per item comes from one client's usage scopes: it equals what the episodes booked
    booked = sum(u.total_tokens for t in trajectories for u in t.usage.values())
    assert summary.tokens == booked > 0


def test_collect_into_the_store_links_items_to_blueprints(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    s = settings(rollout={"trials": 1}, database_url=db)
    summary = collect(s, TOY_BLUEPRINTS[:2], source={"files": ["x"]}, progress=False)
    with Store.open(db) as store:
        info = store.get_run(summary.run_id)
        stored = [store.read_item(summary.run_id, i) for i in range(2)]
    assert info.config["command"] == "trajectories collect" and info.config["source"]
    assert [it.blueprints[0].id for it in stored] == [bp.id for bp in TOY_BLUEPRINTS[:2]]
    assert all({u.role for u in it.usage} >= {"human", "agent", "judge"} for it in stored)


def _stored(db: str, run_id: str) -> dict[int, tuple[str, ...]]:
    """Every written item (recombined ones too): its blueprints' fingerprints and verdicts."""
    with Store.open(db) as store:
        done = set(range(store.get_run(run_id).planned_items + 40)) - set(
            store.missing_items(run_id)
        )
        out = {}
        for i in sorted(done):
            try:
                item = store.read_item(run_id, i)
            except Exception:
                continue
            out[i] = tuple(
                f"{b.fingerprint()}:{b.report.passed if b.report else None}"
                for b in item.blueprints
            )
    return out


def test_generate_only_run_resumes_to_the_same_result(tmp_path: Path) -> None:
    fresh_db = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = generate(settings(n=24, seed=3, database_url=fresh_db), progress=False)
    db = f"sqlite:///{tmp_path / 'cut.db'}"
    first = generate(settings(n=24, seed=3, database_url=db), progress=False)
    lost = [2, 7, 8, 19]
    with Store.open(db) as store, store.engine.begin() as conn:  # a crash lost these items
        for table in ("blueprint_stages", "blueprints", "llm_usage", "items"):
            conn.exec_driver_sql(
                f"DELETE FROM {table} WHERE run_id = ? AND item_index IN (2, 7, 8, 19)"
                if table != "blueprint_stages"
                else "DELETE FROM blueprint_stages WHERE blueprint_id IN (SELECT id FROM "
                "blueprints WHERE run_id = ? AND item_index IN (2, 7, 8, 19))",
                (first.run_id,),
            )
    with Store.open(db) as store:
        assert store.missing_items(first.run_id) == lost
    resumed = generate(settings(database_url=db), resume=first.run_id, progress=False)
    assert resumed.status == "completed" and resumed.run_id == first.run_id
    assert resumed.done >= len(lost)
    assert _stored(db, first.run_id) == _stored(fresh_db, fresh.run_id)


def test_resume_refuses_a_run_of_another_command(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    with Store.open(db) as store:
        run_id = store.start_run({"command": "run"}, domain="toy").id
    try:
        generate(settings(database_url=db), resume=run_id, progress=False)
    except ConfigError as exc:
        assert "not started by `apigen blueprints generate`" in str(exc)
    else:
        raise AssertionError("resumed a run of another command")


def test_run_recombines_accepted_blueprints_and_plays_them(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    s = settings(n=24, seed=2, database_url=db, rollout={"trials": 1}, phase1={"recombine": True})
    summary = run(s, progress=False)
    assert summary.status == "completed" and summary.items > 24  # recombination items n + g
    with Store.open(db) as store:
        merged = [
            it
            for i in range(24, summary.items)
            if (it := store.read_item(summary.run_id, i)).blueprints
        ]
    assert merged and all("recombined_from" in it.blueprints[-1].context for it in merged)
    played = [it for it in merged if it.trajectories]
    assert played, "accepted merged tasks are role-played in the same run"
    assert all(it.blueprints[-1].report and it.blueprints[-1].report.passed for it in played)
