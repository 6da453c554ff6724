"""Executable environments: tools over a state, sandboxes, policy checks, the registry.

Public surface
--------------
``tool(kind, confirm=, handoff=, authenticates=, free_text=)``
                              decorator: a plain function becomes a :class:`Tool`; its
                              JSON schema comes from type hints and the docstring; the
                              declarations say what the pipeline and the sim must not
                              guess (needs confirmation, hands off to a person,
                              identifies the user, parameters the agent composes).
``tool_from_schema(function, fn, kind, entities=, **declarations)``
                              a tool from a foreign OpenAI function definition (the
                              adapters' τ-bench and BFCL tools); an optional argument a
                              call leaves out reaches ``fn`` as ``UNSET``.
``Entity(kind)``              ``Annotated`` marker naming an identifier's entity kind
                              (drives the tool graph).
``ToolFailure``               raise inside a tool for an expected failure.
``Domain``                    abstract domain: ``name``, ``description``, ``tools``,
                              ``policy`` (markdown), ``policy_checks``, ``framing``,
                              ``build_state``, ``seeded`` (``False``: a fixed
                              dataset), optional ``sample_task`` (a planner;
                              ``has_planner``), ``extra_edges``,
                              ``forbidden_successions`` (write pairs the walk never
                              samples; ``forbids(a, b)``),
                              ``allows_information_only`` (tasks without writes),
                              ``reachable`` (irreversibility, for early rejection).
``Environment``               a domain with its pristine state loaded (``env.db``);
                              ``env.sandbox()`` makes a :class:`Sandbox`.
``Sandbox``                   copy-on-write episode state: ``call``, ``replay``,
                              ``policy_violations``, ``diff``, ``state_hash``, ``trace``;
                              ``Sandbox.over(domain, db)`` is a scratch sandbox starting
                              from a given view (a sampler plans in one with the real
                              tools, leaving ``db`` untouched); ``box.fork()`` is an
                              independent copy with the changes and trace so far (a
                              what-if search tries continuations on forks).
``DB``                        what tools see: ``db.orders[key]`` (frozen record),
                              ``db.orders.edit(key)`` (mutable copy),
                              ``db.orders[key] = record`` (write); a missing key
                              raises :class:`NotFound`; ``db.session``: one sandbox's
                              private dict of live objects (adapters), not state.
``Comparison``                how record fields compare (``"text"``: case-insensitive,
                              ``"number"``: by value, ``"optional"``: an omitted optional
                              argument matches); ``Domain.comparison``, used by the state
                              verdict, early rejection and ``reachable``; ``same_text`` /
                              ``same_number`` are its value rules for policy checks.
``Framing``                   who plays whom, transcript labels, human-simulator rules,
                              generator notes, personas; neutral defaults.
``PolicyCheck``               ``(PolicyContext) -> Iterable[Violation]``.
``Rule``                      a policy check with an id and a soundness mark (``sound=False``:
                              code cannot judge it; never early-rejects, the committee decides).
the rules library             ``authenticate_first``, ``one_user``, ``own_records_only``,
                              ``confirm_before_write``, ``one_call_at_a_time``,
                              ``confirmation_names_action`` (unsound); ``authenticated_user``,
                              ``confirmation_exchange``; domains compose them.
``ReviewPoint``               an unsound rule's finding put to the trajectory committee:
                              ``render_review_points`` writes the judge prompt's section
                              (under ``REVIEW_HEADING``), ``read_review_points`` reads it.
``protocol``                  the conversation protocol (module): markers ``STOP`` /
                              ``TRANSFER``, confirmation request and answer shapes
                              (``confirmation_request``, ``asks_confirmation``,
                              ``consent``), ``asks_identity``, ``announces_transfer``.
``TaskSketch`` / ``WriteStep`` a grounded task sampled by a domain.
facts in text                 ``leaves`` (the facts a JSON value holds), ``mentions`` /
                              ``restates`` (a text states / paraphrases a value),
                              ``numbers_in``, ``normalise``, ``tool_like``, and
                              ``ungrounded_arguments`` (write arguments neither stated in
                              an instruction nor returned by an earlier call: an
                              ``Ungrounded`` each): what phase 1's code stages and the sim
                              roles both read.
``get_domain(name)``, ``domain_names()``, ``load_environment(name, seed, scale)``,
``register_domain(domain)``   the registry (built-ins plus the ``apigen.environments``
                              entry-point group); a plug-in that cannot be imported
                              raises :class:`apigen.errors.ConfigError` in one line
                              naming the missing package, and never stops the others.
``domain_problems()``         one line per known domain that cannot be loaded.
``domain_source(name)``       a :class:`DomainSource`: its ``module:attr`` target, its
                              top-level package and directory (what the Ray runner
                              ships to cluster workers, naming the target in
                              ``$APIGEN_PLUGIN_DOMAINS`` = ``SOURCES_ENV``).
``domain_folder(name)``       the directory of the domain's module (a plug-in's curated
                              blueprints are in ``blueprints/`` there).
``scaffold_domain(name, out)`` writes a small working domain package (``apigen envs new``).
``domain_families()``         name families adapted on lookup (``taubench:<module>``,
                              ``bfcl:<entry id>``, see :mod:`apigen.adapters`).
``replay_with_policy(env, calls)``
                              fresh-sandbox replay with policy checks before each call.
``CONFORMANCE_CHECKS``        name -> check(domain): the contract every domain passes;
                              a failed check raises :class:`ConformanceError`.
``freeze`` / ``thaw``         deep-immutable and deep-mutable copies of JSON values;
                              ``FrozenDict`` is what ``freeze`` makes of a mapping.

Errors: tools never raise to the caller (:class:`ToolFailure` and :class:`NotFound`
become ``tool_error`` results, see :class:`Sandbox`). An unknown domain raises
:class:`apigen.errors.UnknownNameError`.
"""

from apigen.env import _protocol as protocol
from apigen.env._compare import Comparison, FieldKind, same_number, same_text
from apigen.env._conformance import CONFORMANCE_CHECKS, ConformanceError
from apigen.env._domain import Domain, Environment, TaskSketch, WriteStep
from apigen.env._facts import (
    Ungrounded,
    leaves,
    mentions,
    normalise,
    numbers_in,
    restates,
    tool_like,
    ungrounded_arguments,
)
from apigen.env._framing import Framing
from apigen.env._frozen import FrozenDict, freeze, thaw
from apigen.env._policy import PolicyCheck, PolicyContext
from apigen.env._registry import (
    SOURCES_ENV,
    DomainSource,
    domain_families,
    domain_folder,
    domain_names,
    domain_problems,
    domain_source,
    get_domain,
    load_environment,
    register_domain,
)
from apigen.env._replay import Replay, replay_with_policy
from apigen.env._rules import (
    REVIEW_HEADING,
    Identify,
    ReviewPoint,
    Rule,
    authenticate_first,
    authenticated_user,
    confirm_before_write,
    confirmation_exchange,
    confirmation_names_action,
    one_call_at_a_time,
    one_user,
    own_records_only,
    read_review_points,
    render_review_points,
)
from apigen.env._sandbox import Sandbox
from apigen.env._scaffold import scaffold_domain
from apigen.env._state import DB, NotFound
from apigen.env._tool import UNSET, Entity, Tool, ToolFailure, tool, tool_from_schema

__all__ = [
    "CONFORMANCE_CHECKS",
    "DB",
    "REVIEW_HEADING",
    "SOURCES_ENV",
    "UNSET",
    "Comparison",
    "ConformanceError",
    "Domain",
    "DomainSource",
    "Entity",
    "Environment",
    "FieldKind",
    "Framing",
    "FrozenDict",
    "Identify",
    "NotFound",
    "PolicyCheck",
    "PolicyContext",
    "Replay",
    "ReviewPoint",
    "Rule",
    "Sandbox",
    "TaskSketch",
    "Tool",
    "ToolFailure",
    "Ungrounded",
    "WriteStep",
    "authenticate_first",
    "authenticated_user",
    "confirm_before_write",
    "confirmation_exchange",
    "confirmation_names_action",
    "domain_families",
    "domain_folder",
    "domain_names",
    "domain_problems",
    "domain_source",
    "freeze",
    "get_domain",
    "leaves",
    "load_environment",
    "mentions",
    "normalise",
    "numbers_in",
    "one_call_at_a_time",
    "one_user",
    "own_records_only",
    "protocol",
    "read_review_points",
    "register_domain",
    "render_review_points",
    "replay_with_policy",
    "restates",
    "same_number",
    "same_text",
    "scaffold_domain",
    "thaw",
    "tool",
    "tool_from_schema",
    "tool_like",
    "ungrounded_arguments",
]
