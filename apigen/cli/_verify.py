"""``apigen trajectories verify``: re-score recorded conversations without regenerating them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from apigen.cli._render import echo_text
from apigen.cli._settings import CONFIG_HELP, DB_HELP, MODEL_HELP, settings_from

if TYPE_CHECKING:
    from apigen.rollout import VerifyOutcome, VerifyRecord, VerifySummary
    from apigen.settings import Settings
    from apigen.types import Blueprint

FORMAT_HELP = "Input format (a registered reader: apigen, openai, …). Default: detected."


def verify(
    file: Path | None = typer.Argument(
        None, metavar="[FILE]", help="JSONL of apigen trajectories or of OpenAI message lists."
    ),
    fmt: str | None = typer.Option(None, "--format", help=FORMAT_HELP),
    domain: str | None = typer.Option(
        None,
        "--domain",
        help="taubench:MODULE: FILE is a τ-bench results file (JSON list of "
        "{task_id, trial, reward, traj}) of that package.",
    ),
    split: str | None = typer.Option(
        None,
        "--split",
        help="τ-bench: the task split the results ran (when records store no task).",
    ),
    blueprints: list[Path] | None = typer.Option(
        None, "--blueprints", help="Blueprint files or directories the trajectories refer to."
    ),
    run: str | None = typer.Option(
        None, "--run", help="Re-verify this stored run's trajectories into a new run."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP, show_default=False),
    committee: bool = typer.Option(
        False, "--committee", help="Also ask the judge committee (calls the judge models)."
    ),
    config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
    models: list[str] | None = typer.Option(None, "--model", help=MODEL_HELP),
    json_out: bool = typer.Option(
        False, "--json", help="One JSON object per record, then a summary object."
    ),
) -> None:
    """Re-execute every tool call in a fresh sandbox and run every verifier again
    (the committee only with --committee). Prints each record's verdicts and, when
    records carry a recorded outcome, how many the new verdicts agree with. Exit 1
    when a record could not be re-verified."""
    from apigen.errors import UserError
    from apigen.rollout import VerifySummary

    if (file is None) == (run is None):
        raise UserError("give exactly one of FILE or --run RUN")
    if fmt is not None and file is None:
        raise UserError("--format goes with FILE")
    settings = settings_from(config, {"database_url": db}, models, "trajectories")
    summary = VerifySummary()
    tau: dict[str, Any] = {}
    if domain is not None:
        if file is None or not domain.startswith("taubench:"):
            raise UserError("--domain taubench:MODULE goes with a τ-bench results FILE")
        records, known, tau = _from_taubench(file, domain, split, settings)
    elif split is not None:
        raise UserError("--split goes with --domain taubench:MODULE")
    elif file is not None:
        records, known = _from_file(file, fmt, blueprints, db, settings)
    else:
        records, known = _from_run(settings, run or "")
    new_run = None
    outcomes = asyncio.run(_collect(records, known, settings, committee))
    verified = {o.id for o in outcomes}
    for outcome in outcomes:
        summary.add(outcome)
        _echo(outcome, json_out, tau.get(outcome.id))
    for rid, check in tau.items():
        if rid not in verified:  # a task with no actions: only the comparable part
            _echo_comparable_only(rid, check, json_out)
    if run is not None:
        new_run = _store_run(settings, run, outcomes, committee)
    _echo_summary(summary, json_out, new_run, list(tau.values()))
    if summary.errors:
        raise typer.Exit(1)


def _from_file(
    file: Path,
    fmt: str | None,
    paths: list[Path] | None,
    db: str | None,
    settings: Settings,
) -> tuple[list[VerifyRecord], dict[str, Blueprint]]:
    from apigen.rollout import detect_reader, get_reader

    reader = get_reader(fmt) if fmt is not None else detect_reader(file)
    records = list(reader.read(file))
    known: dict[str, Blueprint] = {}
    if paths:
        from apigen.blueprints import iter_blueprint_files, load_blueprint

        for bp in (load_blueprint(p) for p in iter_blueprint_files(list(paths))):
            known[bp.id or bp.fingerprint()] = bp
    elif db is not None and any(r.blueprint is None for r in records):
        known = _stored_blueprints(settings, None)
    return records, known


def _from_taubench(
    file: Path, domain: str, split: str | None, settings: Settings
) -> tuple[list[VerifyRecord], dict[str, Blueprint], dict[str, Any]]:
    """τ-bench results: each record re-verified by apigen (when its task has actions)
    and checked the way τ-bench rewards it (``TauBenchCheck``), keyed by record id."""
    from apigen.adapters import (
        TauBenchDomain,
        load_taubench_results,
        taubench_blueprint,
        taubench_comparable,
    )
    from apigen.env import get_domain, load_environment
    from apigen.errors import UserError
    from apigen.rollout import VerifyRecord, messages_from_openai

    dom = get_domain(domain)
    if not isinstance(dom, TauBenchDomain):
        raise UserError(f"{domain}: not a τ-bench domain")
    env = load_environment(domain, seed=settings.state_seed)
    records: list[VerifyRecord] = []
    checks: dict[str, Any] = {}
    for result in load_taubench_results(file):
        rid = f"task-{result.task_id}-trial-{result.trial}"
        task = None
        if result.task is None:
            if split is None:
                raise UserError(f"{file}: record {rid} stores no task; give --split train|test")
            tasks = dom.tasks(split)
            if not 0 <= result.task_id < len(tasks):
                raise UserError(f"{file}: record {rid}: {split!r} has no task {result.task_id}")
            task = tasks[result.task_id]
        checks[rid] = taubench_comparable(env, result, task)
        try:
            bp = taubench_blueprint(dom, result, split)
        except UserError:
            continue  # no actions: the right behaviour was to refuse; comparable part only
        records.append(
            VerifyRecord(
                id=rid,
                messages=messages_from_openai(result.messages, f"{file}: {rid}"),
                blueprint=bp,
                reward=result.reward,
                trial=result.trial,
            )
        )
    return records, {}, checks


def _stored_blueprints(settings: Settings, run: str | None) -> dict[str, Blueprint]:
    from apigen.store import Store

    with Store.open(settings.database_url, read_only=True) as store:
        runs = [run] if run is not None else [r.id for r in store.runs()]
        return {bp.id: bp for r in runs for bp in store.blueprints(r) if bp.id}


def _from_run(settings: Settings, run: str) -> tuple[list[VerifyRecord], dict[str, Blueprint]]:
    from apigen.rollout import VerifyRecord
    from apigen.store import Store, TrajectoryFilter

    with Store.open(settings.database_url, read_only=True) as store:
        store.get_run(run)
        trajs = list(store.trajectories(TrajectoryFilter(run_id=run, accepted_only=False)))
    records = [
        VerifyRecord(
            id=t.id or "",
            messages=t.messages,
            blueprint_id=t.blueprint_id,
            reward=1.0 if t.accepted else 0.0,
            ending=t.ending,
            trial=t.trial,
        )
        for t in trajs
    ]
    return records, _stored_blueprints(settings, run)


async def _collect(
    records: Iterable[VerifyRecord],
    known: Mapping[str, Blueprint],
    settings: Settings,
    committee: bool,
) -> list[VerifyOutcome]:
    from apigen.env import load_environment
    from apigen.rollout import verify_records

    client = None
    if committee:
        from apigen.llm import LLMClient

        client = LLMClient(settings.models)

    def environment(domain: str) -> Any:
        return load_environment(domain, seed=settings.state_seed)

    return [
        outcome
        async for outcome in verify_records(
            records,
            blueprints=known,
            environment=environment,
            config=settings.rollout,
            client=client,
            committee=committee,
        )
    ]


def _store_run(
    settings: Settings, source: str, outcomes: list[VerifyOutcome], committee: bool
) -> str:
    """Write the re-verified trajectories as a new run (one item per blueprint)."""
    from apigen.store import Store

    done = [o for o in outcomes if o.trajectory is not None]
    by_blueprint: dict[str, list[Any]] = {}
    for o in done:
        assert o.trajectory is not None
        by_blueprint.setdefault(o.trajectory.blueprint_id, []).append(o.trajectory)
    with Store.open(settings.database_url) as store:
        known = {bp.id: bp for bp in store.blueprints(source) if bp.id}
        domain = store.get_run(source).domain
        config = {"reverify": {"source_run": source, "committee": committee}}
        info = store.start_run(config, domain=domain, planned_items=len(by_blueprint))
        for index, (bp_id, trajs) in enumerate(by_blueprint.items()):
            bp = known.get(bp_id)
            store.write_item(
                info.id, index, blueprints=(bp,) if bp else (), trajectories=tuple(trajs)
            )
        store.finish_run(info.id)
    return info.id


def _comparable_json(check: Any) -> dict[str, Any]:
    return {
        "state_matches": check.state_matches,
        "outputs": check.outputs,
        "reward": check.reward,
        "recorded_reward": check.recorded,
        "agrees": check.agrees,
    }


def _comparable_line(check: Any) -> str:
    said = sum(check.outputs.values())
    verdict = "agrees" if check.agrees else "DIFFERS"
    return (
        f"    τ-bench: state {'matches' if check.state_matches else 'differs'}, "
        f"outputs {said}/{len(check.outputs)} said, reward {check.reward:g} "
        f"vs recorded {check.recorded:g} ({verdict})"
    )


def _echo_comparable_only(rid: str, check: Any, json_out: bool) -> None:
    if json_out:
        data: dict[str, Any] = {
            "id": rid,
            "accepted": None,
            "verdicts": [],
            "taubench": _comparable_json(check),
        }
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    echo_text(f"{rid}  (task has no actions: τ-bench comparison only)")
    echo_text(_comparable_line(check))


def _echo(outcome: VerifyOutcome, json_out: bool, tau: Any = None) -> None:
    if json_out:
        data = outcome.as_json()
        if tau is not None:
            data["taubench"] = _comparable_json(tau)
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    if outcome.error is not None:
        echo_text(f"{outcome.id}  error: {outcome.error}")
        return
    assert outcome.trajectory is not None
    status = "accepted" if outcome.accepted else "rejected"
    agree = "" if outcome.agrees is None else ("  (agrees)" if outcome.agrees else "  (DIFFERS)")
    echo_text(f"{outcome.id}  {status}{agree}")
    for v in outcome.trajectory.verdicts:
        first = f": {v.reasons[0]}" if v.reasons and not v.passed else ""
        echo_text(f"    {'pass' if v.passed else 'FAIL'}  {v.verifier}{first}")
    if tau is not None:
        echo_text(_comparable_line(tau))


def _echo_summary(
    summary: VerifySummary, json_out: bool, new_run: str | None, tau: list[Any]
) -> None:
    data = summary.as_json()
    if new_run is not None:
        data["run_id"] = new_run
    if tau:
        data["taubench"] = {
            "records": len(tau),
            "reward": sum(c.reward for c in tau),
            "agrees": sum(c.agrees for c in tau),
        }
    if json_out:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    line = f"accepted {summary.accepted}/{summary.records}"
    if summary.with_reward:
        line += f"; agrees with the recorded outcome on {summary.agreements}/{summary.with_reward}"
    if summary.errors:
        line += f"; {summary.errors} could not be re-verified"
    echo_text(line)
    if tau:
        t = data["taubench"]
        echo_text(
            f"τ-bench comparison: reward 1 on {t['reward']:g}/{t['records']}; "
            f"agrees with the recorded reward on {t['agrees']}/{t['records']}"
        )
    if summary.rejected_by:
        echo_text("rejected by: " + ", ".join(f"{k} {n}" for k, n in data["rejected_by"].items()))
    if summary.failed_by:
        echo_text("who failed: " + ", ".join(f"{k} {n}" for k, n in data["failed_by"].items()))
    if new_run is not None:
        echo_text(f"stored as run {new_run}")
