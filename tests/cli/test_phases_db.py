"""The phase commands on a real database: generate -> collect --from-db -> show.

Sim models and the toy domain; SQLite always, PostgreSQL too when
``APIGEN_TEST_POSTGRES_URL`` is set (the ``db_url`` fixture of the store tests).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from apigen.blueprints import DEFAULT_STAGES as STAGES
from apigen.blueprints import blueprint_key
from apigen.cli import app
from apigen.errors import ConfigError
from apigen.store import Store, run_query

NOISY = "sim/generator?policy_breach=0.5&server_error=0.3"
BREACH = "sim/generator?policy_breach=0.5"


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def generate(db: str, *extra: str) -> dict[str, Any]:
    out = invoke("blueprints", "generate", "--domain", "toy", "--db", db, "--json", *extra)
    return json.loads(out.stdout)


def collect(db: str, *extra: str) -> dict[str, Any]:
    out = invoke("trajectories", "collect", "--from-db", "--db", db, "--json", *extra)
    return json.loads(out.stdout)


def test_generate_stores_every_attempt_and_the_funnel_matches(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APIGEN_RETRY__MAX_ATTEMPTS", "1")  # server errors end attempts at once
    funnel = generate(db_url, "-n", "20", "--generator", NOISY, "--rounds", "1")
    run_id = funnel["run_id"]
    with Store.open(db_url) as store:
        info = store.get_run(run_id)
        items = [store.read_item(run_id, i) for i in range(20)]
        drafts = {s.step: s for s in store.stats(run_id).funnel}["blueprint drafts"]
    assert funnel["attempted"] == 20 and funnel["errors"] > 0
    assert info.status == "completed" and info.planned_items == 20
    assert info.items_failed == funnel["errors"] and info.items_done == 20 - funnel["errors"]
    assert info.config["command"] == "blueprints generate"
    assert info.config["phase1"]["rounds"] == 1 and info.config["phase1"]["generator"] == NOISY

    failed = [it for it in items if it.status == "failed"]
    assert all(it.error and it.error.startswith("provider_error:") for it in failed)
    assert not any(it.blueprints for it in failed)

    done = [it for it in items if it.status == "done"]
    finals = [it.blueprints[-1].report for it in done]
    assert all(r is not None for r in finals)
    for stage in STAGES:
        at = [r for r in finals if r and r.failed_stage and r.failed_stage.stage == stage]
        assert len(at) == funnel["failed"][stage]["count"], stage
    accepted = [it.blueprints[-1] for it, r in zip(done, finals, strict=True) if r and r.passed]
    assert len(accepted) == funnel["accepted"] == drafts.passed
    assert all(bp.id == blueprint_key(bp) for bp in accepted)
    # every round's blueprint, with its own report
    assert drafts.entered - drafts.passed == sum(funnel["failures_repaired_or_not"].values())
    repaired = [it for it in done if len(it.blueprints) == 2]
    assert repaired and all(
        it.blueprints[0].report and it.blueprints[0].report.failed_stage for it in repaired
    )
    # usage per role and model
    models = {(u.role, u.model) for it in items for u in it.usage}
    assert ("generator", NOISY) in models and ("reviewer", "sim/reviewer") in models
    calls = sum(u.usage.calls for it in done for u in it.usage if u.role == "generator")
    assert calls == funnel["usage"]["generator"]["calls"]
    assert all(u.usage.errors for it in failed for u in it.usage if u.role == "generator")


def test_repeats_found_after_the_batch_are_rewritten_as_duplicates(tmp_path: Any) -> None:
    db = f"sqlite:///{tmp_path}/d.db"
    funnel = generate(db, "-n", "20", "--generator", BREACH, "--rounds", "1")
    assert funnel["failed"]["dedup"]["count"] == 2  # toy: 20 attempts repeat two tasks
    rows = run_query(
        "SELECT b.item_index, b.key, d.item_index FROM blueprints b "
        "JOIN blueprints d ON d.id = b.duplicate_of WHERE b.failed_stage = 'dedup'",
        db,
    ).rows
    assert len(rows) == 2
    for index, key, original in rows:
        assert key is None and original < index
    with Store.open(db) as store:
        assert len(store.accepted_blueprints(funnel["run_id"])) == funnel["accepted"] == 18


def test_generate_text_output_names_the_run_and_the_next_command(tmp_path: Any) -> None:
    db = str(tmp_path / "a.db")
    out = invoke("blueprints", "generate", "--domain", "toy", "-n", "3", "--db", db).stdout
    assert "attempted  3" in out and "accepted   3" in out
    with Store.open(db) as store:
        (run,) = store.runs()
    assert f"run {run.id} stored in sqlite:///{db}" in out
    assert f"next: apigen trajectories collect --from-db --run {run.id} --db '{db}'" in out


def test_collect_from_db_stores_trajectories_linked_to_the_blueprints(db_url: str) -> None:
    run1 = generate(db_url, "-n", "6")["run_id"]
    summary = collect(db_url, "--run", run1, "--trials", "2")
    run2 = summary["run_id"]
    with Store.open(db_url) as store:
        source = store.accepted_blueprints(run1)
        info = store.get_run(run2)
        items = [store.read_item(run2, i) for i in range(info.planned_items)]
    assert len(source) == 6 and info.planned_items == summary["blueprints"] == 6
    assert info.status == "completed" and info.items_done == 6
    assert info.config["command"] == "trajectories collect"
    assert info.config["source"]["run"] == run1 and info.config["rollout"]["trials"] == 2
    assert [it.blueprints for it in items] == [(bp,) for bp in source]
    for it in items:
        assert [t.trial for t in it.trajectories] == [0, 1]
        assert {t.blueprint_id for t in it.trajectories} == {it.blueprints[0].id}
        assert {u.role for u in it.usage} >= {"human", "agent"}
        assert all(u.model for u in it.usage)
    accepted = sum(t.accepted for it in items for t in it.trajectories)
    assert accepted == summary["accepted"] == info.accepted and info.trajectories == 12
    linked = run_query(
        "SELECT t.blueprint_key, b.key, b.fingerprint FROM trajectories t "
        f"JOIN blueprints b ON b.id = t.blueprint_id WHERE t.run_id = '{run2}'",
        db_url,
    ).rows
    assert len(linked) == 12 and all(key == b_key for key, b_key, _ in linked)
    assert {fp for *_, fp in linked} == {bp.fingerprint() for bp in source}


def test_collect_from_every_run_takes_each_fingerprint_once(db_url: str) -> None:
    first = generate(db_url, "-n", "5", "--seed", "3")["run_id"]
    generate(db_url, "-n", "5", "--seed", "3")  # the same tasks again
    other = generate(db_url, "-n", "5", "--seed", "4")["run_id"]
    with Store.open(db_url) as store:
        every = store.accepted_blueprints()
        mine, theirs = store.accepted_blueprints(first), store.accepted_blueprints(other)
    fingerprints = [bp.fingerprint() for bp in every]
    assert len(fingerprints) == len(set(fingerprints))
    assert set(fingerprints) == {bp.fingerprint() for bp in (*mine, *theirs)}
    assert every[: len(mine)] == mine  # oldest run first
    summary = collect(db_url, "-n", "3", "--trials", "1")
    with Store.open(db_url) as store:
        stored = [store.read_item(summary["run_id"], i).blueprints[0] for i in range(3)]
    assert summary["blueprints"] == 3 and stored == every[:3]


def test_show_finds_a_trajectory_by_prefix_in_the_db(db_url: str) -> None:
    run1 = generate(db_url, "-n", "2")["run_id"]
    run2 = collect(db_url, "--run", run1, "--trials", "1")["run_id"]
    with Store.open(db_url) as store:
        traj = store.get_trajectory(f"{run2}:1:")
        assert traj.id == f"{run2}:1:t0"
        with pytest.raises(ConfigError, match=r"matches 2 trajectories .*:0:t0, .*:1:t0"):
            store.get_trajectory(run2)
        with pytest.raises(ConfigError, match="no trajectory '%'"):
            store.get_trajectory("%")  # LIKE wildcards are literal
    text = invoke("show", f"{run2}:1:", "--db", db_url).stdout
    assert f"trajectory {run2}:1:t0" in text
    assert "HUMAN" in text and "AGENT" in text and "verdicts" in text
