"""The kit for your own world: ``apigen envs new`` scaffolds a package that passes
``apigen envs check`` as generated; ``envs check`` names what is wrong with careless
domains; a broken plug-in is one line and skipped, the others still list and run.

Packages are scaffolded into ``tmp_path`` and registered by entry point
(:mod:`tests.env.kit`). Smoke plays use the ``sim/…`` players: what passes here
describes the sim, not a model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from apigen.blueprints import check_curated
from apigen.blueprints._attempt import _examples
from apigen.env import CONFORMANCE_CHECKS, domain_problems, get_domain, scaffold_domain
from apigen.errors import ConfigError
from tests.env.kit import clear_registry, installed, scaffolded
from tests.support.cli import apigen

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_the_scaffold_passes_conformance_and_envs_check_as_generated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with scaffolded(monkeypatch, tmp_path, "library") as root:
        code, out, err = apigen(capsys, "envs", "list")
        assert code == 0, err
        assert "library" in out and "retail" in out and "airline" in out
        domain = get_domain("library")
        assert type(domain).__module__ == "library"
        for check in CONFORMANCE_CHECKS.values():
            check(domain)
        (curated,) = check_curated("library")
        assert curated.passed and curated.path.startswith(str(root / "library" / "blueprints"))
        _examples.cache_clear()
        assert [bp.id for bp in _examples(None, "library")] == ["library-renew-1"]  # few-shots
        args = ("envs", "check", "library", "--tasks", "3", "--trials", "1", "--json")
        code, out, err = apigen(capsys, *args)
        report = json.loads(out)
    assert code == 0, out + err
    assert report["passed"] and report["errors"] == [] and report["warnings"] == []
    assert set(report["conformance"].values()) == {"ok"}
    numbers = report["numbers"]
    assert numbers["graph_edges"] == 1 and numbers["curated_blueprints"] == 1
    assert numbers["trajectories_accepted"] >= 1  # sim players
    assert (root / "pyproject.toml").read_text().count('library = "library:DOMAIN"') == 1
    assert (root / "tests" / "test_library.py").is_file()


def test_the_scaffolds_own_tests_pass_where_it_was_written(tmp_path: Path) -> None:
    root = scaffold_domain("library", tmp_path)
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{len(CONFORMANCE_CHECKS) + 1} passed" in done.stdout  # + the curated blueprint


def test_envs_new_writes_the_package_and_refuses_bad_names_and_existing_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = apigen(capsys, "envs", "new", "bank", "--out", str(tmp_path))
    assert code == 0, err
    assert f"wrote {tmp_path / 'bank'}" in out
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == [
        "bank/bank/__init__.py",
        "bank/bank/blueprints/renew_1.yaml",
        "bank/bank/policy.md",
        "bank/pyproject.toml",
        "bank/tests/test_bank.py",
    ]
    compile((tmp_path / "bank/bank/__init__.py").read_text(), "bank", "exec")
    for bad in ("bank", "My-Bank", "class", "9lives"):
        code, out, err = apigen(capsys, "envs", "new", bad, "--out", str(tmp_path))
        assert code == 2 and out == "", bad
        assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "already exists" in apigen(capsys, "envs", "new", "bank", "--out", str(tmp_path))[2]


# What a new author gets wrong, as edits of the scaffold's __init__.py.
NO_ENTITIES = {
    'MemberId = Annotated[str, Entity("member_id")]': "MemberId = str",
    'LoanId = Annotated[str, Entity("loan_id")]': "LoanId = str",
}
UNUSED_READ_AND_SECTION = {
    "tools = (get_member, renew_loan)": "tools = (get_member, renew_loan, opening_hours)",
    ".read_text()\n": '.read_text() + "\\n## Fines\\n\\nLate books cost 10 cents a day.\\n"\n',
    "_FIRST = (": '@tool("read")\ndef opening_hours(db: DB) -> str:\n'
    '    """When the library is open."""\n    return "9-17"\n\n\n_FIRST = (',
}
SAME_WRITE_TWICE = {
    'rng.sample(list(member["loans"]), k=len(member["loans"]))': '[member["loans"][0]] * 2'
}
RANDOM_RECEIPT = {
    '    loan["renewals"] += 1\n': '    loan["renewals"] += 1\n'
    '    loan["receipt"] = __import__("uuid").uuid4().hex\n'
}


def _check(capsys: pytest.CaptureFixture[str], name: str, *flags: str) -> tuple[int, str]:
    code, out, err = apigen(capsys, "envs", "check", name, "--tasks", "3", *flags)
    return code, out + err


def test_envs_check_names_a_graph_without_edges_unused_reads_and_unselected_sections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with scaffolded(monkeypatch, tmp_path, "flat", {**NO_ENTITIES, **UNUSED_READ_AND_SECTION}):
        code, said = _check(capsys, "flat", "--no-play")
    assert code == 1, said
    assert "error: the tool graph has no edges: annotate identifiers with Entity(kind)" in said
    assert "warning: reads never used in 12 sampled tasks: opening_hours" in said
    # the identity section names the authenticating read every task now shows (issue 11)
    assert "policy sections never selected in 12 sampled tasks: Fines (" in said
    assert said.rstrip().endswith("failed: 1 error(s)")


def test_envs_check_catches_the_same_write_twice_before_any_trial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with scaffolded(monkeypatch, tmp_path, "twice", SAME_WRITE_TWICE):
        code, said = _check(capsys, "twice", "--no-play")
    assert code == 1, said
    assert "error: conformance distinct_writes: twice: sample_task made the same write" in said
    assert '["renew_loan",{"loan_id":"L' in said


def test_envs_check_reports_tasks_no_trial_can_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with scaffolded(monkeypatch, tmp_path, "stamp", RANDOM_RECEIPT):
        code, said = _check(capsys, "stamp", "--trials", "1", "--json")
    report = json.loads(said)
    assert code == 1
    assert report["conformance"]["writes_confined"].endswith(
        "same calls gave different state hashes"
    )
    failed = [e for e in report["errors"] if "no trial of 1 passed" in e]
    assert failed and all(e.endswith("(state x1)") for e in failed)
    assert report["numbers"]["trajectories_accepted"] == 0


BROKEN = "raise RuntimeError('the licence server is down')\n"


def test_a_broken_plugin_is_one_line_and_skipped_while_the_others_list_and_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "kit_broken.py").write_text(BROKEN)
    entry_points = {"broken": "kit_broken:DOMAIN", "gone": "kit_not_installed.domain:DOMAIN"}
    with (
        scaffolded(monkeypatch, tmp_path, "library"),
        installed(monkeypatch, tmp_path / "broken", entry_points),
    ):
        code, out, err = apigen(capsys, "envs", "list")
        assert code == 0, err
        listed = [line.split()[0] for line in out.splitlines() if "<…>" not in line]
        # the shipped and scaffolded domains list; other tests may have registered more
        assert {"airline", "library", "retail"} <= set(listed), out
        assert "broken" not in listed and "gone" not in listed
        skipped = err.splitlines()
        assert len(skipped) == 2, err
        assert "'broken' (kit_broken:DOMAIN) cannot be loaded: RuntimeError: the licence" in err
        assert "package 'kit_not_installed' is not importable on host" in err
        assert len(domain_problems()) == 2
        with pytest.raises(ConfigError, match="kit_not_installed"):
            get_domain("gone")
        code, out, err = apigen(capsys, "envs", "show", "broken")
        assert code == 2 and err.count("\n") == 1 and "licence server is down" in err
        db = f"sqlite:///{tmp_path}/run.db"
        run = ("run", "--domain", "library", "-n", "2", "--trials", "1", "--backend", "local")
        code, out, err = apigen(capsys, *run, "--db", db, "--quiet", "--json")
    assert code == 0, err
    assert json.loads(out)["accepted_trajectories"] >= 1  # sim players


def test_a_cluster_job_ships_plugin_packages_and_names_their_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apigen.runner._ray import runtime_env_for_cluster

    with scaffolded(monkeypatch, tmp_path, "library") as root:
        env = runtime_env_for_cluster(["library", "retail", "toy"])
        bare = runtime_env_for_cluster(["library"], ship_code=False)
    assert env["py_modules"][2:] == [str(root / "library"), str(Path("tests").resolve())]
    targets = "library=library:DOMAIN,toy=tests.support.toy:DOMAIN"  # toy: register_domain
    assert env["env_vars"] == {"APIGEN_PLUGIN_DOMAINS": targets}
    assert bare == {"env_vars": {"APIGEN_PLUGIN_DOMAINS": "library=library:DOMAIN"}}
    # a worker: no entry point, the target from the job's environment
    monkeypatch.setenv("APIGEN_PLUGIN_DOMAINS", "library=library:DOMAIN")
    monkeypatch.syspath_prepend(str(root))
    clear_registry()
    try:
        assert type(get_domain("library")).__name__ == "Library"
    finally:
        sys.modules.pop("library", None)
        clear_registry()
    monkeypatch.setenv("APIGEN_PLUGIN_DOMAINS", "gone=kit_gone:DOMAIN")
    with pytest.raises(ConfigError, match="package 'kit_gone' is not importable on host"):
        get_domain("gone")
