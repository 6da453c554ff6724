"""A small τ-bench-shaped domain package, written for the test suite (not τ-bench code).

Laid out as sierra-research/tau-bench lays out ``tau_bench/envs/<domain>/``:
``data.load_data()`` returns fresh tables, ``tools.ALL_TOOLS`` are classes with static
``invoke(data, **kwargs) -> str`` (mutating ``data`` in place, answering ``"Error: …"``
for an expected failure) and static ``get_info()`` (an OpenAI function schema),
``wiki.WIKI`` is the policy, ``tasks_train.TASKS`` / ``tasks_test.TASKS`` are task lists
of ``{user_id, actions[{name, kwargs}], instruction, outputs}``.
"""
