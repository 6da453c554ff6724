"""The simulated human: its prompt, its flipped view of the conversation, best-of-N."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from apigen.committee import Scale, Unreadable, find_json_objects, parse_answer
from apigen.env import Domain, protocol
from apigen.errors import ProviderError
from apigen.llm.sim import ContextKey as K
from apigen.rollout._client import ModelClient, RoleUsage, derive_seed
from apigen.rollout._committee import transcript
from apigen.rollout._config import RolloutConfig
from apigen.types import Blueprint, Message

__all__ = ["ask_human", "flipped_view", "human_system_prompt"]

_RULES = (
    "You play the person described above, not the one you talk to. Write only your next "
    "message, in the first person.",
    "Start by saying what you want in general terms; give details (identifiers, amounts, "
    "choices) only when asked for them or when they are needed, one piece at a time.",
    "Never invent facts that are not in your task. If asked something your task does not "
    "say, answer that you do not know.",
    "Confirm an action only when it matches your task exactly; otherwise decline.",
    "When everything in your task is done (or cannot be done), end with "
    f"{protocol.STOP} on its own.",
)
_TRANSFER_RULE = f"If you are transferred to another person, answer {protocol.TRANSFER} on its own."


def human_system_prompt(blueprint: Blueprint, domain: Domain) -> str:
    """Instruction, persona and the role-play rules; never the tools or the actions.

    Framed by ``domain.framing`` (who plays whom, extra rules); the transfer rule is
    given only when some tool of the domain hands off."""
    framing = domain.framing
    persona = f"\n\nYour persona: {blueprint.persona}" if blueprint.persona else ""
    rules = [*_RULES, *((_TRANSFER_RULE,) if domain.hands_off else ()), *framing.human_rules]
    listing = "\n".join(f"- {r}" for r in rules)
    return (
        f"You are {framing.user} talking to {framing.agent} in a chat.\n\n"
        f"Your task:\n{blueprint.instruction}{persona}\n\nRules:\n{listing}"
    )


def flipped_view(
    blueprint: Blueprint, messages: Sequence[Message], greeting: str, domain: Domain
) -> list[Message]:
    """The conversation as the human model sees it: the agent's text as ``user``, the
    human's own turns as ``assistant``; system prompts, tool calls and tool results
    are left out, and consecutive agent texts are joined. Opens with ``greeting``."""
    view = [Message(role="system", content=human_system_prompt(blueprint, domain))]
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


async def ask_human(
    client: ModelClient,
    config: RolloutConfig,
    book: RoleUsage,
    blueprint: Blueprint,
    messages: Sequence[Message],
    context: Callable[..., dict[str, Any]],
    turn: int,
    domain: Domain,
) -> str:
    """The human's next message; best-of-N when ``config.human_candidates > 1``.

    Raises :class:`ProviderError` when the (every) human call failed.
    """
    view = flipped_view(blueprint, messages, config.greeting, domain)
    n = config.human_candidates
    if n == 1:
        completion = await book.call(client, "human", None, view, context())
        return completion.text or ""
    seeds = [derive_seed(context()[K.SEED], "human", turn, i) for i in range(n)]
    params = [{"temperature": config.human_temperature, "seed": s} for s in seeds]
    outcomes = await asyncio.gather(
        *(
            book.call(client, "human", None, view, context(**{K.SEED: s}), p)
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
    choice, critique = await _choose(
        client, config, book, blueprint, messages, texts, context, domain
    )
    if critique is None:
        return texts[choice]
    return await _revise(client, book, view, texts[choice], critique, context, turn)


CHOOSER_SCALE = Scale(0, 10)
"""The 0-10 scale the best-of-N judge scores each candidate on (APIGen-MT)."""

_CHOOSER = """You compare candidate next messages of a simulated user. Score each candidate
from 0 (unusable) to 10 (perfect) for how faithfully it follows the user's task: it reveals
only what is needed now, invents nothing, does not act as the agent, and sounds like a real
person. Then critique the best candidate: what it should change, or "" if nothing.
Answer with a JSON object only:
{"scores": {"0": {"score": <0-10>, "reason": "..."}, "1": ...}, "critique": "..."}"""

_REVISE = """A reviewer read your draft reply and said: {critique}
Your draft was:
{draft}
Write your reply again, following your task and rules. Write only the message."""


async def _choose(
    client: ModelClient,
    config: RolloutConfig,
    book: RoleUsage,
    blueprint: Blueprint,
    messages: Sequence[Message],
    texts: list[str],
    context: Callable[..., dict[str, Any]],
    domain: Domain,
) -> tuple[int, str | None]:
    """The candidate the judge scores highest on 0-10 (ties: the first), and the
    judge's critique when that score is below ``config.human_min_score`` (then the
    human revises it). Candidate 0 without a critique when the judge fails or its
    answer is unreadable (a score outside 0-10 included)."""
    listing = "\n".join(f"[{i}] {t}" for i, t in enumerate(texts))
    framing = domain.framing
    said = transcript(messages, tools=False, user=framing.user_label, agent=framing.agent_label)
    prompt = (
        f"The user's task:\n{blueprint.instruction}\n\nConversation so far:\n"
        f"{said}\n\nCandidates:\n{listing}"
    )
    request = [Message(role="system", content=_CHOOSER), Message(role="user", content=prompt)]
    try:
        completion = await book.call(
            client, "judge", None, request, context(**{K.CANDIDATES: texts})
        )
    except ProviderError:
        return 0, None
    names = [str(i) for i in range(len(texts))]
    parsed = parse_answer(completion.text, names, CHOOSER_SCALE)
    if isinstance(parsed, Unreadable):
        return 0, None
    best = max(range(len(texts)), key=lambda i: (parsed.scores[names[i]], -i))
    found, _ = find_json_objects(completion.text or "")
    critique = next((o["critique"] for o in reversed(found) if "critique" in o), None)
    low = parsed.scores[names[best]] < config.human_min_score
    if low and isinstance(critique, str) and critique.strip():
        return best, critique.strip()
    return best, None


async def _revise(
    client: ModelClient,
    book: RoleUsage,
    view: list[Message],
    draft: str,
    critique: str,
    context: Callable[..., dict[str, Any]],
    turn: int,
) -> str:
    """Self-critique: the human rewrites its chosen draft given the judge's critique;
    the draft stands when the call fails or the revision is empty."""
    note = _REVISE.format(critique=critique, draft=draft)
    seed = derive_seed(context()[K.SEED], "human-revise", turn)
    asked = [*view, Message(role="user", content=note)]
    try:
        completion = await book.call(client, "human", None, asked, context(**{K.SEED: seed}))
    except ProviderError:
        return draft
    return (completion.text or "").strip() or draft
