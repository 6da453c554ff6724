"""One settings tree for every command, one loader, one error convention.

Contract
--------
:class:`Settings` is the whole tree: run options at the top (``domain``, ``n``,
``seed``, ``workers``, …) and three sections,

- ``models`` (:class:`apigen.llm.ModelsConfig`): which models play each registered
  role (``models.<role>: {models, params, fallbacks}``), ``endpoints``, ``retry``,
  ``cache``. The only place model names live;
- ``phase1`` (:class:`apigen.blueprints.Phase1Config`) and ``rollout``
  (:class:`apigen.rollout.RolloutConfig`): how each phase runs. Phases name roles,
  never models.

:func:`load_settings` layers defaults < YAML file < environment < flags. The
environment convention is ``APIGEN_<FIELD>`` for top-level options
(``APIGEN_WORKERS=4``, ``APIGEN_DATABASE_URL``, and ``RAY_ADDRESS`` for
``ray_address``) and ``APIGEN_<SECTION>__<FIELD>[__<FIELD>…]`` inside a section
(``APIGEN_MODELS__AGENT__MODELS='["openai/gpt-4o"]'``, ``APIGEN_ROLLOUT__TRIALS=5``,
``APIGEN_MODELS__RETRY__MAX_ATTEMPTS=2``); values are JSON when they parse, else
strings. Other ``APIGEN_*`` variables are not settings and are ignored.

Every mistake is one :class:`apigen.errors.ConfigError` line naming the field
(:meth:`ConfigError.from_validation` turns the first pydantic error into it): a
malformed file, an unknown key, a bad value, and a removed key, whose message says
where the setting lives now (``phase1.generator`` -> ``models.generator.models``).

Every model-calling command (``apigen run``, ``apigen blueprints generate``,
``apigen trajectories collect``) takes ``--config FILE`` and reads it here, so one
file means the same behaviour everywhere. :func:`starter_config` is the commented
file ``apigen init`` writes, generated from the fields' documentation.

This package imports neither Ray nor litellm (``apigen init`` uses it).
"""

from apigen.settings._load import load_settings
from apigen.settings._starter import starter_config
from apigen.settings._tree import PHASE_ROLES, Phases, Settings

__all__ = ["PHASE_ROLES", "Phases", "Settings", "load_settings", "starter_config"]
