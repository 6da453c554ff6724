"""Names of the episode-context entries the ``sim/…`` models read.

Phase code builds the mapping it puts in :data:`apigen.llm._context.EPISODE_CONTEXT`
with these keys. ``ContextKey`` is a namespace of plain ``str`` constants, so
``{ContextKey.BLUEPRINT: bp}`` is a ``dict[str, ...]`` (what the context variable
holds) and equals ``{"blueprint": bp}``. Real models never see any of it.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ContextKey"]


class ContextKey:
    """Keys of the episode context, with the value each one holds and who reads it."""

    ENV: Final = "env"
    """``apigen.env.Environment``: the pristine environment (reviewer, judge; the
    agent and generator use it, when present, to test fault candidates)."""
    SANDBOX: Final = "sandbox"
    """``apigen.env.Sandbox``: the episode's sandbox (agent, judge)."""
    BLUEPRINT: Final = "blueprint"
    """``apigen.types.Blueprint``: the task (reviewer, judge, human, agent)."""
    TASK: Final = "task"
    """``apigen.env.TaskSketch``: the grounded task to write up (generator)."""
    PROMPT: Final = "prompt"
    """``dict``: the template variables a composing generator prompt renders (tools
    with entity kinds, write tools, entity neighbourhood, identity, policy, persona,
    feedback) — exactly what a real model is shown; ``sim/generator`` composes from it
    when no ``TASK`` is given."""
    PERSONA: Final = "persona"
    """``str``: the simulated customer's persona (generator)."""
    FEEDBACK: Final = "feedback"
    """``list[str]``: failure reasons of the previous validation round (generator);
    empty or absent in round 0."""
    ROUND: Final = "round"
    """``int``: feedback round, 0 for the first generation (generator)."""
    CRITERIA: Final = "criteria"
    """``list[str]``: criterion names to score (reviewer, judge); each role has defaults."""
    MESSAGES: Final = "messages"
    """``tuple[apigen.types.Message, ...]``: the finished conversation (judge)."""
    CANDIDATES: Final = "candidates"
    """``list[str]``: candidate human turns for best-of-N selection (judge)."""
    SEED: Final = "seed"
    """``int``: the run's seed; mixed with the ``seed`` knob into every random choice."""
    EPISODE: Final = "episode"
    """``str``: stable episode / attempt key; faults are planned once per key."""
    SIM: Final = "sim"
    """``Mapping[str, Any]``: knob overrides; they win over knobs in the model name."""
