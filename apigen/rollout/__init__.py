"""Phase 2: a simulated human and an agent role-play each blueprint; acceptance decides.

Contract
--------
``await run_trials(blueprint, env=, client=, config=, seed=) -> TrialsResult``
    Up to ``config.trials`` episodes of one blueprint, each in a fresh
    :class:`apigen.env.Sandbox`. Returns every :class:`apigen.types.Trajectory`
    (accepted or not: a rejection is data), the accepted ones without duplicates,
    and the usage of all of them. Deterministic for ``seed``: the episode seed is
    derived from (``seed``, blueprint reference, trial), so the same inputs give
    the same messages, verdicts and endings. Never raises for model behaviour or
    provider failures; only programming errors escape.

``await run_episode(blueprint, trial, env=, client=, config=, seed=, truth=) -> Trajectory``
    One episode. The human speaks first (it sees ``config.greeting`` as the agent's
    opening line, which is not recorded). Each human turn is followed by agent
    calls until the agent answers with text and no tool call.

    - The human model receives a system prompt (instruction + persona + rules,
      framed by the domain's ``framing``), then the conversation with roles flipped
      (the agent's text as ``user``, its own earlier turns as ``assistant``); it
      never sees tools, tool calls or tool results. The markers of
      :mod:`apigen.env.protocol` end the episode: ``###STOP###`` (``stop``),
      ``###TRANSFER###`` (``transfer``). With ``config.human_candidates > 1`` each turn samples N
      candidates (``temperature`` and a per-candidate ``seed``; the client drops what a
      provider does not take) and the ``judge`` role's first model scores each 0-10
      (range-checked by :func:`apigen.committee.parse_answer`; unreadable: candidate
      0); the highest wins. Self-critique: when the winner scores below
      ``config.human_min_score``, the human rewrites it once given the judge's critique.
    - The agent model receives the domain policy as system prompt, the
      conversation, and the domain's tools. Each tool call is first judged by
      ``sandbox.policy_violations(call, messages)``, then runs with
      ``sandbox.call``; the result goes back as a ``tool`` message (JSON of the
      output, or ``Error: <message>``). A malformed call reported in
      ``Completion.errors`` is kept in the assistant message (arguments ``{}``
      when they were not a JSON object) and answered with an error tool message,
      so the conversation stays a valid OpenAI message list. Reasoning content is
      kept in ``Message.reasoning``.
    - Limits (:class:`RolloutConfig`): human turns, tool calls, consecutive
      errors, wall-clock seconds. Hitting one ends the episode with ``max_turns``,
      ``max_tool_calls``, ``max_errors`` or ``max_duration``. A
      :class:`apigen.errors.ProviderError` ends it with ``provider_error:<kind>``.
      Tool calls the agent asked for but that never ran because the episode ended
      are answered with an ``Error: not executed`` tool message.
    - Early rejection (``config.early_rejection``): right after a tool call the
      episode stops as ``early_reject:policy`` when a sound policy check flagged the
      call (an unsound rule's violation never stops one), or
      ``early_reject:irreversible`` when a write left a record that differs
      from its ground-truth final value and ``domain.reachable`` says the tools
      can no longer fix it. ``early_reject:budget``: before the human's last message
      (``max_turns`` − 1 asked) or right after the last tool call the limits allow,
      when the state (before the last message: or an expected output) is still
      unmet (:func:`unmet_reasons`, which the bench oracle shares) — the last
      message either ends the episode or is followed by
      ``max_turns``, and no write can follow the last call. Each condition makes
      acceptance impossible (the ``policy``, ``state`` or ``outputs`` verdict or the
      ending must fail), so early rejection never stops an episode that would have
      been accepted; each fires only while the verifier it anticipates is in
      ``config.verifiers``.

Acceptance (each a :class:`apigen.types.Verdict`; accepted iff all pass)
    ``ending``     the human ended the conversation (``stop`` or ``transfer``).
    ``early_reject`` present only when early rejection fired; says why.
    Then the verifiers named by ``config.verifiers``, in order, each registered by
    name (:func:`register_verifier`, :func:`verifier_names`; plug-ins also through
    the ``apigen.verifiers`` entry-point group) and given a :class:`VerifierInput`
    (the blueprint, the final messages and diff, the ground truth, the flagged
    violations, the verdicts so far, the client). Built-ins, the default list:
    ``state``      the final diff equals the diff of replaying the blueprint's
                   actions in a fresh sandbox; reasons name differing records.
    ``outputs``    every expected output appears in the agent's messages
                   (rule: :func:`output_present`).
    ``policy``     no tool call of the episode was flagged by the policy checks.
    ``committee``  the ``judge`` role's models (``client.members("judge")``; repeats become members
                   ``model#1``, ``model#2``…) vote on policy adherence,
                   faithfulness and the human's realism through
                   :class:`apigen.committee.Committee`: scores range-checked on
                   0-1, an unreadable answer re-asked with its reason and, after
                   ``config.judge_attempts`` asks, an abstention (as is a provider
                   error); strict majority of cast votes
                   (:class:`apigen.committee.CastMajority`). Off when not in
                   ``config.verifiers``; registered ``after_pass``: only asked when every
                   verdict before it passed.
    ``failed_by``  not a check: a rejected episode whose verdicts tell who failed carries
                   ``Verdict(verifier="failed_by", passed=False, reasons=(party, why))``,
                   party ``agent``, ``human`` (the user simulator), ``environment``
                   (provider failure, time limit) or ``verifier`` (no readable judge
                   vote); rules in ``_blame.failed_by``. Stats count it
                   (``Stats.failure_rates``); the funnel leaves it out.
    ``dedup``      added by :func:`run_trials` to an accepted trajectory whose tool
                   calls and messages repeat an earlier accepted one of the blueprint.

Re-verification (``apigen trajectories verify``)
    ``await reverify(record, blueprint, env=, config=, client=None) -> Trajectory``
    judges a recorded conversation again without regenerating it: the recorded
    ``tool`` messages are dropped, every assistant tool call runs again in order in
    a fresh sandbox (policy checks on the conversation up to the call, no early
    rejection), the new results take their place, and the verifiers of
    ``config.verifiers`` run as at the end of an episode. The ending is the last
    human message's marker, else the recorded ending, else ``incomplete``.
    ``verify_records(records, blueprints=, environment=, config=, client=,
    committee=False)`` yields a :class:`VerifyOutcome` per record (``id``,
    ``accepted``, the trajectory, the recorded ``reward`` and whether the new
    verdict ``agrees`` with it: reward 1.0 means accepted); the ``committee``
    verifier runs only with ``committee=True``. :class:`VerifySummary` counts them.

    Input formats are **readers**, registered by name with
    ``@register_reader(name, detect=fn)`` (plug-ins: entry-point group
    ``apigen.readers``). A reader is ``read(path: Path) -> Iterable[VerifyRecord]``;
    ``detect(head: str) -> bool`` is given the file's first non-blank line (≤ 1 MiB)
    and says whether the file is its format; :func:`detect_reader` asks each in name
    order. Bad input raises :class:`apigen.errors.UserError` naming file and line.
    A :class:`VerifyRecord` is ``id``, ``messages`` (apigen messages; build them
    from OpenAI chat dicts — nested or τ²-bench's flat tool calls, Anthropic
    ``thinking_blocks`` kept as reasoning — with :func:`messages_from_openai`), the ``blueprint`` or
    its ``blueprint_id`` (looked up in the blueprints given), the recorded
    ``reward`` and ``ending`` when known, ``trial``. Built-ins: ``apigen`` (JSONL of
    :class:`apigen.types.Trajectory`; reward 1.0 when it was accepted) and
    ``openai`` (JSONL of ``{"id", "messages": [OpenAI chat dicts], "blueprint":
    {…}, "reward"?}``); :func:`json_lines` reads bounded JSONL for readers.

Files: :func:`write_trajectories` / :func:`read_trajectories` keep one
``Trajectory.model_dump_json()`` per line (JSONL); :func:`find_trajectory` looks
one up by id (or unique id prefix); :func:`rejection_reason` names why a trajectory
was rejected in one short key. Runs over many blueprints are the executor's
(:func:`apigen.runner.collect`).

The client is anything with ``LLMClient.complete``'s signature and ``members(role)``
(:class:`ModelClient`); phase 2 names roles (``human``, ``agent``, ``judge``), never
models.
Every call carries the episode context ``sim/…`` models read (keys of
:class:`apigen.llm.sim.ContextKey`: ``env``, ``sandbox``, ``blueprint``, ``persona``,
``messages``, ``seed``, ``episode``; ``criteria`` for judges, ``candidates`` for the
best-of-N chooser). ``Trajectory.usage`` books calls under ``human``, ``agent`` and
``judge`` (committee and chooser), failed calls counted in ``errors``.
"""

from apigen.rollout._accept import (
    output_present,
    outputs_verdict,
    state_verdict,
    unmet_reasons,
)
from apigen.rollout._client import ModelClient
from apigen.rollout._committee import judge_committee, judge_prompt  # (registers ``committee``)
from apigen.rollout._config import RolloutConfig
from apigen.rollout._episode import run_episode
from apigen.rollout._files import find_trajectory, read_trajectories, write_trajectories
from apigen.rollout._human import flipped_view
from apigen.rollout._readers import (
    Reader,
    VerifyRecord,
    detect_reader,
    get_reader,
    json_lines,
    messages_from_openai,
    reader_names,
    register_reader,
)
from apigen.rollout._reasons import rejection_reason
from apigen.rollout._trials import TrialsResult, episode_seed, run_trials
from apigen.rollout._truth import GroundTruth, ground_truth
from apigen.rollout._verifiers import (
    DEFAULT_VERIFIERS,
    Verifier,
    VerifierInput,
    get_verifier,
    register_verifier,
    verifier_names,
)
from apigen.rollout._verify import VerifyOutcome, VerifySummary, reverify, verify_records

__all__ = [
    "DEFAULT_VERIFIERS",
    "GroundTruth",
    "ModelClient",
    "Reader",
    "RolloutConfig",
    "TrialsResult",
    "Verifier",
    "VerifierInput",
    "VerifyOutcome",
    "VerifyRecord",
    "VerifySummary",
    "detect_reader",
    "episode_seed",
    "find_trajectory",
    "flipped_view",
    "get_reader",
    "get_verifier",
    "ground_truth",
    "json_lines",
    "judge_committee",
    "judge_prompt",
    "messages_from_openai",
    "output_present",
    "outputs_verdict",
    "read_trajectories",
    "reader_names",
    "register_reader",
    "register_verifier",
    "rejection_reason",
    "reverify",
    "run_episode",
    "run_trials",
    "state_verdict",
    "unmet_reasons",
    "verifier_names",
    "verify_records",
    "write_trajectories",
]
