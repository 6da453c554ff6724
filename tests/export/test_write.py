"""Splits, distractors, skipped records and all-or-nothing files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apigen.env import Domain, _registry, tool
from apigen.export import Exporter, ExportOptions, ExportRecord, register_exporter, write_dataset
from apigen.export._base import _EXPORTERS
from apigen.export._convert import Conversation
from apigen.types import Message
from tests.export.conftest import TOY_TOOLS, record


@tool("read")
def get_forecast(db: Any, city: str) -> str:
    """Get the forecast.

    Args:
        city: City name.
    """
    return "sunny"


@tool("read")
def get_user(db: Any, user_id: str) -> str:
    """A tool whose name clashes with the toy domain's.

    Args:
        user_id: Id.
    """
    return ""


@tool("write")
def set_alarm(db: Any, time: str) -> str:
    """Set an alarm.

    Args:
        time: HH:MM.
    """
    return time


class Weather(Domain):
    name = "weather-test"
    description = "Distractor source for tests."
    tools = (get_forecast, get_user, set_alarm)
    policy = "Be brief."

    def build_state(self, seed: int, scale: int = 1) -> dict[str, dict[str, Any]]:
        return {}

    def sample_task(self, db: Any, rng: Any, writes: Any) -> None:
        return None


def names(tools: list[dict[str, Any]]) -> list[str]:
    return [t["function"]["name"] for t in tools]


def test_split_is_deterministic_and_complete(tmp_path: Path) -> None:
    recs = [record(f"t{i}") for i in range(200)]

    def run(seed: int, name: str) -> tuple[list[str], list[str]]:
        res = write_dataset(
            recs,
            ExportOptions(format="openai", out=tmp_path / f"{name}.jsonl", split=0.8, seed=seed),
        )
        assert [f.path.name for f in res.files] == [f"{name}.train.jsonl", f"{name}.val.jsonl"]
        return tuple(f.path.read_text() for f in res.files)  # type: ignore[return-value]

    train, val = run(1, "a")
    assert run(1, "b") == (train, val)
    assert run(2, "c") != (train, val)
    n_train, n_val = len(train.splitlines()), len(val.splitlines())
    assert n_train + n_val == 200 and 140 <= n_train <= 185


@pytest.fixture
def weather(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Register the weather domain for one test only."""
    monkeypatch.setitem(_registry._registered, Weather.name, Weather())
    _registry.get_domain.cache_clear()
    yield
    _registry.get_domain.cache_clear()


@pytest.mark.usefixtures("weather")
def test_distractors_come_from_other_domains(tmp_path: Path) -> None:
    out = tmp_path / "d.jsonl"
    opts = ExportOptions(format="openai", out=out, distractors=2, seed=3)
    res = write_dataset([record(f"t{i}") for i in range(30)], opts)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    own = set(names(list(TOY_TOOLS)))
    others = {
        t.name
        for name in _registry.domain_names()
        if name != "toy"
        for t in _registry.get_domain(name).tools
    } - own  # a clashing name (weather's get_user) is left out
    assert {"get_forecast", "set_alarm"} <= others
    orders = set()
    for row in rows:
        got = names(row["tools"])
        assert len(got) == 7 and len(set(got)) == 7 and own <= set(got)
        assert len(set(got) - own) == 2 and set(got) - own <= others
        orders.add(tuple(got))
    assert len(orders) > 1  # shuffled per record
    again = tmp_path / "again.jsonl"
    write_dataset([record(f"t{i}") for i in range(30)], opts.model_copy(update={"out": again}))
    assert again.read_text() == out.read_text()
    res = write_dataset([record()], opts.model_copy(update={"distractors": 500, "out": again}))
    assert any("fewer than 500" in n for n in res.notes)


def test_bad_records_are_counted_and_skipped(tmp_path: Path) -> None:
    bad = ExportRecord(
        id="bad",
        domain="toy",
        tools=TOY_TOOLS,
        messages=(
            Message(role="user", content="a"),
            Message(role="user", content="b"),
            Message(role="assistant", content="c"),
        ),
    )
    out = tmp_path / "x.jsonl"
    res = write_dataset(
        [record("a"), bad, bad, record("b")], ExportOptions(format="openai", out=out)
    )
    assert (res.written, res.skipped) == (2, 2)
    assert res.skip_reasons == {"two user messages in a row": 2}
    assert len(out.read_text().splitlines()) == 2


def test_failure_leaves_no_partial_file(tmp_path: Path) -> None:
    @register_exporter
    class Exploding(Exporter):
        name = "exploding-test"
        description = "fails on the third record"

        def encode(self, conv: Conversation) -> Any:
            if conv.id == "t2":
                raise RuntimeError("disk on fire")
            return {"id": conv.id}

    out = tmp_path / "x.jsonl"
    out.write_text("previous export\n")
    try:
        with pytest.raises(RuntimeError, match="disk on fire"):
            write_dataset(
                [record(f"t{i}") for i in range(5)], ExportOptions(format="exploding-test", out=out)
            )
    finally:
        _EXPORTERS.unregister("exploding-test")
    assert out.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jsonl"]


def test_missing_output_directory(tmp_path: Path) -> None:
    from apigen.errors import ConfigError

    with pytest.raises(ConfigError, match="--out"):
        write_dataset([record()], ExportOptions(format="openai", out=tmp_path / "no" / "x.jsonl"))
