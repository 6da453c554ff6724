"""How ``sim/judge`` rules on the points the code could not decide.

It reads them from its prompt, as a model would (:func:`apigen.env.read_review_points`),
never from the episode's violations: each point names the call it refers to as the
transcript shows it (``AGENT CALLS name({...})``). The sim finds that line in the
transcript, takes the agent's text that asked before the user's last message ahead
of the call (the confirmation request), and dismisses the point when that text
describes the call — it names the tool's verb or another word of its name, or one of
the call's values — and upholds it otherwise (also when the call is not found).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from apigen.env import REVIEW_HEADING, ReviewPoint, leaves, mentions, read_review_points
from apigen.llm.sim._common import Turn, humanize

__all__ = ["Ruling", "rule_on_points"]

_CALL = re.compile(r"^(?P<agent>.+?) CALLS (?P<name>[\w.-]+)\((?P<args>.*)\)$", re.S)
_TOOL = "TOOL "
_MINOR = frozenset({"to", "from", "by", "of", "for", "on", "in", "with", "the", "a", "an", "id"})


@dataclass(frozen=True)
class Ruling:
    """The sim's decision on one point: ``upheld`` (a real breach) and why."""

    point: ReviewPoint
    upheld: bool
    why: str

    def line(self) -> str:
        verdict = "upheld" if self.upheld else "dismissed"
        return f"review point {self.point.rule} {verdict}: {self.why}"


def _blocks(text: str, user: str, agent: str) -> list[tuple[str, str]]:
    """The conversation section of the prompt as (speaker, text) blocks: ``user``,
    ``agent``, ``call`` (the line as shown) or ``tool``; continuation lines join
    the block before them."""
    body = text.split("Conversation:\n", 1)[-1].split(f"\n\n{REVIEW_HEADING}", 1)[0]
    blocks: list[tuple[str, str]] = []
    for line in body.splitlines():
        if line.startswith(f"{user}: "):
            blocks.append(("user", line[len(user) + 2 :]))
        elif line.startswith(f"{agent}: "):
            blocks.append(("agent", line[len(agent) + 2 :]))
        elif line.startswith(f"{agent} CALLS "):
            blocks.append(("call", line))
        elif line.startswith(_TOOL):
            blocks.append(("tool", line))
        elif blocks:
            speaker, said = blocks[-1]
            blocks[-1] = (speaker, f"{said}\n{line}")
    return blocks


def _request(blocks: Sequence[tuple[str, str]], call: str) -> str | None:
    """The agent's text before the user's last message ahead of ``call`` (its last
    occurrence, whitespace folded); ``None`` when the call is not in the transcript."""
    want = " ".join(call.split())
    found = [
        k
        for k, (who, said) in enumerate(blocks)
        if who == "call" and " ".join(said.split()) == want
    ]
    if not found:
        return None
    at = found[-1]
    users = [k for k in range(at) if blocks[k][0] == "user"]
    if not users:
        return ""
    before = users[-2] if len(users) > 1 else -1
    return "\n".join(s for who, s in blocks[before + 1 : users[-1]] if who == "agent")


def _describes(text: str, name: str, arguments: object) -> bool:
    words = [w for w in humanize(name).split() if w.lower() not in _MINOR]
    if any(re.search(rf"\b{re.escape(w.rstrip('s'))}", text, re.I) for w in words):
        return True
    values = [v for v in leaves(arguments) if not isinstance(v, str) or len(v) > 1]
    return any(mentions(text, v) for v in values)


def _rule(point: ReviewPoint, blocks: Sequence[tuple[str, str]]) -> Ruling:
    match = _CALL.match(point.call)
    if match is None:
        return Ruling(point, True, "the point names no call I can find; I cannot clear it")
    request = _request(blocks, point.call)
    if request is None:
        return Ruling(point, True, f"{match['name']} is not in the transcript")
    try:
        arguments = json.loads(match["args"])
    except ValueError:
        arguments = {}
    if request and _describes(request, match["name"], arguments):
        return Ruling(point, False, f"the agent's request before {match['name']} describes it")
    return Ruling(point, True, f"the agent never said what {match['name']} would do")


def rule_on_points(turns: Sequence[Turn], user: str) -> list[Ruling]:
    """A ruling on every review point of the prompt (``turns``: the judge's messages;
    ``user``: the transcript's label of the user; the agent's is read off each call)."""
    for turn in turns:
        points = read_review_points(turn.content) if turn.role == "user" else []
        if points:
            rulings = []
            for p in points:
                match = _CALL.match(p.call)
                agent = match["agent"] if match else ""
                rulings.append(_rule(p, _blocks(turn.content, user, agent)))
            return rulings
    return []
