"""τ-bench tasks as blueprints, τ-bench result files, and the reward-comparable check."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apigen.adapters._foreign import Imported
from apigen.adapters._taubench import TauBenchDomain, task_fields
from apigen.env import Environment
from apigen.errors import UserError
from apigen.safety import load_data_file
from apigen.types import Blueprint, ToolCall

__all__ = [
    "TauBenchCheck",
    "TauBenchResult",
    "load_taubench_results",
    "taubench_blueprint",
    "taubench_comparable",
    "taubench_tasks",
]


def taubench_tasks(module: str | TauBenchDomain, split: str) -> Imported:
    """The ``split`` tasks of a τ-bench-style package as blueprints (``id`` =
    ``taubench-<split>-<index>``, the τ-bench ``task_id``)."""
    domain = module if isinstance(module, TauBenchDomain) else TauBenchDomain(module)
    blueprints, rejected = [], []
    for index, task in enumerate(domain.tasks(split)):
        task_id = f"taubench-{split}-{index}"
        if not task["actions"]:
            rejected.append((task_id, "the task has no actions"))
            continue
        blueprints.append(_blueprint(domain.name, task_id, task, split))
    return Imported(blueprints, rejected)


@dataclass(frozen=True)
class TauBenchResult:
    """One record of a τ-bench results file."""

    task_id: int
    trial: int
    reward: float
    messages: list[dict[str, Any]] = field(repr=False)
    """The OpenAI message list (``traj``) as τ-bench stored it."""
    calls: tuple[ToolCall, ...]
    """The tool calls τ-bench's tool-calling agent executed: the first call of each
    assistant message that has tool calls (the rest were never run)."""
    replies: tuple[str, ...]
    """The agent's text turns (assistant messages without tool calls)."""
    problems: tuple[str, ...] = ()
    """Calls that could not be read (arguments not a JSON object); they are skipped."""
    task: dict[str, Any] | None = None
    """The task as τ-bench stored it in ``info["task"]`` (``{user_id, actions,
    instruction, outputs}``), when the record has it."""

    @property
    def passed(self) -> bool:
        """τ-bench's success: reward within 1e-6 of 1."""
        return abs(self.reward - 1.0) <= 1e-6


def _first_call(message: dict[str, Any]) -> tuple[ToolCall | None, str | None]:
    first = message["tool_calls"][0]
    first = first if isinstance(first, dict) else {}
    function = first.get("function") or first  # OpenAI's wrapper, or a flat {name, arguments}
    name, raw = function.get("name"), function.get("arguments") or "{}"
    try:
        arguments = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        return None, f"{name}: arguments are not JSON ({exc})"
    if not isinstance(name, str) or not isinstance(arguments, dict):
        return None, f"{name}: arguments are not an object"
    return ToolCall(name=name, arguments=arguments), None


def _text(content: Any) -> str:
    """Message content as text: a string, or the text parts of a content list."""
    if isinstance(content, list):
        return "".join(
            str(p.get("text") or "")
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    return str(content or "")


def _record(raw: Any, index: int) -> TauBenchResult:
    if not isinstance(raw, dict) or not isinstance(raw.get("traj"), list):
        raise UserError(f"τ-bench result {index} has no 'traj' message list")
    calls, replies, problems = [], [], []
    for message in raw["traj"]:
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        if message.get("tool_calls"):
            call, problem = _first_call(message)
            if call is not None:
                calls.append(call)
            if problem is not None:
                problems.append(problem)
        else:
            replies.append(_text(message.get("content")))
    info = raw.get("info")
    stored = info.get("task") if isinstance(info, dict) else None
    try:
        task = task_fields(stored) if stored is not None else None
    except UserError as exc:
        problems.append(f"info.task unreadable: {exc}")
        task = None
    try:
        return TauBenchResult(
            task_id=int(raw["task_id"]),
            trial=int(raw.get("trial", 0)),
            reward=float(raw["reward"]),
            messages=raw["traj"],
            calls=tuple(calls),
            replies=tuple(replies),
            problems=tuple(problems),
            task=task,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"τ-bench result {index}: bad or missing field {exc}") from None


def load_taubench_results(path: str | Path) -> list[TauBenchResult]:
    """A τ-bench results file: a JSON list of ``{task_id, trial, reward, traj, ...}``."""
    try:
        data = load_data_file(Path(path))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if not isinstance(data, list):
        raise UserError(f"{path}: a τ-bench results file is a JSON list of records")
    return [_record(raw, i) for i, raw in enumerate(data)]


def _blueprint(domain: str, task_id: str, task: dict[str, Any], split: str | None) -> Blueprint:
    return Blueprint(
        domain=domain,
        id=task_id,
        instruction=task["instruction"],
        actions=tuple(ToolCall(name=a["name"], arguments=a["kwargs"]) for a in task["actions"]),
        outputs=tuple(task["outputs"]),
        context={
            "user_id": task["user_id"],
            "split": split,
            "task_id": int(task_id.rsplit("-", 1)[1]),
        },
    )


def taubench_blueprint(
    domain: TauBenchDomain, result: TauBenchResult, split: str | None = None
) -> Blueprint:
    """The blueprint of the task ``result`` ran: the task stored in the record, else
    task ``result.task_id`` of ``split``. A task without actions (the right behaviour
    is to refuse) is no blueprint: :class:`UserError` (``taubench_comparable`` still
    checks it)."""
    task = result.task
    if task is None:
        if split is None:
            raise UserError(
                f"τ-bench result for task {result.task_id} stores no task: give the split"
            )
        tasks = domain.tasks(split)
        if not 0 <= result.task_id < len(tasks):
            raise UserError(f"{split!r} has no task {result.task_id} ({len(tasks)} tasks)")
        task = tasks[result.task_id]
    if not task["actions"]:
        raise UserError(f"τ-bench task {result.task_id} has no actions: not a blueprint")
    return _blueprint(domain.name, f"taubench-{split or 'run'}-{result.task_id}", task, split)


@dataclass(frozen=True)
class TauBenchCheck:
    """The reward-comparable part of apigen's verdicts for one record."""

    task_id: int
    trial: int
    recorded: float
    state_matches: bool
    outputs: dict[str, bool]

    @property
    def reward(self) -> float:
        """1.0 when the state matches and every expected output was said, as τ-bench."""
        return 1.0 if self.state_matches and all(self.outputs.values()) else 0.0

    @property
    def agrees(self) -> bool:
        return (self.reward == 1.0) == (abs(self.recorded - 1.0) <= 1e-6)


def taubench_comparable(
    env: Environment, result: TauBenchResult, task: Blueprint | Any = None
) -> TauBenchCheck:
    """Replay the agent's calls and the task's actions in fresh sandboxes of ``env``;
    compare final states, and look for each expected output in the agent's replies
    (lower-cased, commas removed: τ-bench's comparison).

    ``task`` is a blueprint (``taubench_tasks``), a τ-bench task (dict or object) or
    ``None`` for the task the record stored in ``info["task"]``.
    """
    if isinstance(task, Blueprint):
        actions, wanted = list(task.actions), list(task.outputs)
    else:
        fields = task_fields(task) if task is not None else result.task
        if fields is None:
            raise UserError(
                f"τ-bench result for task {result.task_id} stores no task: give the split"
            )
        actions = [ToolCall(name=a["name"], arguments=a["kwargs"]) for a in fields["actions"]]
        wanted = fields["outputs"]
    expected, agent = env.sandbox(), env.sandbox()
    handoffs = {t.name for t in env.domain.tools if t.handoff}
    expected.replay(a for a in actions if a.name not in handoffs)
    agent.replay(result.calls)
    said = [r.lower().replace(",", "") for r in result.replies]
    outputs = {o: any(o.lower() in r for r in said) for o in wanted}
    return TauBenchCheck(
        task_id=result.task_id,
        trial=result.trial,
        recorded=result.reward,
        state_matches=expected.state_hash() == agent.state_hash(),
        outputs=outputs,
    )
