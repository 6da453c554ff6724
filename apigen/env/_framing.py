"""How a domain frames its conversations: who plays whom, labels, human-simulator
rules, guidance for blueprint writers, personas. Core defaults are neutral."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Framing"]


class Framing(BaseModel):
    """A domain's framing (``Domain.framing``); every field has a neutral default.

    Read by the human simulator's prompt, the blueprint prompts, the trajectory
    committee's transcript and the context sampler (personas).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    user: str = "a user"
    """Who the human simulator plays, with its article ("a customer of an online
    store"). Default ``"a user"``."""
    agent: str = "an assistant"
    """Whom the user talks to, with its article ("a customer-service agent").
    Default ``"an assistant"``."""
    user_label: str = "USER"
    """The user's label in transcripts shown to judges. Default ``"USER"``."""
    agent_label: str = "ASSISTANT"
    """The agent's label in transcripts shown to judges. Default ``"ASSISTANT"``."""
    human_rules: tuple[str, ...] = ()
    """Extra rules for the human simulator, one sentence each, after the core rules.
    Default none."""
    generator_notes: str = ""
    """Extra guidance for the blueprint generator (what tasks in this world look like).
    Default empty."""
    personas: tuple[str, ...] = ()
    """Personas the context sampler draws from; empty means the core's neutral list
    (``apigen/blueprints/data/personas.txt``). Default empty."""
