"""Checks every registered domain must pass (run by ``tests/test_conformance.py``).

Each check takes a :class:`Domain` and raises :class:`ConformanceError` naming what
is wrong. They are public so a third-party domain can run them in its own tests::

    for name, check in CONFORMANCE_CHECKS.items():
        check(MY_DOMAIN)
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from typing import get_args

from apigen.env._compare import FieldKind
from apigen.env._domain import Domain, Environment
from apigen.env._replay import replay_with_policy
from apigen.env._state import Database
from apigen.errors import UserError
from apigen.types import ToolCall, canonical_json

__all__ = ["CONFORMANCE_CHECKS", "ConformanceError", "database_hash", "repeated_writes"]

_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class ConformanceError(UserError, AssertionError):
    """A domain broke the environment contract (a mistake of the domain's author; an
    ``AssertionError`` too, so test runners report it as a failed check)."""


def database_hash(db: Database) -> str:
    """SHA-256 over every table and record (canonical): the identity of a state."""
    digest = hashlib.sha256()
    for name in sorted(db.tables):
        table = db.table(name)
        for key in sorted(table):
            digest.update(canonical_json([name, key, table[key]]).encode())
    return digest.hexdigest()


def check_deterministic_state(domain: Domain) -> None:
    """Same seed -> identical state; another seed -> a different one (unless the
    domain declares ``seeded = False``: a fixed dataset)."""
    a = database_hash(Database(domain.build_state(7)))
    b = database_hash(Database(domain.build_state(7)))
    c = database_hash(Database(domain.build_state(8)))
    if a != b:
        raise ConformanceError(f"{domain.name}: build_state(7) is not deterministic")
    if a == c and domain.seeded:
        raise ConformanceError(f"{domain.name}: build_state ignores its seed")


def check_tool_schemas(domain: Domain) -> None:
    """Every tool has an OpenAI-valid name, a description and a valid JSON schema."""
    from jsonschema import Draft202012Validator

    names = [t.name for t in domain.tools]
    if len(names) != len(set(names)):
        raise ConformanceError(f"{domain.name}: duplicate tool names")
    if not any(t.kind == "write" for t in domain.tools):
        raise ConformanceError(f"{domain.name}: no write tool")
    for t in domain.tools:
        if not _TOOL_NAME.match(t.name):
            raise ConformanceError(f"{domain.name}.{t.name}: invalid tool name")
        if not t.description.strip():
            raise ConformanceError(f"{domain.name}.{t.name}: empty description")
        params = t.schema["function"]["parameters"]
        if params.get("type") != "object" or "$ref" in str(params):
            raise ConformanceError(f"{domain.name}.{t.name}: parameters must be an inline object")
        Draft202012Validator.check_schema(params)
        for pname, prop in params.get("properties", {}).items():
            if not prop.get("description"):
                raise ConformanceError(f"{domain.name}.{t.name}.{pname}: no description")


def check_declarations(domain: Domain) -> None:
    """Declared behaviour is enforced: a domain with ``confirm`` tools composes
    :func:`apigen.env.confirm_before_write`; sampled authentication calls are of
    ``authenticates`` tools."""
    from apigen.env._rules import confirm_before_write

    confirmed = sorted(t.name for t in domain.tools if t.confirm)
    if confirmed and confirm_before_write not in domain.policy_checks:
        raise ConformanceError(
            f"{domain.name}: {', '.join(confirmed)} declare confirm=True but policy_checks "
            "lacks apigen.env.confirm_before_write"
        )
    env = domain.load(seed=0)
    rng = random.Random(0)
    writes = sorted(t.name for t in domain.tools if t.kind == "write")
    for name in writes:
        sketch = domain.sample_task(env.db, rng, [name])
        for call in sketch.auth if sketch is not None else ():
            declared = domain.tool_map.get(call.name)
            if declared is None or not declared.authenticates:
                raise ConformanceError(
                    f"{domain.name}: sampled authentication call {call.name} is not a tool "
                    "declared authenticates=True"
                )


def _sampled_calls(env: Environment, count: int, seed: int = 0) -> list[list[ToolCall]]:
    """``count`` attempts at grounding 1-2 random write tools with ``sample_task``."""
    writes = sorted(t.name for t in env.domain.tools if t.kind == "write")
    rng = random.Random(seed)
    db = env.db
    tasks = []
    for i in range(count):
        chosen = [writes[i % len(writes)], *rng.sample(writes, k=rng.randrange(2))]
        sketch = env.domain.sample_task(db, rng, chosen)
        if sketch is None:
            continue
        calls = list(sketch.auth)
        for step in sketch.steps:
            calls.extend(step.reads)
            calls.append(step.call)
        tasks.append(calls)
    return tasks


def check_sampled_tasks_replay(domain: Domain) -> None:
    """Tasks from ``sample_task`` replay with no tool error, no policy violation, and
    each write changes the state; reads never change it. A domain without a planner
    passes (its tasks are composed and validated in phase 1)."""
    if not domain.has_planner:
        return  # nothing planned to replay: composed tasks are validated in phase 1
    env = domain.load(seed=0)
    tasks = _sampled_calls(env, 60)
    if len(tasks) < 30:
        msg = f"{domain.name}: sample_task grounded only {len(tasks)}/60 write combinations"
        raise ConformanceError(msg)
    for calls in tasks:
        replay = replay_with_policy(env, calls)
        for i, e in enumerate(replay.trace):
            if e.error is not None:
                raise ConformanceError(f"{domain.name}: sampled call {i} {e.call.name}: {e.error}")
            if e.write != e.changed:
                what = "read changed" if not e.write else "write did not change"
                raise ConformanceError(f"{domain.name}: {what} the state: {e.call}")
        if replay.violations:
            raise ConformanceError(
                f"{domain.name}: sampled task breaks policy: {replay.violations}"
            )


def repeated_writes(env: Environment, calls: list[ToolCall]) -> list[str]:
    """Write calls that appear more than once, same arguments, in one task's calls."""
    writes = [
        canonical_json([c.name, c.arguments])
        for c in calls
        if (t := env.domain.tool_map.get(c.name)) is not None and t.kind == "write"
    ]
    return sorted({w for w in writes if writes.count(w) > 1})


def check_distinct_writes(domain: Domain) -> None:
    """No sampled task makes the same write (same tool, same arguments) twice: a
    conversation cannot ask for it twice, so no trial could ever pass such a task."""
    env = domain.load(seed=0)
    for calls in _sampled_calls(env, 60):
        repeated = repeated_writes(env, calls)
        if repeated:
            raise ConformanceError(
                f"{domain.name}: sample_task made the same write twice in one task: {repeated[0]}"
            )


def check_writes_confined(domain: Domain) -> None:
    """Many episodes of writes leave the pristine state untouched; hashes are stable."""
    env = domain.load(seed=0)
    before = database_hash(env.database)
    hashes = []
    for calls in _sampled_calls(env, 40, seed=1):
        a, b = env.sandbox(), env.sandbox()
        a.replay(calls)
        b.replay(calls)
        if a.state_hash() != b.state_hash() or a.diff() != b.diff():
            raise ConformanceError(f"{domain.name}: same calls gave different state hashes")
        hashes.append(a.state_hash())
    if env.sandbox().state_hash() != hashlib.sha256(b"{}").hexdigest():
        raise ConformanceError(f"{domain.name}: a fresh sandbox has a non-empty diff")
    if database_hash(env.database) != before:
        raise ConformanceError(f"{domain.name}: a sandbox modified the pristine state")


def check_comparison(domain: Domain) -> None:
    """``Domain.comparison`` names tables of the state and known field kinds."""
    tables = set(domain.build_state(0))
    known = set(get_args(FieldKind))
    for table, fields in domain.comparison.fields.items():
        if table not in tables:
            raise ConformanceError(
                f"{domain.name}: comparison names table {table!r}, not in the state "
                f"({', '.join(sorted(tables))})"
            )
        for name in fields:
            unknown = set(domain.comparison.kinds(table, name)) - known
            if unknown:
                raise ConformanceError(
                    f"{domain.name}: comparison of {table}.{name}: unknown kind "
                    f"{sorted(unknown)[0]!r} (known: {', '.join(sorted(known))})"
                )


CONFORMANCE_CHECKS: dict[str, Callable[[Domain], None]] = {
    "deterministic_state": check_deterministic_state,
    "tool_schemas": check_tool_schemas,
    "declarations": check_declarations,
    "sampled_tasks_replay": check_sampled_tasks_replay,
    "distinct_writes": check_distinct_writes,
    "writes_confined": check_writes_confined,
    "comparison": check_comparison,
}
"""The environment-level checks. ``apigen.blueprints.check_curated`` adds the
curated-blueprint replay for domains that ship blueprint files."""
