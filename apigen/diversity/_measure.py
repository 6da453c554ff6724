"""Corpus-level diversity numbers for stats and the report."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from apigen.diversity._minhash import NearDuplicates

__all__ = ["Diversity", "distinct_ngrams", "measure"]

_TOKEN = re.compile(r"[a-z0-9']+")


class Diversity(BaseModel):
    """How varied a set of accepted blueprints is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    blueprints: int = 0
    """Accepted blueprints measured."""
    distinct_write_sequences: int = 0
    """Distinct ordered sequences of write tools among them."""
    tool_coverage: float | None = None
    """Tools used by their actions / tools the domain offers (its graph's nodes);
    ``None`` when the offered tools are unknown."""
    tools_used: int = 0
    tools_offered: int = 0
    instruction_distinct_2: float | None = None
    """Distinct word bigrams / word bigrams over all instructions (distinct-2)."""
    near_duplicate_instructions: int = 0
    """Instructions whose masked 3-word shingles are >= 0.8 Jaccard-similar (MinHash
    estimate) to an earlier one's."""


def distinct_ngrams(texts: Iterable[str], n: int = 2) -> float | None:
    """Distinct word ``n``-grams / ``n``-grams over ``texts`` (``None`` if there are none)."""
    grams: list[tuple[str, ...]] = []
    for text in texts:
        words = _TOKEN.findall(text.lower())
        grams += [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    return round(len(set(grams)) / len(grams), 4) if grams else None


def measure(
    instructions: Sequence[str],
    write_sequences: Sequence[Sequence[str]],
    tools_used: Iterable[str],
    tools_offered: Iterable[str] = (),
) -> Diversity:
    """The :class:`Diversity` of accepted blueprints given in order."""
    index = NearDuplicates()
    near = sum(index.add(str(i), text) is not None for i, text in enumerate(instructions))
    offered = set(tools_offered)
    used = set(tools_used) & offered if offered else set(tools_used)
    return Diversity(
        blueprints=len(instructions),
        distinct_write_sequences=len({tuple(s) for s in write_sequences}),
        tool_coverage=round(len(used) / len(offered), 4) if offered else None,
        tools_used=len(used),
        tools_offered=len(offered),
        instruction_distinct_2=distinct_ngrams(instructions),
        near_duplicate_instructions=near,
    )
