"""Adapters: foreign environments run as apigen domains, never modified.

Two families resolve lazily through the domain registry (``apigen.env.get_domain``):

``taubench:<module>``  a τ-bench-style package (sierra-research/tau-bench layout):
                       ``load_data()`` tables, ``ALL_TOOLS`` (classes with static
                       ``invoke(data, **kwargs) -> str`` mutating ``data`` and static
                       ``get_info()`` -> OpenAI function schema), ``WIKI`` (policy), task
                       lists ``tasks_<split>.TASKS`` (or ``TASKS_<SPLIT>``) of
                       ``{user_id, actions[{name, kwargs}], instruction, outputs}``
                       (dicts or objects). ``load_data``, ``ALL_TOOLS`` and ``WIKI`` are
                       looked up on the module, then on its submodule (``data``,
                       ``tools``, ``wiki``).
``bfcl:<entry id>``    one entry of a BFCL multi-turn category (``bfcl-eval`` installed
                       with ``pip install --no-deps bfcl-eval``): its involved API classes
                       loaded with the entry's ``initial_config``, minus its excluded
                       functions.

Public surface
--------------
``TauBenchDomain(module)``    the τ-bench package as a :class:`apigen.env.Domain`. A tool
                              call sees ``data`` as τ-bench does (dict tables of dict
                              records), copied on access from the sandbox's
                              copy-on-write state, and its changed records are written
                              back, so episodes are isolated and ``diff``/``state_hash``
                              work as for native domains. An ``"Error…"`` result or an
                              exception is a tool error (its writes discarded); a JSON
                              result is returned parsed. Kinds and declarations come
                              from names (``get_``/``find_``/``list_``/``search_``,
                              ``calculate``, ``think`` read; ``find_user_id_by_*``
                              authenticates; ``transfer_to_human*`` hands off; other
                              writes need confirmation). ``build_state`` is the fixed
                              ``load_data()`` (``seeded = False``); ``sample_task``
                              grounds a requested write sequence in a ``train`` task
                              whose writes start with it (never a test task: no
                              benchmark task leaks into training data; no train split,
                              no sampler). Reads' ``produces`` (the graph's edges)
                              are observed in the train tasks: a read produces kind K
                              when a later call's K argument appears in its result.
``taubench_tasks(module, split) -> Imported``
                              the package's tasks as blueprints (``id`` =
                              ``taubench-<split>-<index>``; outputs kept).
``load_taubench_results(path) -> list[TauBenchResult]``
                              a τ-bench results file (JSON list of ``{task_id, trial,
                              reward, traj}``); :class:`TauBenchResult` has the record
                              and ``calls`` — the agent's tool calls as τ-bench's
                              tool-calling agent executed them (first call of each
                              assistant message) — ``replies`` (its text turns) and
                              ``task`` (from ``info["task"]``, when stored).
``taubench_blueprint(domain, result, split=None) -> Blueprint``
                              the blueprint of the task a record ran (its stored
                              ``info["task"]``, else task ``task_id`` of ``split``).
``taubench_comparable(env, result, task=None) -> TauBenchCheck``
                              the reward-comparable part: the agent's calls replayed in
                              a fresh sandbox give the state the task's actions give,
                              and every expected output appears in a reply (compared as
                              τ-bench does: lower-cased, commas dropped); ``reward``
                              and ``agrees`` (with the recorded reward). The task is
                              the record's own ``info["task"]`` unless given (a
                              blueprint or a τ-bench task).
``BfclDomain(entry)``         one BFCL entry as a domain: fresh class instances per
                              sandbox (``_load_scenario(initial_config)``); state =
                              every instance's public attributes as JSON (table = class
                              name, key = attribute); a result dict with an ``error``
                              key or an exception is a tool error.
``bfcl_entries(category) -> list[dict]``
                              the category's entries with their ground truth.
``bfcl_blueprints(category) -> Imported``
                              entries as blueprints (one per entry, all turns; the
                              domain is ``bfcl:<entry id>``); entries whose ground truth
                              does not parse are listed as rejections.
``parse_call(text) -> ToolCall``
                              a BFCL ground-truth call string (``f(a=1, b=[2])``)
                              parsed with ``ast`` into name + literal arguments, never
                              evaluated; anything else raises :class:`CallSyntaxError`
                              with the reason.
``bfcl_available() -> bool``  ``bfcl-eval`` is importable.
``import_blueprints(source, name, split=, out=) -> Imported``
                              ``taubench`` tasks of a split or a ``bfcl`` category as
                              blueprints, written to ``out/<id>.yaml`` when ``out`` is
                              given; ``Imported`` holds ``blueprints`` and ``rejected``
                              (``(task id, reason)`` pairs).

Errors: an unknown or incomplete package, a missing split or a missing ``bfcl-eval``
raise :class:`apigen.errors.UserError` (one line, exit 2 in the CLI).
"""

from apigen.adapters._bfcl import BfclDomain, bfcl_available, bfcl_domain, bfcl_entries
from apigen.adapters._bfcl_import import bfcl_blueprints
from apigen.adapters._calls import CallSyntaxError, parse_call
from apigen.adapters._foreign import Imported
from apigen.adapters._import import IMPORT_SOURCES, import_blueprints
from apigen.adapters._taubench import TauBenchDomain, taubench_domain
from apigen.adapters._taubench_io import (
    TauBenchCheck,
    TauBenchResult,
    load_taubench_results,
    taubench_blueprint,
    taubench_comparable,
    taubench_tasks,
)

__all__ = [
    "IMPORT_SOURCES",
    "BfclDomain",
    "CallSyntaxError",
    "Imported",
    "TauBenchCheck",
    "TauBenchDomain",
    "TauBenchResult",
    "bfcl_available",
    "bfcl_blueprints",
    "bfcl_domain",
    "bfcl_entries",
    "import_blueprints",
    "load_taubench_results",
    "parse_call",
    "taubench_blueprint",
    "taubench_comparable",
    "taubench_domain",
    "taubench_tasks",
]
