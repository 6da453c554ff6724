"""Phase 1: task blueprints — sampling, generation, validation, feedback, recombination, files.

Contract
--------
One **attempt** (:func:`run_attempt`) is fully determined by an :class:`AttemptSpec`
``(domain, seed, index)`` and deterministic models:

1. **Context sampling** (:func:`sample_context`, seeded by the spec's key): a tool
   chain grounded in real entities (:func:`apigen.graph.sample_grounded_task`), a
   persona (``data/personas.txt``, probability ``persona_rate``), the policy — the
   sections relevant to the chain when it splits by headings (probability
   ``focused_policy_rate``) — and 1..``few_shots`` curated examples sharing write
   tools (probability ``few_shot_rate``). What was sampled, including the full
   :class:`apigen.env.TaskSketch`, is kept in ``Blueprint.context``
   (``user``, ``chain``, ``writes``, ``persona``, ``policy_sections``,
   ``few_shots``, ``task``, ``seed``, ``state_seed``, ``episode``).
2. **Generation** with the ``generator.j2`` prompt (role ``generator``). The answer
   must hold ``<instruction>``, ``<actions>`` (JSON list of ``{name, arguments}``)
   and ``<outputs>`` (JSON list of strings); ``<reasoning>`` is optional. Parsing is
   strict; any problem is a ``format`` failure with its reason, never an exception.
3. **Validation**, in order, stopping at the first failure, each stage a
   :class:`apigen.types.StageOutcome`: the stages named by ``Phase1Config.stages``
   (default ``format`` (:func:`check_format`), ``execution`` (fresh-sandbox
   replay: no tool errors, every write changes the state), ``policy`` (the
   domain's checks), ``review`` (the committee, below), ``dedup``
   (:meth:`Blueprint.fingerprint` not among ``known_fingerprints``)). Stages are
   registered by name (:func:`register_stage`, :func:`stage_names`; plug-ins also
   through the ``apigen.stages`` entry-point group); each gets a
   :class:`StageInput` (the candidate, its sampled context, the replay computed
   once on first use, the client, the round). An unparseable answer fails at
   ``format`` whatever the list says. A failed stage registered ``final`` (``dedup``)
   ends the attempt instead of feeding back.
4. **Committee** (:mod:`apigen.committee`): every reviewer model (today
   ``Phase1Config.reviewers``; repeats become members ``model#1``, ``model#2``…)
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
   reviewers' critiques included; condensed by ``feedback_model`` with
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

**Batches** (:func:`generate_blueprints`) run many attempts concurrently, fail
within-run repeats at ``dedup`` in index order (so results do not depend on
timing), optionally recombine per user, and report a funnel
(:meth:`Phase1Run.funnel`); :func:`write_run` writes accepted blueprints as YAML
(valid input for ``apigen blueprints validate``) and ``rejected.jsonl``;
:func:`blueprint_key` is an accepted blueprint's stable id (``<domain>-<fingerprint>``).
:meth:`AttemptResult.drafts` lists every round's blueprint (what the database stores).

Prompt templates are Jinja2 files (:data:`TEMPLATE_NAMES`); a file of the same
name in ``Phase1Config.templates_dir`` overrides the built-in one.

Files and offline checks
------------------------
``load_blueprint(path)`` / ``dump_blueprint(bp, path)`` / ``iter_blueprint_files``
/ ``blueprint_json_schema()`` / ``curated_dir()``; ``check_format`` /
``check_execution`` / ``check_policy`` (stages 1-3) and ``validate_offline``;
``validate_files(paths)`` (what ``apigen blueprints validate`` runs) and
``check_curated(domain)``.
"""

from apigen.blueprints._attempt import AttemptResult, RoundRecord, failure_lines, run_attempt
from apigen.blueprints._checks import check_execution, check_format, check_policy, validate_offline
from apigen.blueprints._client import ModelClient
from apigen.blueprints._committee import review_committee  # (also registers ``review``)
from apigen.blueprints._config import DEFAULT_CRITERIA, Phase1Config
from apigen.blueprints._files import (
    blueprint_json_schema,
    curated_dir,
    dump_blueprint,
    iter_blueprint_files,
    load_blueprint,
)
from apigen.blueprints._parse import ParsedBlueprint, parse_generation
from apigen.blueprints._recombine import group_by_user, merge_sketches, recombine
from apigen.blueprints._run import (
    Phase1Run,
    blueprint_key,
    generate_blueprints,
    mark_duplicate,
    write_run,
)
from apigen.blueprints._sampling import (
    AttemptSpec,
    SampledContext,
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
from apigen.blueprints._templates import TEMPLATE_NAMES, PromptTemplates
from apigen.blueprints._validate_files import FileReport, check_curated, validate_files

__all__ = [
    "DEFAULT_CRITERIA",
    "DEFAULT_STAGES",
    "TEMPLATE_NAMES",
    "AttemptResult",
    "AttemptSpec",
    "FileReport",
    "ModelClient",
    "ParsedBlueprint",
    "Phase1Config",
    "Phase1Run",
    "PromptTemplates",
    "RoundRecord",
    "SampledContext",
    "Stage",
    "StageInput",
    "blueprint_json_schema",
    "blueprint_key",
    "check_curated",
    "check_execution",
    "check_format",
    "check_policy",
    "curated_dir",
    "dump_blueprint",
    "failure_lines",
    "generate_blueprints",
    "get_stage",
    "group_by_user",
    "iter_blueprint_files",
    "load_blueprint",
    "load_personas",
    "mark_duplicate",
    "merge_sketches",
    "parse_generation",
    "policy_sections",
    "recombine",
    "register_stage",
    "review_committee",
    "run_attempt",
    "sample_context",
    "sketch_from_json",
    "sketch_to_json",
    "stage_names",
    "validate_files",
    "validate_offline",
    "write_run",
]
