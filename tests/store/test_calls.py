"""Per-tool failed and invalid-argument calls and parallel-call turns, counted at ingest
on real model output (τ²-bench, claude-sonnet-4-5) and on broken variants of it."""

from __future__ import annotations

from pathlib import Path

from apigen.store import Store
from apigen.store._calls import arguments_invalid, count_calls, parameters_by_tool
from apigen.types import Message, ToolCall
from tests.export.conftest import tau2_records
from tests.store.conversations import trajectory

RECORDS = tau2_records()
TOOLS = RECORDS[0].tools
PARAMS = parameters_by_tool(TOOLS)


def _corpus_truth() -> tuple[int, int, int]:
    """Counted the plain way: calls, tool answers starting 'Error', multi-call turns."""
    calls = sum(len(m.tool_calls) for r in RECORDS for m in r.messages)
    errors = sum(
        1
        for r in RECORDS
        for m in r.messages
        if m.role == "tool" and (m.content or "").startswith("Error")
    )
    parallel = sum(1 for r in RECORDS for m in r.messages if len(m.tool_calls) > 1)
    return calls, errors, parallel


def test_real_conversations_are_counted_as_they_are() -> None:
    calls, errors, parallel = _corpus_truth()
    totals = [0, 0, 0]
    turns = 0
    for r in RECORDS:
        counts, p = count_calls(r.messages, PARAMS)
        turns += p
        for row in counts.values():
            totals = [a + b for a, b in zip(totals, row, strict=True)]
    assert totals[0] == calls > 100
    assert totals[1] == errors >= 1  # the corpus has a failed book_reservation
    assert totals[2] == 0  # a real model's calls against their own schemas
    assert turns == parallel > 10  # claude issues parallel calls in τ²


def test_broken_arguments_are_invalid() -> None:
    real = next(c for r in RECORDS for m in r.messages for c in m.tool_calls if c.arguments)
    params = next(t["function"]["parameters"] for t in TOOLS if t["function"]["name"] == real.name)
    assert not arguments_invalid(real, PARAMS[real.name])  # the compiled check agrees
    required = list(params.get("required", ()))
    assert not arguments_invalid(real, params)
    missing = {k: v for k, v in real.arguments.items() if k != required[0]}
    assert arguments_invalid(real.model_copy(update={"arguments": missing}), params)
    extra = {**real.arguments, "not_a_parameter": 1}
    assert arguments_invalid(real.model_copy(update={"arguments": extra}), params)
    first = required[0]
    wrong = {**real.arguments, first: {"nested": True}}
    assert arguments_invalid(real.model_copy(update={"arguments": wrong}), params)
    assert arguments_invalid(ToolCall(name="nope", arguments={}), None)


def test_json_types_are_strict() -> None:
    params = {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "x": {"type": "number"},
            "kind": {"type": "string", "enum": ["a", "b"]},
            "maybe": {"type": ["string", "null"]},
        },
        "required": ["n"],
    }
    ok = ToolCall(name="t", arguments={"n": 1, "x": 2, "kind": "a", "maybe": None})
    assert not arguments_invalid(ok, params)
    for bad in ({"n": True}, {"n": "1"}, {"n": 1.5}, {"n": 1, "kind": "c"}, {"n": 1, "x": "2"}):
        assert arguments_invalid(ToolCall(name="t", arguments=bad), params), bad


def test_without_a_tool_snapshot_arguments_are_not_checked() -> None:
    msgs = (
        Message(role="assistant", tool_calls=(ToolCall(name="t", arguments={"a": 1}, id="c1"),)),
        Message(role="tool", content="Error: no such thing", tool_call_id="c1", name="t"),
    )
    assert count_calls(msgs, None) == ({"t": [1, 1, 0]}, 0)


def test_stats_report_rates_per_tool_and_parallel_share(tmp_path: Path) -> None:
    broken = list(RECORDS[:10])
    # one call per conversation loses its required arguments
    trajs = []
    for i, r in enumerate(broken):
        msgs = list(r.messages)
        k = next(j for j, m in enumerate(msgs) if m.tool_calls)
        call = msgs[k].tool_calls[0]
        emptied = (call.model_copy(update={"arguments": {}}), *msgs[k].tool_calls[1:])
        msgs[k] = msgs[k].model_copy(update={"tool_calls": emptied})
        base = trajectory(key=f"bp{i}", accepted=i % 2 == 0)
        trajs.append(base.model_copy(update={"messages": tuple(msgs), "domain": "airline"}))
    with Store.open(str(tmp_path / "c.db")) as store:
        run = store.start_run({}, domain="airline", tools=TOOLS, policy="p")
        for i, t in enumerate(trajs):
            store.write_item(run.id, i, trajectories=[t])
        stats = store.stats(run.id)
    expected: dict[str, list[int]] = {}
    for t in trajs:
        for name, row in count_calls(t.messages, PARAMS)[0].items():
            acc = expected.setdefault(name, [0, 0, 0])
            acc[:] = [a + b for a, b in zip(acc, row, strict=True)]
    got = {u.tool: [u.calls, u.failed, u.invalid_arguments] for u in stats.tools}
    assert got == expected
    assert sum(u.invalid_arguments for u in stats.tools) >= 10
    with_parallel = [t for t in trajs if any(len(m.tool_calls) > 1 for m in t.messages)]
    assert stats.parallel_episodes == len(with_parallel) > 0
    assert stats.parallel_accepted == sum(t.accepted for t in with_parallel)
