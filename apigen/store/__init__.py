"""The results database: the only package that imports SQLAlchemy, Alembic and psycopg.

Contract
--------
``Store.open(url=None)``
    Opens a SQLite file or a PostgreSQL database and upgrades its schema to the
    newest Alembic revision (packaged under ``migrations/``; no alembic.ini). The URL
    is ``url`` (a SQLAlchemy URL such as ``postgresql+psycopg://user@host/db``, or a
    plain path meaning a SQLite file), else ``$APIGEN_DATABASE_URL``, else
    ``sqlite:///apigen.db`` in the working directory. SQLite runs in WAL mode with a
    busy timeout and foreign keys on; writers take the lock up front (``BEGIN
    IMMEDIATE``). Several processes may share one database.

Runs: ``start_run(config, domain=, seed=, planned_items=)`` stores the config with
secrets redacted (keys naming key/token/secret/password, passwords inside URLs) and
snapshots the domain's tools and policy for exports; ``resume_run``,
``finish_run(status)``, ``runs()``, ``get_run``, and ``missing_items(run_id)``
(indexes below ``planned_items`` not written as ``done``).

Writes: ``write_item(run_id, item_index, blueprints=, trajectories=, usage=)`` and
``write_items([ItemResult, ...])`` write each item's blueprints (with every
validation stage), trajectories (with verdicts, tools used, usage per role) and
model usage in ONE transaction with bulk inserts. Keyed by ``(run_id,
item_index)``: writing an item again REPLACES its earlier rows atomically (last
write wins), so a retried item never leaves duplicates. Row ids are assigned by
the store: ``<run>:<item>:b<n>`` for blueprints, ``<run>:<item>:t<n>`` for
trajectories (``Blueprint.id``/``Trajectory.blueprint_id`` are kept as keys).

Reads and curation: ``trajectories(TrajectoryFilter)`` streams records back;
``get_trajectory(id_or_prefix)`` finds one (``ConfigError`` when none or several
match); ``blueprints(run_id)`` returns a run's drafts as written, and
``accepted_blueprints(run_id=None)`` the accepted ones (one per fingerprint);
``stats(run_id)`` computes the funnel, rejection reasons, tool coverage,
distributions and cost with SQL aggregates; ``export(filter, ExportOptions)``
streams matching trajectories in batches into :mod:`apigen.export` (the report
page is drawn from ``stats`` by :mod:`apigen.report`, which never opens the database).
:func:`run_query` runs user SQL on a connection the database itself keeps
read-only (:class:`QueryRefused` otherwise). :func:`schema_markdown` documents
the tables for query writers, generated from the models.

``scratch_schema(url)`` is a context manager giving a PostgreSQL URL whose
``search_path`` is a fresh schema, dropped afterwards (benchmarks and tests share
one server with it). ``ENV_VAR`` names the variable holding the default URL.

Errors: unknown runs and bad URLs raise :class:`apigen.errors.ConfigError`;
a refused query :class:`QueryRefused` (both user errors, exit code 2).
"""

from apigen.store._engine import ENV_VAR, scratch_schema
from apigen.store._query import QueryRefused, run_query
from apigen.store._records import (
    Bin,
    Count,
    FunnelStep,
    ItemResult,
    ModelUse,
    QueryResult,
    RoleCost,
    RoleUsage,
    RunInfo,
    RunStatus,
    StageCount,
    Stats,
    ToolUse,
    TrajectoryFilter,
)
from apigen.store._schema_doc import schema_markdown
from apigen.store._store import Store

__all__ = [
    "ENV_VAR",
    "Bin",
    "Count",
    "FunnelStep",
    "ItemResult",
    "ModelUse",
    "QueryRefused",
    "QueryResult",
    "RoleCost",
    "RoleUsage",
    "RunInfo",
    "RunStatus",
    "StageCount",
    "Stats",
    "Store",
    "ToolUse",
    "TrajectoryFilter",
    "run_query",
    "schema_markdown",
    "scratch_schema",
]
