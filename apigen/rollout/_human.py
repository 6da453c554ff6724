"""The simulated human: its prompt, its flipped view of the conversation, best-of-N."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from typing import Any

from apigen.committee import find_json_objects
from apigen.errors import ProviderError
from apigen.llm.sim import ContextKey as K
from apigen.rollout._client import ModelClient, UsageBook, ask, derive_seed
from apigen.rollout._committee import transcript
from apigen.rollout._config import RolloutConfig
from apigen.types import Blueprint, Message

__all__ = ["STOP", "TRANSFER", "ask_human", "flipped_view", "human_ending", "human_system_prompt"]

STOP = "###STOP###"
TRANSFER = "###TRANSFER###"

_RULES = f"""Rules:
- You are the customer, not the agent. Write only your next message, in the first person.
- Start by saying what you want in general terms; give details (identifiers, amounts,
  choices) only when the agent asks for them or when they are needed, one piece at a time.
- Never invent facts that are not in your task. If asked something your task does not
  say, answer that you do not know.
- Confirm an action only when it matches your task exactly; otherwise decline.
- When everything in your task is done (or cannot be done), end with {STOP} on its own.
- If the agent transfers you to a human agent, answer {TRANSFER} on its own."""


def human_system_prompt(blueprint: Blueprint) -> str:
    """Instruction, persona and the role-play rules; never the tools or the actions."""
    persona = f"\n\nYour persona: {blueprint.persona}" if blueprint.persona else ""
    return (
        "You are a customer talking to a customer-service agent in a chat.\n\n"
        f"Your task:\n{blueprint.instruction}{persona}\n\n{_RULES}"
    )


def flipped_view(blueprint: Blueprint, messages: Sequence[Message], greeting: str) -> list[Message]:
    """The conversation as the human model sees it: the agent's text as ``user``, the
    human's own turns as ``assistant``; system prompts, tool calls and tool results
    are left out, and consecutive agent texts are joined. Opens with ``greeting``."""
    view = [Message(role="system", content=human_system_prompt(blueprint))]
    agent_text: list[str] = [greeting]
    for msg in messages:
        if msg.role == "assistant" and msg.content and msg.content.strip():
            agent_text.append(msg.content)
        elif msg.role == "user":
            if agent_text:
                view.append(Message(role="user", content="\n\n".join(agent_text)))
                agent_text = []
            view.append(Message(role="assistant", content=msg.content or ""))
    if agent_text:
        view.append(Message(role="user", content="\n\n".join(agent_text)))
    return view


def human_ending(text: str) -> str | None:
    """``transfer`` / ``stop`` when the human's message closes the conversation."""
    if TRANSFER in text:
        return "transfer"
    if STOP in text:
        return "stop"
    return None


async def ask_human(
    client: ModelClient,
    config: RolloutConfig,
    book: UsageBook,
    blueprint: Blueprint,
    messages: Sequence[Message],
    context: Callable[..., dict[str, Any]],
    turn: int,
) -> str:
    """The human's next message; best-of-N when ``config.human_candidates > 1``.

    Raises :class:`ProviderError` when the (every) human call failed.
    """
    view = flipped_view(blueprint, messages, config.greeting)
    n = config.human_candidates
    if n == 1:
        completion = await ask(client, book, "human", config.human_model, view, None, context())
        return completion.text or ""
    seeds = [derive_seed(context()[K.SEED], "human", turn, i) for i in range(n)]
    params = [{"temperature": config.human_temperature, "seed": s} for s in seeds]
    outcomes = await asyncio.gather(
        *(
            ask(client, book, "human", config.human_model, view, p, context(**{K.SEED: s}))
            for p, s in zip(params, seeds, strict=True)
        ),
        return_exceptions=True,
    )
    texts = [o.text or "" for o in outcomes if not isinstance(o, BaseException)]
    if not texts:
        failure = next(o for o in outcomes if isinstance(o, BaseException))
        raise failure
    if len(texts) == 1:
        return texts[0]
    choice = await _choose(client, config, book, blueprint, messages, texts, context)
    return texts[choice]


_CHOOSER = """You compare candidate next messages of a simulated customer. Pick the one that
follows the customer's task most faithfully: it reveals only what is needed now, invents
nothing, and sounds like a real person. Answer with a JSON object only:
{"choice": <index of the best candidate>, "rationale": "<one sentence>"}"""


async def _choose(
    client: ModelClient,
    config: RolloutConfig,
    book: UsageBook,
    blueprint: Blueprint,
    messages: Sequence[Message],
    texts: list[str],
    context: Callable[..., dict[str, Any]],
) -> int:
    """Index of the candidate a judge prefers; 0 when the judge fails or is unclear."""
    listing = "\n".join(f"[{i}] {t}" for i, t in enumerate(texts))
    prompt = (
        f"Customer's task:\n{blueprint.instruction}\n\nConversation so far:\n"
        f"{transcript(messages, tools=False)}\n\nCandidates:\n{listing}"
    )
    request = [Message(role="system", content=_CHOOSER), Message(role="user", content=prompt)]
    try:
        completion = await ask(
            client,
            book,
            "judge",
            config.chooser_model,
            request,
            None,
            context(**{K.CANDIDATES: texts}),
        )
    except ProviderError:
        return 0
    found, _ = find_json_objects(completion.text or "")
    choice = next((o["choice"] for o in reversed(found) if "choice" in o), None)
    if isinstance(choice, str) and re.fullmatch(r"\d+", choice.strip()):
        choice = int(choice)
    if isinstance(choice, int) and not isinstance(choice, bool) and 0 <= choice < len(texts):
        return choice
    return 0
