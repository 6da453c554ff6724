"""Usage ledger: per role and model, thread safe, snapshot and take."""

from __future__ import annotations

import threading

from apigen.llm import UsageLedger
from apigen.types import Usage


def test_counts_per_role_and_model() -> None:
    ledger = UsageLedger()
    ledger.add_call(
        "agent", "a", prompt_tokens=10, completion_tokens=2, cost_usd=0.5, retries=1, cached=False
    )
    ledger.add_call(
        "agent", "b", prompt_tokens=5, completion_tokens=1, cost_usd=None, retries=0, cached=False
    )
    ledger.add_call(
        "judge", "a", prompt_tokens=9, completion_tokens=9, cost_usd=0.0, retries=0, cached=True
    )
    ledger.add_failure("judge", "b", retries=3)
    by_role = ledger.by_role()
    assert by_role["agent"] == Usage(
        calls=2, prompt_tokens=15, completion_tokens=3, cost_usd=0.5, retries=1
    )
    assert by_role["judge"] == Usage(calls=1, errors=1, retries=3, cache_hits=1, cost_usd=0.0)
    by_model = ledger.by_model()
    assert by_model["b"].cost_usd is None and by_model["b"].errors == 1
    assert by_model["a"].calls == 2


def test_take_returns_deltas_and_resets() -> None:
    ledger = UsageLedger()
    ledger.add_call(
        "agent", "a", prompt_tokens=1, completion_tokens=1, cost_usd=None, retries=0, cached=False
    )
    assert ledger.take() == {("agent", "a"): Usage(calls=1, prompt_tokens=1, completion_tokens=1)}
    assert ledger.take() == {}
    ledger.add_failure("agent", "a", retries=0)
    assert ledger.snapshot()[("agent", "a")].errors == 1
    ledger.reset()
    assert ledger.by_role() == {}


def test_concurrent_writers_lose_nothing() -> None:
    ledger = UsageLedger()

    def work() -> None:
        for _ in range(2000):
            ledger.add_call(
                "agent",
                "a",
                prompt_tokens=1,
                completion_tokens=2,
                cost_usd=0.25,
                retries=0,
                cached=False,
            )

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    usage = ledger.by_role()["agent"]
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens) == (16000, 16000, 32000)
    assert usage.cost_usd == 4000.0


async def test_usage_scopes_count_concurrent_items_apart_on_one_client() -> None:
    import asyncio

    from apigen.llm import LLMClient
    from apigen.types import Message

    client = LLMClient()

    async def item(calls: int) -> dict[tuple[str, str], int]:
        with client.usage_scope() as scope:
            with client.usage_scope() as inner:
                await client.complete("agent", "sim/echo", [Message(role="user", content="x")])
            assert inner.snapshot()[("agent", "sim/echo")].calls == 1
            for _ in range(calls - 1):
                await client.complete("human", "sim/echo", [Message(role="user", content="y")])
        return {key: u.calls for key, u in scope.snapshot().items()}

    first, second = await asyncio.gather(item(1), item(3))
    assert first == {("agent", "sim/echo"): 1}
    assert second == {("agent", "sim/echo"): 1, ("human", "sim/echo"): 2}
    assert client.usage()["agent"].calls == 2 and client.usage()["human"].calls == 2
