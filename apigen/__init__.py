"""apigen: verified multi-turn tool-use conversations for training function-calling LLMs.

Packages (one concept each; see ``../shared/DESIGN.md``):

- :mod:`apigen.types`       records that cross boundaries (frozen pydantic models)
- :mod:`apigen.errors`      the exception tree
- :mod:`apigen.env`         environments, tools, sandboxes, policy checks, registry
- :mod:`apigen.graph`       tool dependency graphs and chain sampling
- :mod:`apigen.llm`         the only litellm seam, and the offline ``sim/…`` models
- :mod:`apigen.blueprints`  phase 1: blueprint generation and validation
- :mod:`apigen.rollout`     phase 2: simulated conversations and acceptance
- :mod:`apigen.store`       the only SQLAlchemy seam: tables, curation, export
- :mod:`apigen.runner`      the only Ray seam: local and cluster execution
- :mod:`apigen.cli`         the ``apigen`` command

Importing ``apigen`` is cheap and has no side effects beyond setting
``LITELLM_LOCAL_MODEL_COST_MAP`` so litellm never fetches its price list.
"""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

__version__ = "0.1.0"
