"""apigen: verified multi-turn tool-use conversations for training function-calling LLMs.

Packages (one concept each; see ``docs/architecture.md``):

- :mod:`apigen.types`       records that cross boundaries (frozen pydantic models)
- :mod:`apigen.errors`      the exception tree
- :mod:`apigen.env`         environments, tools, sandboxes, policy checks, registry
- :mod:`apigen.safety`      bounded input, sandboxed templates, terminal-safe text
- :mod:`apigen.graph`       tool dependency graphs and chain sampling
- :mod:`apigen.llm`         the only litellm seam, and the offline ``sim/…`` models
- :mod:`apigen.committee`   one committee for blueprint reviewers and trajectory judges
- :mod:`apigen.blueprints`  phase 1: blueprint generation and validation
- :mod:`apigen.rollout`     phase 2: simulated conversations and acceptance
- :mod:`apigen.settings`    the one settings tree and its loader
- :mod:`apigen.export`      training-file formats, record validation, splits
- :mod:`apigen.store`       the only SQLAlchemy seam: tables, writes, reads, stats
- :mod:`apigen.report`      the HTML report rendered from the store's stats
- :mod:`apigen.runner`      the only Ray seam: local and cluster execution
- :mod:`apigen.bench`       every benchmark behind ``apigen bench NAME``
- :mod:`apigen.cli`         the ``apigen`` command

Importing ``apigen`` is cheap. Its one side effect is the environment litellm
reads when it is imported, set here and nowhere else (:data:`LITELLM_ENV`): the
bundled price map (litellm never fetches its price list) and production mode
(litellm never loads a ``.env`` file into ``os.environ``). Every import of litellm
goes through :mod:`apigen.llm`, so this always runs first, in cluster workers too.
"""

import os

LITELLM_ENV = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_MODE": "PRODUCTION"}
"""Environment variables ``import apigen`` sets for litellm (overriding earlier values)."""

os.environ.update(LITELLM_ENV)

__version__ = "0.1.0"
