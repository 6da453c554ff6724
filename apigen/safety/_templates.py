"""The one Jinja environment factory: sandboxed, immutable, and bounded.

Safety by construction, not by a list of forbidden names: templates run in Jinja's
``ImmutableSandboxedEnvironment`` (attributes starting with ``_``, function
internals, frames and code objects are unreachable, passed-in lists and dicts
cannot be mutated). On top, every template is compiled with its ``for`` loops and
``~`` concatenations routed through the environment (an attribute a template
cannot rebind), and every call, ``*``, ``**``, ``+`` and ``%`` goes through checks:

- loop iterations plus calls per render are at most :attr:`TemplateLimits.max_steps`;
- macro/call nesting is at most :attr:`TemplateLimits.max_depth`;
- strings and lists built, and the rendered output, are at most
  :attr:`TemplateLimits.max_output` characters; integers at most
  :attr:`TemplateLimits.max_int_bits` bits; ``range`` at most ``max_steps`` long.

:func:`render` is the only way apigen renders: it applies a fresh budget and turns
any failure into :class:`TemplateRejected` with one line (``name, line N: ...``).
"""

from __future__ import annotations

import contextvars
import functools
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from apigen.errors import Picklable

__all__ = [
    "TemplateLimits",
    "TemplateRejected",
    "compile_template",
    "render",
    "sandboxed_environment",
]


@dataclass(frozen=True)
class TemplateLimits:
    """Per-render limits of every template."""

    max_steps: int = 200_000
    """Loop iterations plus calls per render. Default 200,000."""
    max_depth: int = 64
    """Deepest nesting of calls (recursive macros). Default 64."""
    max_output: int = 8 * 1024 * 1024
    """Longest string or list built, and longest output, in characters. Default 8 Mi."""
    max_int_bits: int = 1 << 16
    """Largest integer a template may compute, in bits. Default 65,536."""


class TemplateRejected(Picklable, ValueError):
    """A template failed or exceeded a limit; ``str()`` is one line.

    ``kind``: ``"limit"`` (a budget ran out), ``"unsafe"`` (the sandbox refused),
    ``"raised"`` (the template called ``raise_exception``), ``"syntax"``,
    ``"missing"`` (no such template), ``"broken"`` (arithmetic: ``1/0``), or
    ``"error"`` (any other failure while rendering, e.g. a missing key of a record).
    """

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class _LimitExceeded(Exception):
    """Raised inside a render; never escapes :func:`render`."""


@dataclass
class _Budget:
    limits: TemplateLimits
    steps: int = 0
    depth: int = 0

    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.limits.max_steps:
            raise _LimitExceeded(f"more than {self.limits.max_steps:,} loop iterations and calls")


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "apigen_template_budget", default=None
)


def _budget(env: Any) -> _Budget:
    found = _BUDGET.get()
    return found if found is not None else _Budget(env.limits)  # per-call fallback


def _check_size(value: Any, limits: TemplateLimits) -> Any:
    if isinstance(value, str | bytes | list | tuple | dict) and len(value) > limits.max_output:
        raise _LimitExceeded(f"a value longer than {limits.max_output:,} characters")
    if isinstance(value, int) and value.bit_length() > limits.max_int_bits:
        raise _LimitExceeded(f"an integer larger than {limits.max_int_bits:,} bits")
    return value


def _check_args(args: Iterable[Any], limits: TemplateLimits) -> None:
    """Integers passed to builtins (``center``, ``ljust``, ``format`` widths) size outputs."""
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > limits.max_output:
            raise _LimitExceeded(f"an argument larger than {limits.max_output:,}")


def _check_binop(operator: str, left: Any, right: Any, limits: TemplateLimits) -> None:
    """Refuse ``*``, ``**`` and ``%`` whose result would exceed the limits, before computing."""
    ints = isinstance(left, int) and isinstance(right, int)
    too_big = False
    if operator == "**" and ints:
        too_big = right > 0 and abs(left) > 1 and left.bit_length() * right > limits.max_int_bits
    elif operator == "*" and ints:
        too_big = left.bit_length() + right.bit_length() > limits.max_int_bits
    elif operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(times, int) and hasattr(seq, "__len__"):
                too_big = too_big or len(seq) * max(times, 0) > limits.max_output
    elif operator == "%":
        _check_args(right if isinstance(right, tuple) else (right,), limits)
    if too_big:
        raise _LimitExceeded(f"a {operator} result past the size limits")


def _make_environment_class() -> type:
    from jinja2 import nodes
    from jinja2.exceptions import TemplateError
    from jinja2.runtime import Macro
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from jinja2.visitor import NodeTransformer

    class _Route(NodeTransformer):
        """``for x in it`` -> ``for x in environment.apigen_iterate(it)``; ``a ~ b`` ->
        ``environment.apigen_concat([a, b])``."""

        def _call(self, name: str, arg: Any, lineno: int) -> Any:
            attr = nodes.EnvironmentAttribute(name, lineno=lineno)
            return nodes.Call(attr, [arg], [], None, None, lineno=lineno)

        def visit_For(self, node: Any) -> Any:
            node = self.generic_visit(node)
            node.iter = self._call("apigen_iterate", node.iter, node.lineno)
            return node

        def visit_Concat(self, node: Any) -> Any:
            node = self.generic_visit(node)
            return self._call("apigen_concat", nodes.List(node.nodes), node.lineno)

    class TemplateRaised(TemplateError):
        """The template called ``raise_exception(message)``."""

    def raise_exception(message: str) -> None:
        raise TemplateRaised(message)

    class BoundedSandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+", "%"})

        def __init__(
            self,
            limits: TemplateLimits,
            filters: dict[str, Any],
            globals: dict[str, Any],
            **options: Any,
        ) -> None:
            super().__init__(**options)
            self.limits = limits
            self.globals.update(globals)
            self.globals["range"] = self.apigen_range
            self.globals.setdefault("raise_exception", raise_exception)
            merged = {**self.filters, **filters}
            self.filters = {k: self._guard_filter(f) for k, f in merged.items()}

        def _parse(self, source: str, name: str | None, filename: str | None) -> Any:
            return _Route().visit(super()._parse(source, name, filename))

        def _guard_filter(self, func: Any) -> Any:
            @functools.wraps(func)
            def guarded(*args: Any, **kwargs: Any) -> Any:
                _budget(self).step()
                _check_args(args[1:], self.limits)
                _check_args(kwargs.values(), self.limits)
                return _check_size(func(*args, **kwargs), self.limits)

            return guarded

        def apigen_iterate(self, iterable: Any) -> Iterator[Any]:
            budget = _budget(self)
            for item in iterable:
                budget.step()
                yield item

        def apigen_concat(self, parts: list[Any]) -> str:
            return _check_size("".join(str(p) for p in parts), self.limits)

        def apigen_range(self, *args: int) -> range:
            rng = range(*args)
            if len(rng) > self.limits.max_steps:
                raise _LimitExceeded(f"range of more than {self.limits.max_steps:,} items")
            return rng

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            _check_binop(operator, left, right, self.limits)
            result = super().call_binop(context, operator, left, right)
            return _check_size(result, self.limits)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            budget = _budget(__self)
            budget.step()
            if not isinstance(__obj, Macro):
                _check_args(args, __self.limits)
                _check_args(kwargs.values(), __self.limits)
            budget.depth += 1
            try:
                if budget.depth > __self.limits.max_depth:
                    raise _LimitExceeded(
                        f"calls nested deeper than {__self.limits.max_depth} (recursion?)"
                    )
                result = super().call(__context, __obj, *args, **kwargs)
            finally:
                budget.depth -= 1
            return _check_size(result, __self.limits)

    return BoundedSandbox


@functools.cache
def _environment_class() -> type:
    return _make_environment_class()


def sandboxed_environment(
    limits: TemplateLimits | None = None,
    *,
    filters: dict[str, Any] | None = None,
    globals: dict[str, Any] | None = None,
    **options: Any,
) -> Any:
    """A new bounded ``ImmutableSandboxedEnvironment``.

    ``filters`` and ``globals`` are added (filters under the same limits as the
    built-in ones); ``options`` are Jinja's (``loader``, ``undefined``,
    ``trim_blocks``, ``extensions``, ...). A ``raise_exception(message)`` global
    is provided unless ``globals`` has one.
    """
    cls = _environment_class()
    return cls(limits or TemplateLimits(), dict(filters or {}), dict(globals or {}), **options)


def compile_template(env: Any, name: str, *, source: str | None = None) -> Any:
    """``env``'s template ``name`` (from its loader), or ``source`` compiled under that
    name; :class:`TemplateRejected` (``syntax``/``missing``) with one line otherwise."""
    from jinja2.exceptions import TemplateNotFound, TemplateSyntaxError

    try:
        return env.get_template(name) if source is None else env.from_string(source)
    except TemplateNotFound:
        raise TemplateRejected(f"no template {name!r}", kind="missing") from None
    except TemplateSyntaxError as exc:
        where = f", line {exc.lineno}" if exc.lineno else ""
        raise TemplateRejected(f"{name}{where}: {exc.message}", kind="syntax") from None


def _line(exc: BaseException, template: Any) -> str:
    """``, line N`` (the line of the template where ``exc`` happened, when known."""
    lineno = getattr(exc, "lineno", None)
    if lineno is None:
        filename = getattr(template, "filename", None) or "<template>"
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
        lineno = frames[-1].lineno if frames else None
    return f", line {lineno}" if lineno else ""


def _kind(exc: BaseException) -> str:
    from jinja2.exceptions import SecurityError, TemplateSyntaxError

    if isinstance(exc, _LimitExceeded | RecursionError | MemoryError):
        return "limit"
    if isinstance(exc, ArithmeticError):
        return "broken"
    if isinstance(exc, SecurityError):
        return "unsafe"
    if isinstance(exc, TemplateSyntaxError):
        return "syntax"
    if type(exc).__name__ == "TemplateRaised":
        return "raised"
    return "error"


def render(template: Any, name: str, /, **variables: Any) -> str:
    """Render ``template`` (from :func:`sandboxed_environment`) within its limits.

    Raises :class:`TemplateRejected` with ``name, line N: message`` for any failure.
    """
    env = template.environment
    budget = _Budget(env.limits)
    token = _BUDGET.set(budget)
    try:
        chunks: list[str] = []
        size = 0
        for chunk in template.generate(**variables):
            size += len(chunk)
            if size > env.limits.max_output:
                raise _LimitExceeded(f"output longer than {env.limits.max_output:,} characters")
            chunks.append(chunk)
        return "".join(chunks)
    except Exception as exc:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        first = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
        kind = _kind(exc)
        if kind == "error":
            first = f"{type(exc).__name__}: {first}"
        where = "" if kind == "raised" else _line(exc, template)  # the template's own words
        raise TemplateRejected(f"{name}{where}: {first}", kind=kind) from None
    finally:
        _BUDGET.reset(token)
