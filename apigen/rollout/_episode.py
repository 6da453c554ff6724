"""One episode: the human and the agent take turns in a private sandbox; then acceptance."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Any

from apigen.env import Environment, protocol
from apigen.errors import ProviderError
from apigen.llm.sim import ContextKey as K
from apigen.rollout._accept import ending_verdict, policy_verdict, unmet_reasons
from apigen.rollout._blame import failure_verdict
from apigen.rollout._client import CompletionLike, ModelClient, OutputErrorLike, RoleUsage
from apigen.rollout._config import RolloutConfig
from apigen.rollout._human import ask_human
from apigen.rollout._truth import GroundTruth, changed_records, ground_truth, irreversible
from apigen.rollout._verifiers import VerifierInput, run_verifiers
from apigen.types import (
    Blueprint,
    Message,
    StateDiff,
    ToolCall,
    ToolExecution,
    Trajectory,
    Verdict,
    Violation,
    canonical_json,
)

__all__ = ["blueprint_ref", "run_episode"]


def blueprint_ref(blueprint: Blueprint) -> str:
    """The blueprint's id, or its fingerprint when it has none yet."""
    return blueprint.id or blueprint.fingerprint()


class _Episode:
    """The mutable state of one episode while it is played."""

    def __init__(
        self,
        blueprint: Blueprint,
        trial: int,
        env: Environment,
        client: ModelClient,
        config: RolloutConfig,
        seed: int,
        truth: GroundTruth,
    ) -> None:
        self.blueprint, self.env, self.client, self.config = blueprint, env, client, config
        self.seed, self.truth, self.trial = seed, truth, trial
        self.key = f"{blueprint_ref(blueprint)}:{trial}"
        self.box = env.sandbox()
        self.messages: list[Message] = [Message(role="system", content=env.domain.policy)]
        self.tools = [t.schema for t in env.domain.tools]
        self.book = RoleUsage()
        self.violations: list[Violation] = []
        self.early: tuple[str, ...] = ()
        self.turns = self.calls = self.errors_in_row = 0
        self._diff: StateDiff = {}

    def context(self, **extra: Any) -> dict[str, Any]:
        """The structured episode context ``sim/…`` models read (real models never do)."""
        ctx: dict[str, Any] = {
            K.ENV: self.env,
            K.SANDBOX: self.box,
            K.BLUEPRINT: self.blueprint,
            K.PERSONA: self.blueprint.persona,
            K.MESSAGES: tuple(self.messages),
            K.SEED: self.seed,
            K.EPISODE: self.key,
        }
        ctx.update(extra)
        return ctx

    async def play(self) -> str:
        """Alternate human and agent turns until something ends the episode."""
        while True:
            if self.turns >= self.config.max_turns:
                return "max_turns"
            if self.turns == self.config.max_turns - 1:
                ending = self._out_of_budget(outputs=True)
                if ending is not None:
                    return ending
            text = await ask_human(
                self.client,
                self.config,
                self.book,
                self.blueprint,
                self.messages,
                self.context,
                self.turns,
                self.env.domain,
            )
            self.turns += 1
            self.messages.append(Message(role="user", content=text))
            ending = protocol.ending(text) or await self.agent_turn()
            if ending is not None:
                return ending

    async def agent_turn(self) -> str | None:
        """Agent calls until it answers with text only; an ending, or ``None``."""
        while True:
            completion = await self.book.call(
                self.client, "agent", None, list(self.messages), self.context(), tools=self.tools
            )
            message, malformed = _assistant_message(completion, len(self.messages))
            if not message.tool_calls:
                if message.content and message.content.strip():
                    self.messages.append(message)
                    return None
                self.errors_in_row += 1  # an empty answer: ask again
                if self.errors_in_row >= self.config.max_consecutive_errors:
                    return "max_errors"
                continue
            self.messages.append(message)
            for call in message.tool_calls:
                if self.calls >= self.config.max_tool_calls:
                    return "max_tool_calls"
                ending = self.run_call(call, malformed.get(call.id or ""))
                if ending is not None:
                    return ending

    def run_call(self, call: ToolCall, malformed: OutputErrorLike | None) -> str | None:
        """Check policy, execute, answer with a tool message; an ending, or ``None``."""
        self.calls += 1
        if malformed is not None:
            self._answer(call, f"Error: {malformed.message}")
            self.errors_in_row += 1
        else:
            flagged = self.box.policy_violations(call, self.messages)
            execution = self.box.call(call)
            self._answer(call, _tool_content(execution))
            self.errors_in_row = 0 if execution.ok else self.errors_in_row + 1
            self.violations.extend(flagged)
            ending = self._early_rejection(flagged, execution)
            if ending is None and self.calls >= self.config.max_tool_calls:
                ending = self._out_of_budget(outputs=False)
            if ending is not None:
                return ending
        if self.errors_in_row >= self.config.max_consecutive_errors:
            return "max_errors"
        return None

    def _early_rejection(self, flagged: list[Violation], execution: ToolExecution) -> str | None:
        # Sound only while the verdict it anticipates (policy, state) is configured.
        if not self.config.early_rejection:
            return None
        sound = [v for v in flagged if v.sound]  # unsound rules go to the committee
        if sound and "policy" in self.config.verifiers:
            self.early = policy_verdict(sound).reasons
            return "early_reject:policy"
        if execution.changed and "state" in self.config.verifiers:
            after = self.box.diff()
            reasons = irreversible(self.env.domain, self.truth, changed_records(self._diff, after))
            self._diff = after
            if reasons:
                self.early = tuple(f"{execution.call.name}: {r}" for r in reasons)
                return "early_reject:irreversible"
        return None

    def _out_of_budget(self, *, outputs: bool) -> str | None:
        """``early_reject:budget`` when the limits leave the agent no turn to finish
        and the state (or, with ``outputs``, an expected output) is still unmet: with
        one human message left, that message either ends the episode (no agent turn
        follows a ``###STOP###``) or is followed by ``max_turns``; with the tool calls
        spent, no write can run. Sound only for the configured verifiers it anticipates."""
        if not self.config.early_rejection:
            return None
        unmet = unmet_reasons(
            self.box.diff(),
            self.truth,
            self.config.verifiers,
            comparison=self.env.domain.comparison,
            expected=self.blueprint.outputs if outputs else None,
            messages=self.messages,
        )
        if not unmet:
            return None
        self.early = (f"no turn left to finish: {unmet[0]}", *unmet[1:])
        return "early_reject:budget"

    async def judged(self, ending: str, started: float) -> Trajectory:
        """The finished episode's trajectory: ending verdict, early rejection, verifiers."""
        diff = self.box.diff()
        verdicts = [ending_verdict(ending)]
        if self.early:
            verdicts.append(Verdict(verifier="early_reject", passed=False, reasons=self.early))
        messages = tuple(self.messages)
        verdicts += await run_verifiers(
            self.config.verifiers,
            VerifierInput(
                blueprint=self.blueprint,
                env=self.env,
                messages=messages,
                diff=diff,
                truth=self.truth,
                violations=tuple(self.violations),
                ending=ending,
                verdicts=tuple(verdicts),
                client=self.client,
                config=self.config,
                book=self.book,
                context=self.context,
                judges=self.client.members("judge"),
            ),
        )
        if not all(v.passed for v in verdicts):
            blame = failure_verdict(ending, verdicts, diff, self.truth.diff)
            verdicts += [blame] if blame is not None else []
        shape = [m.model_dump(mode="json") for m in messages]
        digest = canonical_json([self.key, self.seed, shape])
        return Trajectory(
            id=hashlib.sha256(digest.encode()).hexdigest()[:16],
            blueprint_id=blueprint_ref(self.blueprint),
            domain=self.blueprint.domain,
            trial=self.trial,
            messages=messages,
            final_diff=diff,
            verdicts=tuple(verdicts),
            accepted=all(v.passed for v in verdicts),
            ending=ending,
            turns=self.turns,
            tool_calls=self.calls,
            usage=self.book.snapshot(),
            duration_s=round(time.perf_counter() - started, 4),
        )

    def _answer(self, call: ToolCall, content: str) -> None:
        self.messages.append(
            Message(role="tool", content=content, tool_call_id=call.id, name=call.name)
        )

    def close_open_calls(self, ending: str) -> None:
        """Answer the tool calls the episode ended before running, so the list stays valid."""
        last = next((m for m in reversed(self.messages) if m.role == "assistant"), None)
        if last is None:
            return
        answered = {m.tool_call_id for m in self.messages if m.role == "tool"}
        for call in last.tool_calls:
            if call.id not in answered:
                self._answer(call, f"Error: not executed: the episode ended ({ending})")


def _tool_content(execution: ToolExecution) -> str:
    if execution.error is not None:
        return f"Error: {execution.error.message}"
    return json.dumps(execution.output, ensure_ascii=False)


def _assistant_message(
    completion: CompletionLike, position: int
) -> tuple[Message, dict[str, OutputErrorLike]]:
    """The assistant message to record: well-formed calls (ids guaranteed) followed by
    the malformed ones, kept with ``{}`` arguments unless they were a JSON object."""
    calls = [
        c if c.id else c.model_copy(update={"id": f"call_{position}_{n}"})
        for n, c in enumerate(completion.tool_calls)
    ]
    malformed: dict[str, OutputErrorLike] = {}
    for n, err in enumerate(completion.errors):
        call_id = err.call_id or f"call_{position}_bad{n}"
        calls.append(ToolCall(name=err.tool or "unknown", arguments=_object(err.raw), id=call_id))
        malformed[call_id] = err
    message = Message(
        role="assistant",
        content=completion.text,
        tool_calls=tuple(calls),
        reasoning=completion.reasoning,
        # Anthropic thinking blocks go back to the provider with the message
        thinking_blocks=tuple(getattr(completion, "thinking_blocks", ()) or ()),
    )
    return message, malformed


def _object(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


async def run_episode(
    blueprint: Blueprint,
    trial: int,
    *,
    env: Environment,
    client: ModelClient,
    config: RolloutConfig,
    seed: int,
    truth: GroundTruth | None = None,
) -> Trajectory:
    """Play one episode of ``blueprint`` and judge it; see the package docstring."""
    truth = truth if truth is not None else ground_truth(env, blueprint)
    ep = _Episode(blueprint, trial, env, client, config, seed, truth)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(config.max_episode_s):
            ending = await ep.play()
    except TimeoutError:
        ending = "max_duration"
    except ProviderError as exc:
        ending = f"provider_error:{exc.kind}"
    ep.close_open_calls(ending)
    return await ep.judged(ending, started)
