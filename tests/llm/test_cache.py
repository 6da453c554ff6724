"""Response cache: backends, keys, and the client serving repeats from it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from apigen.llm import DiskCache, LLMClient, MemoryCache
from apigen.llm._cache import context_digest, request_key
from apigen.types import Blueprint, Message, ToolCall
from tests.llm._server import FakeOpenAI, Reply, chat_body

USER = [Message(role="user", content="hi")]
MODEL = "openai/local-model"


def test_memory_cache_evicts_least_recently_used() -> None:
    cache = MemoryCache(max_entries=2)
    cache.set("a", "1")
    cache.set("b", "2")
    assert cache.get("a") == "1"  # a is now the most recent
    cache.set("c", "3")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("1", None, "3")
    assert len(cache) == 2


def test_disk_cache_persists_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cache.sqlite"
    first = DiskCache(path)
    first.set("k", "v1")
    first.set("k", "v2")
    first.close()
    second = DiskCache(path)
    assert second.get("k") == "v2" and second.get("other") is None
    second.close()


def test_request_key_covers_every_part() -> None:
    msgs = [{"role": "user", "content": "x"}]
    base = request_key("m", msgs, None, {"seed": 1}, "")
    assert base == request_key("m", [{"content": "x", "role": "user"}], [], {"seed": 1}, "")
    variants = [
        request_key("m2", msgs, None, {"seed": 1}, ""),
        request_key("m", [{"role": "user", "content": "y"}], None, {"seed": 1}, ""),
        request_key("m", msgs, [{"type": "function"}], {"seed": 1}, ""),
        request_key("m", msgs, None, {"seed": 2}, ""),
        request_key("m", msgs, None, {"seed": 1}, "ctx"),
    ]
    assert len({base, *variants}) == 6


class _Sandbox:
    def __init__(self, digest: str) -> None:
        self.digest = digest

    def state_hash(self) -> str:
        return self.digest


def test_context_digest_handles_records_and_sandboxes() -> None:
    blueprint = Blueprint(domain="toy", instruction="do", actions=(ToolCall(name="f"),))
    first = context_digest({"blueprint": blueprint, "sandbox": _Sandbox("h1"), "turn": 1})
    again = context_digest({"turn": 1, "sandbox": _Sandbox("h1"), "blueprint": blueprint})
    other = context_digest({"blueprint": blueprint, "sandbox": _Sandbox("h2"), "turn": 1})
    assert first == again and first != other and first
    assert context_digest(None) == ""
    assert context_digest({"live": object()}) is None


async def test_repeat_is_served_from_cache(
    server: FakeOpenAI, make_client: Callable[..., LLMClient]
) -> None:
    server.push(Reply(body=chat_body("first", usage=(10, 2))), Reply(body=chat_body("second")))
    client = make_client(cache=MemoryCache())
    first = await client.complete("agent", MODEL, USER, params={"seed": 1})
    again = await client.complete("judge", MODEL, USER, params={"seed": 1})
    assert len(server.requests) == 1
    assert again.cached and not first.cached
    assert again.text == "first" and again.cost_usd == 0.0 and again.role == "judge"
    assert again.attempts == 0
    judge = client.usage()["judge"]
    assert (judge.calls, judge.cache_hits, judge.prompt_tokens) == (1, 1, 0)
    different = await client.complete("agent", MODEL, USER, params={"seed": 2})
    assert different.text == "second" and not different.cached
    assert len(server.requests) == 2


async def test_disk_cache_serves_a_new_client(
    server: FakeOpenAI, make_client: Callable[..., LLMClient], tmp_path: Path
) -> None:
    server.push(Reply(body=chat_body("stored")))
    await make_client(cache=DiskCache(tmp_path / "c.sqlite")).complete("agent", MODEL, USER)
    again = await make_client(cache=DiskCache(tmp_path / "c.sqlite")).complete("agent", MODEL, USER)
    assert again.cached and again.text == "stored" and len(server.requests) == 1


async def test_context_is_keyed_for_sim_models_only() -> None:
    client = LLMClient(cache=MemoryCache())
    await client.complete("human", "sim/echo", USER, context={"task": 1})
    hit = await client.complete("human", "sim/echo", USER, context={"task": 1})
    miss = await client.complete("human", "sim/echo", USER, context={"task": 2})
    live = await client.complete("human", "sim/echo", USER, context={"task": object()})
    live_again = await client.complete("human", "sim/echo", USER, context={"task": object()})
    assert hit.cached and not miss.cached
    assert not live.cached and not live_again.cached  # undigestible context: never cached


async def test_context_does_not_split_real_model_keys(
    server: FakeOpenAI, make_client: Callable[..., LLMClient]
) -> None:
    client = make_client(cache=MemoryCache())
    await client.complete("agent", MODEL, USER, context={"task": 1, "member": 0})
    again = await client.complete("agent", MODEL, USER, context={"task": 2, "member": 0})
    assert again.cached and len(server.requests) == 1


async def test_call_identity_splits_real_model_keys(
    server: FakeOpenAI, make_client: Callable[..., LLMClient]
) -> None:
    client = make_client(cache=MemoryCache())
    for member in (0, 1, 0):
        await client.complete("agent", MODEL, USER, context={"member": member, "episode": "e"})
    await client.complete("agent", MODEL, USER, context={"member": 0, "episode": "f"})
    assert len(server.requests) == 3  # member 0 of episode e was served from the cache


def test_cache_backend_comes_from_config(tmp_path: Path) -> None:
    from apigen.llm import ModelsConfig

    disk = LLMClient(ModelsConfig.load(cache={"backend": "disk", "path": tmp_path / "c.sqlite"}))
    assert isinstance(disk.cache, DiskCache) and (tmp_path / "c.sqlite").exists()
    memory = LLMClient(ModelsConfig.load(cache={"backend": "memory", "max_entries": 5}))
    assert isinstance(memory.cache, MemoryCache)
    assert LLMClient().cache is None
