"""Hostile input at every CLI entry point: one line, the right exit code, no traceback.

Each case runs ``apigen`` in a fresh directory: in this process through the console
script's own entry (:func:`apigen.cli.main`, output captured), or, for the cases
marked ``process``, as ``python -m apigen`` with a generous time limit (a hang is
the failure, not a slow second) so that a real interpreter's exit and traceback
printing are covered too. Exit 2 is the user's mistake (usage, configuration,
refused input), 1 a runtime failure. Cases from issue 15 are marked with where they
came from. Signals are covered by ``tests/runner/test_signals.py``.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from apigen.store import Store
from tests.hostile import inputs
from tests.store.conversations import trajectory
from tests.support.cli import apigen as run_in_process

TIME_LIMIT_S = 180


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    code: int
    says: str
    """A fragment the one-line message must contain (case-insensitive)."""
    files: dict[str, str | bytes] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    check: Callable[[Path], None] | None = None
    process: bool = False
    """Run as a real ``python -m apigen`` subprocess (slower; a few cases only)."""


def _no_run_row(folder: Path) -> None:
    db = folder / "x.db"
    if db.exists():
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)


def _not_pwned(folder: Path) -> None:
    assert not (folder / "PWNED").exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


T = inputs.HOSTILE_TEMPLATES
CONFIG = "cfg.yaml"
RUN = ("run", CONFIG, "--db", "x.db", "--quiet")

CASES: dict[str, Case] = {
    # -- usage (issue: every usage error was a 40-line traceback) ------------------
    "unknown-option": Case(("--bogus",), 2, "no such option: --bogus", process=True),
    "unknown-sub-option": Case(("runs", "--bogus"), 2, "no such option"),
    "not-an-int": Case(("blueprints", "generate", "--domain", "retail", "-n", "abc"), 2, "'-n'"),
    "unknown-command": Case(("nosuch",), 2, "no such command"),
    "missing-argument": Case(("query",), 2, "missing argument"),
    # -- configuration files (issue: UnicodeDecodeError, RecursionError, 1.5 GB bombs) --
    "config-binary": Case(RUN, 2, "utf-8", files={CONFIG: inputs.BINARY}, check=_no_run_row),
    "config-deep": Case(RUN, 2, "nest", files={CONFIG: inputs.DEEP_YAML}, process=True),
    "config-deep-200": Case(RUN, 2, "nested deeper than 64", files={CONFIG: inputs.deep_yaml(200)}),
    "config-alias-bomb": Case(RUN, 2, "aliases", files={CONFIG: inputs.alias_bomb()}),
    "config-extra-bomb": Case(RUN, 2, "aliases", files={CONFIG: inputs.config_with_extra_bomb()}),
    "config-extra-huge": Case(
        RUN,
        2,
        "params.extra",
        files={
            CONFIG: "models:\n  agent:\n    models: [sim/agent]\n    params:\n"
            f"      extra: {{blob: {'x' * 100_000}}}\n"
        },
        check=_no_run_row,
    ),
    "config-missing": Case(("run", "nope.yaml", "--db", "x.db"), 2, "nope.yaml"),
    "config-n-huge": Case(RUN, 2, "n:", files={CONFIG: "n: 1000000000\n"}, check=_no_run_row),
    "config-seed-2^64": Case(RUN, 2, "seed", files={CONFIG: f"seed: {2**64}\n"}),
    "config-seed-2^31": Case(RUN, 2, "seed", files={CONFIG: f"seed: {2**31}\n"}),
    # -- environment (issue: APIGEN_MODELS__AGENT__MODELS=notjson, …ENDPOINTS={bad) -----
    "env-models-notjson": Case(
        ("run", "--db", "x.db"), 2, "agent", env={"APIGEN_MODELS__AGENT__MODELS": "notjson"}
    ),
    "env-endpoints-bad": Case(
        ("run", "--db", "x.db"), 2, "endpoints", env={"APIGEN_MODELS__ENDPOINTS": "{bad"}
    ),
    "env-deep-json": Case(
        ("run", "--db", "x.db"), 2, "nested deeper", env={"APIGEN_N": inputs.DEEP_JSON[:20_000]}
    ),
    "env-models-deep": Case(
        ("run", "--db", "x.db"),
        2,
        "APIGEN_MODELS__AGENT__MODELS: nested deeper",
        env={"APIGEN_MODELS__AGENT__MODELS": inputs.DEEP_JSON[:20_000]},
    ),
    "env-n-huge": Case(("run", "--db", "x.db"), 2, "n:", env={"APIGEN_N": "1000000000"}),
    # -- flags with bounds ---------------------------------------------------------------
    "flag-n-huge": Case(
        ("blueprints", "generate", "--domain", "retail", "-n", "1000000000"), 2, "'-n'"
    ),
    "flag-seed-huge": Case(
        ("trajectories", "collect", "--from-db", "--seed", str(2**64)), 2, "'--seed'"
    ),
    # -- blueprint files / collect inputs -------------------------------------------------
    "blueprint-alias-bomb": Case(
        ("trajectories", "collect", "--blueprints", "bp.yaml", "--out", "t.jsonl"),
        2,
        "aliases",
        files={"bp.yaml": inputs.alias_bomb()},
    ),
    "blueprint-deep": Case(
        ("trajectories", "collect", "--blueprints", "bp.yaml", "--out", "t.jsonl"),
        2,
        "nest",
        files={"bp.yaml": inputs.DEEP_YAML},
    ),
    "blueprint-binary": Case(
        ("trajectories", "collect", "--blueprints", "bp.yaml", "--out", "t.jsonl"),
        2,
        "utf-8",
        files={"bp.yaml": inputs.BINARY},
    ),
    "show-file-binary": Case(
        ("show", "x", "--file", "t.jsonl"), 2, "utf-8", files={"t.jsonl": inputs.BINARY}
    ),
    # -- databases (issue: tracebacks for corrupted / non-SQLite --db) ------------------------
    **{
        f"db-not-sqlite-{cmd}": Case(
            (*args, "--db", "bad.db"), 2, "not a database", files={"bad.db": b"hello" * 100}
        )
        for cmd, args in {
            "runs": ("runs",),
            "stats": ("stats",),
            "show": ("show", "x"),
            "export": ("export", "--format", "openai", "--out", "o.jsonl"),
            "report": ("report",),
            "run": ("run", "--quiet"),
        }.items()
    },
    "db-corrupt-runs": Case(
        ("runs", "--db", "bad.db"),
        2,
        "--db",
        files={"bad.db": inputs.CORRUPT_SQLITE},
        process=True,
    ),
    "db-query-not-sqlite": Case(
        ("query", "SELECT * FROM runs", "--db", "bad.db"),
        2,
        "not a database",
        files={"bad.db": b"hello" * 100},
    ),
    "db-missing": Case(("stats", "--db", "nope.db"), 2, "no database"),
    # -- outputs (issue: --out a directory, read-only path, missing directory) ---------------
    "out-dir-schema": Case(("schema", "--out", "d"), 2, "is a directory", files={"d/keep": ""}),
    "out-missing-dir-schema": Case(("schema", "--out", "no/such/s.md"), 2, "does not exist"),
    "out-exists-schema": Case(("schema", "--out", "s.md"), 2, "--force", files={"s.md": "mine"}),
    "out-exists-init": Case(("init", "a.yaml"), 2, "--force", files={"a.yaml": "mine"}),
    "out-dir-init": Case(("init", "d"), 2, "is a directory", files={"d/keep": ""}),
    "out-proc-schema": Case(
        ("schema", "--out", "/proc/apigen-nope.md", "--force"), 1, "apigen-nope"
    ),
    "out-dir-collect": Case(
        ("trajectories", "collect", "--blueprints", "bps", "--out", "d"),
        2,
        "is a directory",
        files={"d/keep": "", "bps/keep.txt": ""},
    ),
    "out-exists-generate": Case(
        ("blueprints", "generate", "--domain", "retail", "-n", "1", "--out", "d"),
        2,
        "--force",
        files={"d/keep.yaml": ""},
    ),
    # -- faults a run can check before Ray starts (issue: crashed after 25 s, or every
    #    item failed and the run ended "completed" with exit 0) ---------------------------
    "sim-role-unknown": Case(
        ("run", "--db", "x.db", "--model", "agent=sim/nonexistent"),
        2,
        "unknown sim role 'nonexistent'",
        check=_no_run_row,
    ),
    "sim-knob-unknown": Case(
        ("run", "--db", "x.db", "--model", "human=sim/human?bogus=1"), 2, "bogus", check=_no_run_row
    ),
    "sim-knob-bad-value": Case(
        ("run", "--db", "x.db", "--model", "agent=sim/agent?error_rate=5"),
        2,
        "error_rate",
        check=_no_run_row,
    ),
    "templates-dir-missing": Case(
        RUN,
        2,
        "templates_dir",
        files={CONFIG: "phase1:\n  templates_dir: no/such/dir\n"},
        check=_no_run_row,
    ),
    "ray-address-closed": Case(
        ("run", "--db", "x.db", "--ray-address", f"127.0.0.1:{_closed_port()}"),
        2,
        "cannot reach the Ray cluster",
        check=_no_run_row,
    ),
    "every-item-failed": Case(
        (
            "blueprints",
            "generate",
            "--domain",
            "retail",
            "-n",
            "3",
            "--json",
            "--config",
            CONFIG,
            "--model",
            "generator=sim/generator?server_error=1",
            "--db",
            "x.db",
        ),
        1,
        "every item failed (3/3): ",  # 500s and 503s: the split follows the prompt
        files={CONFIG: "models:\n  retry: {max_attempts: 1}\n"},
    ),
    # -- phase-1 templates (issue: os.system ran on the worker) ------------------------------
    **{
        f"phase1-template-{name}": Case(
            (
                "blueprints",
                "generate",
                "--domain",
                "retail",
                "-n",
                "1",
                "--out",
                "o",
                "--templates-dir",
                "tpl",
            ),
            2,
            "templates_dir",
            files={"tpl/generator.j2": source},
            check=_not_pwned,
        )
        for name, source in T.items()
    },
}


def _write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def _clean_env(env: dict[str, str] | None) -> dict[str, str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("APIGEN_", "RAY_ADDRESS"))
    }
    environment.update(env or {})
    return environment


def apigen(
    folder: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m apigen ARGS`` in ``folder``, with only ``env`` of the apigen variables."""
    return subprocess.run(
        [sys.executable, "-m", "apigen", *args],
        cwd=folder,
        env=_clean_env(env),
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT_S,
        check=False,
    )


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Result]:
    """``apigen ARGS`` in this process, in ``folder``, with only ``env`` of the apigen
    variables (what :func:`apigen` does in a subprocess)."""

    def invoke(folder: Path, *args: str, env: dict[str, str] | None = None) -> Result:
        monkeypatch.chdir(folder)
        for name in list(os.environ):
            if name.startswith(("APIGEN_", "RAY_ADDRESS")):
                monkeypatch.delenv(name)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code, out, err = run_in_process(capsys, *args)
        return Result(code, out, err)

    return invoke


def assert_one_line(
    result: Result | subprocess.CompletedProcess[str], code: int, says: str
) -> None:
    err = result.stderr.strip()
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-2000:]
    assert result.returncode == code, (result.returncode, err[-500:])
    assert len(err.splitlines()) == 1, err[-2000:]
    assert says.lower() in err.lower(), err


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_cli_input(name: str, tmp_path: Path, cli: Callable[..., Result]) -> None:
    case = CASES[name]
    _write(tmp_path, case.files)
    run = apigen if case.process else cli
    result = run(tmp_path, *case.args, env=case.env)
    assert_one_line(result, case.code, case.says)
    if case.check is not None:
        case.check(tmp_path)


@pytest.fixture
def toy_db(tmp_path: Path) -> Path:
    db = tmp_path / "t.db"
    with Store.open(str(db)) as store:
        store.start_run({}, domain="toy", run_id="r1")
        store.write_item("r1", 0, trajectories=[trajectory(), trajectory()])
    return db


@pytest.mark.parametrize("name", sorted(T))
def test_hostile_chat_template(name: str, toy_db: Path, cli: Callable[..., Result]) -> None:
    folder = toy_db.parent
    (folder / "evil.jinja").write_text(T[name], encoding="utf-8")
    result = cli(
        folder,
        "export",
        "--db",
        toy_db.name,
        "--format",
        "chat-template",
        "--chat-template",
        "evil.jinja",
        "--out",
        "o.jsonl",
    )
    assert_one_line(result, 2, "--chat-template")
    assert not (folder / "PWNED").exists()


ESCAPES = "\x1b[2J\x1b]0;owned\x07\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\\x1b[31m"


def test_stored_escape_sequences_are_shown_escaped(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    db = tmp_path / "t.db"
    with Store.open(str(db)) as store:
        store.start_run({}, domain="toy", run_id="r1" + "\x1b[2J")
        rejected = trajectory(accepted=False, ending="max_turns" + ESCAPES)
        store.write_item("r1\x1b[2J", 0, trajectories=[rejected])
        tid = next(iter(store.trajectories())).id
    sql = "SELECT ending FROM trajectories"
    for args in (
        ("runs",),
        ("stats",),
        ("query", sql),
        ("show", tid or ""),
    ):
        result = cli(tmp_path, *args, "--db", db.name)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout, args
        assert "\\x1b" in result.stdout, args
    exact = cli(tmp_path, "query", sql, "--json", "--db", db.name)
    assert json.loads(exact.stdout)[0]["ending"].endswith(ESCAPES)


def test_help_works_everywhere_without_database_or_network(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    import typer.main

    from apigen.cli import app

    group = typer.main.get_command(app)
    paths: list[tuple[str, ...]] = [()]
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        paths.append((name,))
        for sub in getattr(cmd, "commands", {}):
            paths.append((name, sub))
    env = {
        "APIGEN_DATABASE_URL": "postgresql+psycopg://nobody@10.255.255.1:1/none",
        "RAY_ADDRESS": "10.255.255.1:6379",
    }
    for path in paths:
        result = cli(tmp_path, *path, "--help", env=env)
        assert result.returncode == 0 and "Usage" in result.stdout, (path, result.stderr)
    assert list(tmp_path.iterdir()) == []
