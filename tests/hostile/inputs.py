"""Hostile inputs as bytes, small enough to write into a test's directory."""

from __future__ import annotations


def alias_bomb(levels: int = 9, top: str = "bomb") -> str:
    """A "billion laughs" YAML document (~540 bytes, 9**9 values once expanded)."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append(f"{top}: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def config_with_extra_bomb() -> str:
    """The issue's 504-byte bomb placed in a free-JSON config field (``params.extra``)."""
    bomb = alias_bomb().replace("bomb: *a8\n", "")
    indented = "\n".join("  " + line for line in bomb.splitlines())
    role = "  agent:\n    models: [sim/agent]\n    params:\n      extra: {bomb: *a8}\n"
    return f"x-anchors:\n{indented}\nmodels:\n{role}"


def deep_yaml(depth: int) -> str:
    """A flow sequence nested ``depth`` levels."""
    return "[" * depth + "]" * depth


DEEP_YAML = deep_yaml(100_000)
"""Deeper than libyaml's own limit (1000): refused by the parser itself."""
DEEP_JSON = "[" * 100_000 + "]" * 100_000
BINARY = bytes(range(256)) * 8

CORRUPT_SQLITE = b"SQLite format 3\x00" + b"\xff" * 4080
"""A SQLite header followed by garbage pages."""

HOSTILE_TEMPLATES = {
    "code": "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}",
    "loops": "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
    "range": "{% for i in range(10**8) %}{{ i }}{% endfor %}",
    "recursion": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "zero": "{{ 1/0 }}",
    "huge": "{{ 'x' * 10**10 }}",
}
