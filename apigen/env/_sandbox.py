"""The sandbox: one episode's private, copy-on-write view of a domain's state."""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

from apigen.env._frozen import thaw
from apigen.env._policy import PolicyContext
from apigen.env._state import _DELETED, DB, Database, Layer
from apigen.env._tool import Tool
from apigen.errors import ModelFacingError
from apigen.types import (
    Message,
    StateDiff,
    ToolCall,
    ToolError,
    ToolExecution,
    Violation,
    canonical_json,
)

if TYPE_CHECKING:  # type only: the domain module builds sandboxes, not the reverse
    from apigen.env._domain import Domain

__all__ = ["Sandbox"]

_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="apigen-tool")
    return _pool


class Sandbox:
    """A private, mutable view of a pristine :class:`Database`.

    Creating one copies nothing. :meth:`call` never raises for a bad call: an
    unknown tool, invalid arguments, an exception in the tool, a time-out or an
    oversized result all become a :class:`ToolExecution` whose ``error`` the model
    reads, and a failed call leaves the state exactly as it was (its writes are
    staged and only kept when the call succeeds).
    """

    def __init__(
        self,
        domain: Domain,
        database: Database,
        *,
        call_timeout: float | None = 5.0,
        max_result_chars: int = 50_000,
    ) -> None:
        self.domain = domain
        self._database = database
        self._tools: Mapping[str, Tool] = domain.tool_map
        self._overlay: Layer = {}
        self._session: dict[str, Any] = {}
        self._trace: list[ToolExecution] = []
        self.call_timeout = call_timeout
        self.max_result_chars = max_result_chars

    @classmethod
    def over(cls, domain: Domain, db: DB, **options: Any) -> Sandbox:
        """A scratch sandbox whose starting state is ``db`` (a domain's state as a
        sampler is handed it, or another sandbox's current view).

        A pristine view is shared, not copied; a view with changes is flattened
        once, and the view's session (live objects of an adapted domain) is deep-
        copied. Planners use it to make real calls without touching ``db``:
        ``Sandbox.over(domain, db, call_timeout=None)``.
        """
        database = db._database
        if any(db._layers):
            database = Database({t: dict(db[t].items()) for t in db.tables})
        box = cls(domain, database, **options)
        box._session = copy.deepcopy(db.session)
        return box

    def fork(self) -> Sandbox:
        """An independent copy of this sandbox: the same pristine state, its changes
        and trace copied (records are stored frozen, so each table copies shallowly;
        an adapted domain's session is deep-copied). Calls on either never reach the
        other: a what-if search tries continuations on forks."""
        box = type(self)(
            self.domain,
            self._database,
            call_timeout=self.call_timeout,
            max_result_chars=self.max_result_chars,
        )
        box._overlay = {table: dict(rows) for table, rows in self._overlay.items()}
        box._session = copy.deepcopy(self._session)
        box._trace = list(self._trace)
        return box

    @property
    def trace(self) -> tuple[ToolExecution, ...]:
        """Every call made so far, in order."""
        return tuple(self._trace)

    @property
    def db(self) -> DB:
        """A read-only view of the current state (pristine plus this sandbox's changes)."""
        return DB(self._database, (self._overlay,), writable=False, session=self._session)

    def call(self, call: ToolCall) -> ToolExecution:
        """Run one tool call; record and return what happened."""
        started = time.perf_counter()
        tool = self._tools.get(call.name)
        staging: Layer = {}
        if tool is None:
            known = ", ".join(sorted(self._tools))
            unknown = ToolError(
                kind="unknown_tool", message=f"unknown tool {call.name!r}; tools: {known}"
            )
            return self._record(call, None, unknown, False, False, started)
        output: Any = None
        error: ToolError | None = None
        try:
            args = tool.validate(call.arguments)
        except ValueError as exc:
            error = ToolError(kind="invalid_arguments", message=str(exc))
        else:
            output, error = self._run(tool, args, staging)
        if error is None:
            output, error = self._check_output(output)
        changed = False
        if error is None:
            changed = self._commit(staging)
        return self._record(call, output, error, tool.kind == "write", changed, started)

    def replay(self, calls: Iterable[ToolCall]) -> list[ToolExecution]:
        """Run ``calls`` in order and return their executions."""
        return [self.call(c) for c in calls]

    def policy_violations(
        self, call: ToolCall, messages: Sequence[Message] | None = None
    ) -> list[Violation]:
        """The domain's policy checks for ``call`` made now, before it runs.

        ``messages`` is the conversation so far (``None`` when judging a bare action
        list, where conversation rules such as confirmation cannot apply).
        """
        ctx = PolicyContext(
            db=self.db,
            call=call,
            tool=self._tools.get(call.name),
            index=len(self._trace),
            history=tuple(self._trace),
            messages=tuple(messages) if messages is not None else None,
            tools=self._tools,
        )
        found: list[Violation] = []
        for check in self.domain.policy_checks:
            found.extend(check(ctx))
        return found

    def diff(self) -> StateDiff:
        """Net change against the pristine state, canonical and order-independent.

        Cost is proportional to the records this sandbox wrote, not to the state.
        """
        out: StateDiff = {}
        for table in sorted(self._overlay):
            base = self._database.table(table)
            rows: dict[str, dict[str, Any]] = {}
            layer = self._overlay[table]
            for key in sorted(layer):
                after = layer[key]
                after = None if after is _DELETED else after
                before = base.get(key)
                if before != after:
                    rows[key] = {"before": thaw(before), "after": thaw(after)}
            if rows:
                out[table] = rows
        return out

    def state_hash(self) -> str:
        """SHA-256 of the canonical diff: equal for equal net changes."""
        return hashlib.sha256(canonical_json(self.diff()).encode()).hexdigest()

    # -- internals -------------------------------------------------------------

    def _run(
        self, tool: Tool, args: dict[str, Any], staging: Layer
    ) -> tuple[Any, ToolError | None]:
        db = DB(
            self._database,
            (staging, self._overlay),
            writable=tool.kind == "write",
            session=self._session,
        )
        try:
            if self.call_timeout is None:
                return tool.fn(db, **args), None
            future = _executor().submit(tool.fn, db, **args)
            return future.result(timeout=self.call_timeout), None
        except FutureTimeout:
            staging.clear()  # an abandoned call must not land later
            msg = f"{tool.name} timed out after {self.call_timeout:g}s"
            return None, ToolError(kind="timeout", message=msg)
        except ModelFacingError as exc:  # ToolFailure, NotFound: the message is for the model
            return None, ToolError(kind="tool_error", message=str(exc))
        except Exception as exc:
            return None, ToolError(kind="tool_error", message=f"{type(exc).__name__}: {exc}")

    def _check_output(self, output: Any) -> tuple[Any, ToolError | None]:
        try:
            text = json.dumps(output, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            return None, ToolError(kind="tool_error", message=f"result is not JSON: {exc}")
        if len(text) > self.max_result_chars:
            msg = f"result has {len(text)} characters (limit {self.max_result_chars})"
            return None, ToolError(kind="result_too_large", message=msg)
        return thaw(output), None

    def _commit(self, staging: Layer) -> bool:
        changed = False
        for table, rows in staging.items():
            if not rows:
                continue
            target = self._overlay.setdefault(table, {})
            base = self._database.table(table)
            for key, value in rows.items():
                current = target.get(key, base.get(key, _DELETED))
                if current != value:
                    changed = True
                target[key] = value
        return changed

    def _record(
        self,
        call: ToolCall,
        output: Any,
        error: ToolError | None,
        write: bool,
        changed: bool,
        started: float,
    ) -> ToolExecution:
        execution = ToolExecution(
            call=call,
            output=output,
            error=error,
            write=write,
            changed=changed,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )
        self._trace.append(execution)
        return execution
