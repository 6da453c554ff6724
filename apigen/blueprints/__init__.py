"""Phase 1: task blueprints — sampling, generation, validation, feedback, recombination, files.

Contract
--------
One **attempt** (:func:`run_attempt`) is fully determined by an :class:`AttemptSpec`
``(domain, seed, index)`` and deterministic models:

1. **Context sampling** (:func:`sample_context`, seeded by the spec's key):
   ``Phase1Config.grounding`` ``compose`` — write tools from a walk along the tool
   graph's edges (:func:`apigen.graph.walk_writes`; none for an information-only
   task, ``information_only_rate``, when the domain ``allows_information_only``), an
   entity neighbourhood (:func:`apigen.graph.sample_neighbourhood`), the identity the
   human can give, the grounding reads, and with probability ``planned_hints`` the
   planner's sketch as a hint; or ``planned`` — a tool chain grounded in real
   entities by the domain's planner (:func:`apigen.graph.sample_grounded_task`; the
   chain shown is the sketch's own calls). A domain without a planner composes. A
   persona (the domain's ``framing.personas``, else ``data/personas.txt``;
   probability ``persona_rate``), the policy — the
   sections relevant to the chain when it splits by headings (probability
   ``focused_policy_rate``) — and 1..``few_shots`` curated examples sharing write
   tools (probability ``few_shot_rate``). What was sampled, including the full
   :class:`apigen.env.TaskSketch` when one was shown, is kept in ``Blueprint.context``
   (``user``, ``grounding``, ``chain``, ``writes``, ``persona``, ``policy_sections``,
   ``few_shots``, ``task`` (planned/hint), ``neighbourhood`` (root and keys by
   table) and ``identity`` (composed), ``seed``, ``state_seed``, ``episode``).
2. **Generation** with the ``generator.j2`` prompt (role ``generator``). The answer
   must hold ``<instruction>``, ``<actions>`` (JSON list of ``{name, arguments}``)
   and ``<outputs>`` (JSON list of strings); ``<reasoning>`` is optional. Parsing is
   strict; any problem is a ``format`` failure with its reason, never an exception.
3. **Validation**, in order, stopping at the first failure, each stage a
   :class:`apigen.types.StageOutcome`: the stages named by ``Phase1Config.stages``
   (default ``format`` (:func:`check_format`), ``execution`` (fresh-sandbox
   replay: no tool errors, every write changes the state), ``policy`` (the
   domain's checks), ``null_solution`` (:func:`check_null_solution`: a task an agent
   making no write would pass — writes whose net effect leaves the state as it was,
   or no change and no output that needs a tool), ``grounding``
   (:func:`check_grounding`: write arguments stated in the instruction or returned by
   an earlier call, free text excepted; no tool names in the instruction),
   ``outputs`` (:func:`check_outputs`: every output appears in the replay's tool
   outputs, or all its numbers do), ``review`` (the committee, below), ``dedup``
   (:meth:`Blueprint.fingerprint` not among ``known_fingerprints``)). Stages are
   registered by name (:func:`register_stage`, :func:`stage_names`; plug-ins also
   through the ``apigen.stages`` entry-point group); each gets a
   :class:`StageInput` (the candidate, its sampled context, the replay computed
   once on first use, the client, the round). An unparseable answer fails at
   ``format`` whatever the list says. A failed stage registered ``final`` (``dedup``)
   ends the attempt instead of feeding back.
4. **Committee** (:mod:`apigen.committee`): every model of the ``reviewer`` role
   (``client.members("reviewer")``; repeats become members ``model#1``, ``model#2``…)
   is asked concurrently (``reviewer.j2``, role ``reviewer``) to score each
   criterion 0/1 (numbers in [0, 1], booleans and pass/fail words accepted; a
   score outside [0, 1] makes the answer unreadable) with a reason. An
   unreadable answer is re-asked with its reason up to ``reviewer_retries``
   times, then the member **abstains** (``Vote(passed=None, rationale="abstained:
   <code>: ...")``). Rule :class:`apigen.committee.CriterionMajority`: a criterion
   passes when a strict majority of non-abstaining members score it >= 0.5 (ties
   and no votes fail); the stage passes when (criteria passed)/(criteria) >=
   ``threshold`` (default 0.75) and every ``required_criteria`` (default
   correctness and completeness) passed. Each member's vote is in
   ``StageOutcome.votes``.
5. **Feedback loop**: when a stage fails, its reasons (``stage: reason`` lines,
   reviewers' critiques included; condensed by the ``feedback`` role with
   ``feedback.j2`` when configured) go into the next prompt for the same context,
   for at most ``rounds`` extra rounds (default 3). A ``dedup`` failure ends the
   attempt (the same context would repeat it). Every round's blueprint and
   :class:`ValidationReport` is kept; ``report.round`` is the round it ended in.

:class:`AttemptResult` (frozen) holds the final blueprint (accepted, or the last
rejected one), its report, every round, and usage per role. Provider failures
(:class:`apigen.errors.ProviderError`) propagate from :func:`run_attempt`.

**Recombination** (:func:`recombine`) merges accepted blueprints of one user
(``context["user"]``): actions concatenated with authentication once, outputs
merged, one instruction rewritten by the generator (``recombination.j2``; the sim
generator sees the merged TaskSketch), then every stage again with feedback.

**Runs** of many attempts are the executor's (:func:`apigen.runner.generate`): it
runs attempts on the local or Ray backend, lets the run's dedup arbiter fail repeats
at ``dedup`` (the lowest item index owns a fingerprint, so results do not depend on
timing), recombines per user with ``Phase1Config.recombine``, and feeds each written
item to a :class:`Funnel` (per-stage counts, :func:`format_funnel`).
:func:`blueprint_key` is an accepted blueprint's stable id (``<domain>-<fingerprint>``).
:meth:`AttemptResult.drafts` lists every round's blueprint (what the database stores).

Prompt templates are Jinja2 files (``generator.j2``, ``reviewer.j2``, ``feedback.j2``,
``recombination.j2``); a file of the same
name in ``Phase1Config.templates_dir`` overrides the built-in one.

Files and offline checks
------------------------
``load_blueprint(path)`` / ``dump_blueprint(bp, path)`` / ``iter_blueprint_files``
/ ``blueprint_json_schema()`` / ``curated_dir()``; ``check_format`` (stage 1) and
``validate_offline`` (stages 1-3: format, execution, policy);
``validate_files(paths)`` (what ``apigen blueprints validate`` runs) and
``check_curated(domain)``.
"""

from apigen.blueprints._attempt import AttemptResult, failure_lines, run_attempt
from apigen.blueprints._checks import (
    check_format,
    check_grounding,
    check_null_solution,
    check_outputs,
    validate_offline,
)
from apigen.blueprints._committee import review_committee  # (also registers ``review``)
from apigen.blueprints._config import DEFAULT_CRITERIA, Phase1Config
from apigen.blueprints._files import (
    blueprint_json_schema,
    blueprint_key,
    curated_dir,
    dump_blueprint,
    iter_blueprint_files,
    load_blueprint,
)
from apigen.blueprints._funnel import Funnel, format_funnel
from apigen.blueprints._parse import FORMAT_REASONS, ParsedBlueprint, parse_generation
from apigen.blueprints._recombine import (
    group_by_user,
    recombination_groups,
    recombine,
    recompute_outputs,
)
from apigen.blueprints._sampling import (
    AttemptSpec,
    load_personas,
    policy_sections,
    sample_context,
    sketch_from_json,
    sketch_to_json,
)
from apigen.blueprints._stages import (
    DEFAULT_STAGES,
    Stage,
    StageInput,
    get_stage,
    register_stage,
    stage_names,
)
from apigen.blueprints._templates import PromptTemplates
from apigen.blueprints._validate_files import check_curated, validate_files

__all__ = [
    "DEFAULT_CRITERIA",
    "DEFAULT_STAGES",
    "FORMAT_REASONS",
    "AttemptResult",
    "AttemptSpec",
    "Funnel",
    "ParsedBlueprint",
    "Phase1Config",
    "PromptTemplates",
    "Stage",
    "StageInput",
    "blueprint_json_schema",
    "blueprint_key",
    "check_curated",
    "check_format",
    "check_grounding",
    "check_null_solution",
    "check_outputs",
    "curated_dir",
    "dump_blueprint",
    "failure_lines",
    "format_funnel",
    "get_stage",
    "group_by_user",
    "iter_blueprint_files",
    "load_blueprint",
    "load_personas",
    "parse_generation",
    "policy_sections",
    "recombination_groups",
    "recombine",
    "recompute_outputs",
    "register_stage",
    "review_committee",
    "run_attempt",
    "sample_context",
    "sketch_from_json",
    "sketch_to_json",
    "stage_names",
    "validate_files",
    "validate_offline",
]
