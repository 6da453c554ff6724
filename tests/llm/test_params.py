"""Only parameters a provider supports are sent (litellm's capability data)."""

from __future__ import annotations

import pytest

from apigen.llm._params import split_params, supported_params
from apigen.types import Message
from tests.support.clients import role_client


@pytest.mark.parametrize(
    ("model", "dropped"),
    [
        ("anthropic/claude-sonnet-4-5", ("seed",)),
        ("claude-sonnet-4-5", ("seed",)),
        ("gpt-4.1", ()),
        ("hosted_vllm/Qwen/Qwen3-8B", ()),
        ("sim/human", ()),
        ("no-provider-knows-this-model", ()),
    ],
)
def test_best_of_n_parameters_per_provider(model: str, dropped: tuple[str, ...]) -> None:
    """What best-of-N sends (temperature and seed): Anthropic refuses ``seed``."""
    sent, gone = split_params(model, {"temperature": 1.0, "seed": 7, "thinking": {"x": 1}})
    assert gone == dropped
    assert set(sent) == {"temperature", "seed", "thinking"} - set(dropped)


def test_unknown_models_have_no_capability_data() -> None:
    assert supported_params("sim/agent") is None
    assert supported_params("no-provider-knows-this-model") is None
    known = supported_params("gpt-4.1")
    assert known is not None and "seed" in known


async def test_the_completion_names_what_was_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The call itself drops the parameter (the sim stands in for the provider: the
    capability lookup is the real one for an Anthropic model name)."""
    import apigen.llm._params as params

    real = params.supported_params

    def as_anthropic(model: str) -> frozenset[str] | None:
        return real("anthropic/claude-sonnet-4-5") if model == "sim/echo" else real(model)

    monkeypatch.setattr(params, "supported_params", as_anthropic)
    client = role_client(human="sim/echo")
    user = [Message(role="user", content="hi")]
    done = await client.complete("human", None, user, params={"seed": 3, "temperature": 0.5})
    assert done.dropped_params == ("seed",) and done.text == "hi"
    plain = await client.complete("human", None, user, params={"temperature": 0.5})
    assert plain.dropped_params == ()
