"""A role added from the test suite: one module, one registration.

``triage`` would sort incoming tasks before generation; here it only needs to exist
to show that a registered role works everywhere a built-in one does.
"""

from apigen.llm import register_role

TRIAGE = register_role(
    "triage", models=("sim/echo",), doc="Sorts incoming tasks (a role registered by a test)."
)
