"""The one template factory: sandboxed by construction, bounded per render."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigen.blueprints import PromptTemplates
from apigen.errors import ConfigError
from apigen.safety import (
    TemplateLimits,
    TemplateRejected,
    compile_template,
    render,
    sandboxed_environment,
)
from tests.hostile.inputs import HOSTILE_TEMPLATES

KINDS = {
    "code": "unsafe",
    "loops": "limit",
    "range": "limit",
    "recursion": "limit",
    "zero": "broken",
    "huge": "limit",
}


def run(source: str, limits: TemplateLimits | None = None, **variables: object) -> str:
    env = sandboxed_environment(limits)
    return render(compile_template(env, "t.j2", source=source), "t.j2", **variables)


@pytest.mark.parametrize("name", sorted(HOSTILE_TEMPLATES))
def test_hostile_templates_are_one_line_errors(name: str, tmp_path: Path) -> None:
    with pytest.raises(TemplateRejected) as err:
        run(HOSTILE_TEMPLATES[name])
    assert err.value.kind == KINDS[name]
    assert str(err.value).startswith("t.j2") and "\n" not in str(err.value)
    assert not (Path.cwd() / "PWNED").exists()


MORE_ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ data.append(1) }}",  # passed-in lists are immutable
    "{{ data.__len__.__self__ }}",
]


@pytest.mark.parametrize("source", MORE_ESCAPES)
def test_sandbox_escapes_are_refused(source: str) -> None:
    data = [1, 2]
    with pytest.raises(TemplateRejected) as err:
        run(source, data=data)
    assert err.value.kind in ("unsafe", "error") and data == [1, 2]


def test_private_attributes_render_as_nothing() -> None:
    assert run("[{{ self._TemplateReference__context }}][{{ data._x }}]", data=[1]) == "[][]"


def test_shadowing_the_guards_does_not_lift_the_limits() -> None:
    source = (
        "{% set apigen_iterate = none %}{% set range = none %}"
        "{% for a in data %}{% for b in data %}{% endfor %}{% endfor %}"
    )
    with pytest.raises(TemplateRejected, match="loop iterations"):
        run(source, TemplateLimits(max_steps=1_000), data=list(range(100)))


def test_string_doubling_and_output_limits() -> None:
    doubling = "{% set s = 'x' * 1000 %}" + "{% set s = s ~ s %}" * 20 + "{{ s|length }}"
    with pytest.raises(TemplateRejected, match="longer than"):
        run(doubling, TemplateLimits(max_output=100_000))
    with pytest.raises(TemplateRejected, match="output longer than 50"):
        run("{% for i in data %}x{% endfor %}", TemplateLimits(max_output=50), data=[0] * 100)
    for source in ("{{ 'x'|center(10**9) }}", "{{ 'x'.ljust(10**9) }}", "{{ 2**1000000 }}"):
        with pytest.raises(TemplateRejected, match=r"larger|past the size limits"):
            run(source)


def test_ordinary_templates_render_and_budgets_reset_per_render() -> None:
    env = sandboxed_environment(
        TemplateLimits(max_steps=50), extensions=["jinja2.ext.loopcontrols"]
    )
    source = (
        "{% for m in messages %}{{ loop.index }}:{{ m.role }}"
        "{% if loop.last %}{% break %}{% endif %};{% endfor %}"
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ n }}{% endif %}{% endmacro %} {{ f(3) }}"
        " {{ raise_exception is defined }}"
    )
    template = compile_template(env, "chat", source=source)
    messages = [{"role": "user"}, {"role": "assistant"}]
    for _ in range(5):  # each render has its own 50-step budget
        assert render(template, "chat", messages=messages) == "1:user;2:assistant 123 True"


def test_raise_exception_keeps_the_templates_words() -> None:
    with pytest.raises(TemplateRejected) as err:
        run("{{ raise_exception('only one tool call per message') }}")
    assert err.value.kind == "raised"
    assert str(err.value) == "t.j2: only one tool call per message"


def test_syntax_errors_name_the_line() -> None:
    with pytest.raises(TemplateRejected, match=r"t\.j2, line 2: ") as err:
        run("ok\n{% for x in %}")
    assert err.value.kind == "syntax"


@pytest.mark.parametrize("name", sorted(HOSTILE_TEMPLATES))
def test_phase1_prompt_override_is_sandboxed(name: str, tmp_path: Path) -> None:
    (tmp_path / "generator.j2").write_text(HOSTILE_TEMPLATES[name], encoding="utf-8")
    templates = PromptTemplates(tmp_path)
    with pytest.raises(ConfigError, match=r"templates_dir: .*generator\.j2") as err:
        templates.render("generator.j2")
    assert "\n" not in str(err.value)
    assert not (Path.cwd() / "PWNED").exists()
