"""One committee: members score criteria, unreadable answers are re-asked, a rule decides.

Contract
--------
Phase 1's blueprint reviewers and phase 2's trajectory judges are the same thing:
a :class:`Committee` of **members**, each asked the same question (a prompt the
caller renders from its own template), each answering with a score per
**criterion** on a declared :class:`Scale`; an **aggregation rule** turns the
ballots into one :class:`Decision` that keeps every member's
:class:`apigen.types.Vote`.

Members
    :func:`members` turns the caller's model names into :class:`Member` s. The
    identity of a member is kept: a model listed more than once becomes
    ``model#1``, ``model#2``… (a name already carrying ``#tag`` keeps it, and the
    model called is the part before ``#``). ``Member.name`` is what votes, sim
    episodes and (later) cache keys are keyed by, so copies never collapse.

Asking
    ``await committee.decide(ask)`` asks every member concurrently through the
    caller's ``ask(member, attempt, retry_reason) -> text``; the caller renders
    its prompt (adding ``retry_reason`` when set), calls its client and books
    usage. A :class:`apigen.errors.ProviderError` propagates unless the
    committee was built with ``provider_errors="abstain"``, in which case the
    member abstains with reason ``provider_error``.

Parsing (:func:`parse_answer`)
    One tolerant parser reads realistic answers: code fences, prose (even with
    braces) around the JSON, ``<think>``/``<thinking>`` blocks (dropped, also
    when they quote JSON, also an unopened ``…</think>`` prefix), several JSON
    objects (a reflection followed by a revised verdict: the **last** object
    that scores every criterion wins), trailing commas, ``//`` and ``/* */``
    comments and Python-literal dicts, the table under ``criteria``/``scores``
    (or bare criteria at the top level, or one level down, or a list — even a
    top-level array — of ``{"name"|"criterion", "score"}`` rows), each entry a
    bare score or ``{"score": …, "reason": …}``, criterion names matched
    ignoring case, spaces and hyphens, scores as numbers, booleans, numeric
    strings (``"1 (satisfied)"``), ``"8/10"`` fractions or words and marks
    (``pass``/``fail``, ``yes``/``no``, ``true``/``false``, ✅/❌). Every score
    is **range-checked** against the declared scale. Nothing raises: an answer
    is either a :class:`ParsedAnswer` or an :class:`Unreadable` with a named
    ``code`` (:data:`UNREADABLE`) and detail. ``tests/committee/data/answers.yaml``
    is the corpus it is held to.

Abstention
    An unreadable answer is re-asked with its reason, up to ``attempts`` asks
    in all; then the member **abstains** (``Vote(passed=None)``, the reason in
    its rationale). Abstentions never count as votes.

Aggregation (the ``rule`` parameter, an :class:`AggregationRule`)
    :class:`CriterionMajority` (phase 1): a criterion passes when a strict
    majority of readable members pass it; the committee passes when
    (criteria passed)/(criteria) >= ``threshold`` and every ``required``
    criterion passed. :class:`CastMajority` (phase 2): the committee passes
    when more cast votes pass than fail. Under both, a member's own vote passes
    by the same threshold/required test over its own scores, and a score passes
    when it reaches the scale's ``passing`` mark.
"""

from apigen.committee._committee import AskMember, Committee, Member, members
from apigen.committee._parse import (
    UNREADABLE,
    ParsedAnswer,
    Scale,
    Unreadable,
    find_json_objects,
    loads_lenient,
    parse_answer,
    strip_reasoning,
)
from apigen.committee._rules import (
    AggregationRule,
    Ballot,
    CastMajority,
    CriterionMajority,
    Decision,
    agreement,
    correction_text,
    retry_note,
)

__all__ = [
    "UNREADABLE",
    "AggregationRule",
    "AskMember",
    "Ballot",
    "CastMajority",
    "Committee",
    "CriterionMajority",
    "Decision",
    "Member",
    "ParsedAnswer",
    "Scale",
    "Unreadable",
    "agreement",
    "correction_text",
    "find_json_objects",
    "loads_lenient",
    "members",
    "parse_answer",
    "retry_note",
    "strip_reasoning",
]
