"""Phase-1 prompts and personas follow the domain's framing; neutral by default."""

from __future__ import annotations

from apigen.blueprints import AttemptSpec, Phase1Config, PromptTemplates, sample_context
from apigen.blueprints._attempt import template_variables
from apigen.env import Environment, Framing, load_environment
from tests.support.ledger import Ledger


def _prompt(env: Environment, domain: str, index: int = 0) -> str:
    ctx = sample_context(AttemptSpec(domain=domain, index=index), env, Phase1Config())
    variables = template_variables(ctx)
    return PromptTemplates().render(
        "generator.j2", **variables, feedback=[], previous=None, round=0
    )


def test_generator_prompt_is_neutral_by_default_and_framed_for_retail(
    toy_env: Environment,
) -> None:
    toy = _prompt(toy_env, "toy")
    assert "a simulated human plays a user talking to an assistant." in toy
    assert "customer" not in toy.split("## Tools")[0].lower()
    assert "The human authenticates with:" in toy  # the toy bank declares find_user
    retail = _prompt(load_environment("retail"), "retail")
    assert "plays a customer of an online store talking to a customer-service agent" in retail
    assert "the customer identifies by email, or by name and zip code" in retail


def test_a_world_without_authentication_is_not_asked_for_identity() -> None:
    prompt = _prompt(Ledger().load(), "ledger")
    assert "authenticates with" not in prompt and "identity used to authenticate" not in prompt


def test_personas_come_from_the_framing_when_the_domain_has_its_own() -> None:
    class Travellers(Ledger):
        framing = Framing(personas=("A backpacker on a budget.", "A pilot on leave."))

    env = Travellers().load()
    config = Phase1Config(persona_rate=1.0)
    drawn = {
        sample_context(AttemptSpec(domain="ledger", index=i), env, config).persona
        for i in range(12)
    }
    assert drawn == {"A backpacker on a budget.", "A pilot on leave."}
