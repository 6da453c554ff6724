"""Names of the episode-context entries the ``sim/…`` models read.

Phase code builds the mapping it puts in :data:`apigen.llm._context.EPISODE_CONTEXT`
with these keys (``ContextKey`` members are ``str``, so ``{ContextKey.BLUEPRINT: bp}``
and ``{"blueprint": bp}`` are the same mapping). Real models never see any of it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ContextKey"]


class ContextKey(StrEnum):
    """Keys of the episode context, with the value each one holds and who reads it."""

    ENV = "env"
    """``apigen.env.Environment``: the pristine environment (reviewer, judge; the
    agent and generator use it, when present, to test fault candidates)."""
    SANDBOX = "sandbox"
    """``apigen.env.Sandbox``: the episode's sandbox (agent, judge)."""
    BLUEPRINT = "blueprint"
    """``apigen.types.Blueprint``: the task (reviewer, judge, human, agent)."""
    TASK = "task"
    """``apigen.env.TaskSketch``: the grounded task to write up (generator)."""
    PERSONA = "persona"
    """``str``: the simulated customer's persona (generator)."""
    FEEDBACK = "feedback"
    """``list[str]``: failure reasons of the previous validation round (generator);
    empty or absent in round 0."""
    ROUND = "round"
    """``int``: feedback round, 0 for the first generation (generator)."""
    CRITERIA = "criteria"
    """``list[str]``: criterion names to score (reviewer, judge); each role has defaults."""
    MESSAGES = "messages"
    """``tuple[apigen.types.Message, ...]``: the finished conversation (judge)."""
    CANDIDATES = "candidates"
    """``list[str]``: candidate human turns for best-of-N selection (judge)."""
    SEED = "seed"
    """``int``: the run's seed; mixed with the ``seed`` knob into every random choice."""
    EPISODE = "episode"
    """``str``: stable episode / attempt key; faults are planned once per key."""
    SIM = "sim"
    """``Mapping[str, Any]``: knob overrides; they win over knobs in the model name."""
