"""BFCL's multi-turn API classes as apigen domains (needs ``pip install --no-deps bfcl-eval
mpmath``; skipped cleanly without it)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("bfcl_eval", reason="bfcl-eval not installed (pip install --no-deps bfcl-eval)")

from apigen.adapters import (
    BfclDomain,
    bfcl_blueprints,
    bfcl_entries,
    import_blueprints,
)
from apigen.adapters._bfcl import fresh_instances, instance_state, observed_kinds
from apigen.blueprints import validate_files
from apigen.env import CONFORMANCE_CHECKS, Sandbox, get_domain, thaw
from apigen.errors import UserError
from apigen.types import ToolCall

BASE = "multi_turn_base"


def _state(box: Sandbox) -> dict[str, Any]:
    return {t: {k: thaw(v) for k, v in box.db[t].items()} for t in box.db.tables}


@pytest.mark.parametrize(
    ("category", "every"),
    [
        (BASE, 1),
        ("multi_turn_long_context", 10),
        ("multi_turn_miss_func", 10),
        ("multi_turn_miss_param", 10),
    ],
)
def test_every_ground_truth_entry_reaches_the_state_direct_calls_reach(
    category: str, every: int
) -> None:
    """The Done-when: each entry of the base category (every 10th of the others, for
    time), replayed through the adapter, ends in the state of the same methods called
    directly on fresh instances."""
    entries = {e["id"]: e for e in bfcl_entries(category)}
    imported = bfcl_blueprints(category)
    assert not imported.rejected
    assert len(imported.blueprints) == len(entries) == 200
    for bp in imported.blueprints[::every]:
        box = get_domain(bp.domain).load().sandbox()
        trace = box.replay(bp.actions)
        direct = fresh_instances(entries[bp.id])  # as BFCL's executor makes them
        for call in bp.actions:
            owner = next(i for i in direct.values() if hasattr(i, call.name))
            with contextlib.suppress(Exception):
                getattr(owner, call.name)(**call.arguments)
        assert _state(box) == instance_state(direct), bp.id
        assert all(e.ok for e in trace), (bp.id, [e.error for e in trace if e.error])


def test_an_entry_is_a_domain_with_its_classes_and_without_its_excluded_functions() -> None:
    entry = bfcl_entries(BASE)[0]
    domain = get_domain(f"bfcl:{entry['id']}")
    assert isinstance(domain, BfclDomain)
    names = set(domain.tool_map)
    assert {"cd", "mv", "post_tweet"} <= names
    assert not names & set(entry["excluded_function"])
    assert set(domain.load().database.tables) == set(entry["involved_classes"])


def test_kinds_are_observed_from_state_changes_not_names() -> None:
    kinds = observed_kinds(BASE)
    assert kinds["cd"] == "read"  # moves a private cursor only
    assert kinds["mkdir"] == kinds["post_tweet"] == kinds["book_flight"] == "write"
    assert kinds["displayCarStatus"] == kinds["get_stock_info"] == "read"


def test_each_sandbox_has_its_own_instances() -> None:
    env = get_domain(f"bfcl:{bfcl_entries(BASE)[0]['id']}").load()
    a, b = env.sandbox(), env.sandbox()
    assert a.call(ToolCall(name="cd", arguments={"folder": "document"})).ok
    made = a.call(ToolCall(name="mkdir", arguments={"dir_name": "temp"}))
    assert made.ok and made.changed
    assert b.call(ToolCall(name="ls", arguments={})).output == {
        "current_directory_content": ["document", "archive"]
    }
    again = b.call(ToolCall(name="mkdir", arguments={"dir_name": "temp"}))
    assert again.changed and a.state_hash() != b.state_hash()  # made in workspace, not document
    assert env.sandbox().diff() == {}


def test_an_error_result_is_a_tool_error_and_leaves_no_trace() -> None:
    env = get_domain(f"bfcl:{bfcl_entries(BASE)[0]['id']}").load()
    box = env.sandbox()
    gone = box.call(ToolCall(name="cd", arguments={"folder": "nowhere"}))
    assert gone.error is not None and "nowhere" in gone.error.message
    missing = box.call(ToolCall(name="mv", arguments={"source": "a"}))
    assert missing.error is not None and missing.error.kind == "invalid_arguments"
    assert box.diff() == {}


@pytest.mark.parametrize("check", sorted(CONFORMANCE_CHECKS))
def test_conformance_for_one_entry_per_class_set(check: str) -> None:
    """Every check; an entry has no planner (its blueprint is imported, phase 1
    composes), so ``sampled_tasks_replay`` has nothing planned to replay."""
    seen: set[tuple[str, ...]] = set()
    for entry in bfcl_entries(BASE):
        classes = tuple(sorted(entry["involved_classes"]))
        if classes not in seen:
            seen.add(classes)
            CONFORMANCE_CHECKS[check](get_domain(f"bfcl:{entry['id']}"))
    assert len(seen) > 5


def test_imported_blueprints_replay_and_most_validate(tmp_path: Path) -> None:
    imported = import_blueprints("bfcl", BASE, out=tmp_path)
    reports = validate_files([tmp_path])
    failed = [r for r in reports if not r.passed]
    assert len(reports) == 200
    reasons = {(r.failure.stage if r.failure else "?") for r in failed}
    # BFCL's ground truth repeats idempotent writes (a second login) and has read-only
    # turns: apigen's own execution and format rules reject those, nothing else
    assert reasons <= {"execution", "format"}
    for r in failed:
        assert r.failure is not None
        assert all(
            "write changed nothing" in reason or "no write action" in reason
            for reason in r.failure.reasons
        ), r.failure.reasons
    assert len(imported.blueprints) - len(failed) >= 160


def test_unknown_entries_and_categories_are_user_errors() -> None:
    with pytest.raises(UserError, match="no BFCL entry"):
        get_domain("bfcl:multi_turn_base_99999")
    with pytest.raises(UserError, match="no BFCL category"):
        bfcl_blueprints("no_such_category")
    with pytest.raises(UserError, match="'simple_python' is not multi-turn"):
        bfcl_blueprints("simple_python")


def test_a_scratch_sandbox_over_an_episode_continues_from_its_objects() -> None:
    env = get_domain(f"bfcl:{bfcl_entries(BASE)[0]['id']}").load()
    episode = env.sandbox()
    assert episode.call(ToolCall(name="cd", arguments={"folder": "document"})).ok
    scratch = Sandbox.over(env.domain, episode.db)
    listed = scratch.call(ToolCall(name="ls", arguments={})).output
    assert listed == {"current_directory_content": ["final_report.pdf", "previous_report.pdf"]}
    assert scratch.call(ToolCall(name="cd", arguments={"folder": ".."})).ok
    again = episode.call(ToolCall(name="ls", arguments={})).output
    assert again == listed  # the episode's own cursor did not move
