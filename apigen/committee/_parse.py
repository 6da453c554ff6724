"""The tolerant answer parser: per-criterion scores out of realistic model text, or why not."""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "UNREADABLE",
    "ParsedAnswer",
    "Scale",
    "Unreadable",
    "find_json_objects",
    "loads_lenient",
    "parse_answer",
    "strip_reasoning",
]

UNREADABLE: dict[str, str] = {
    "empty": "the answer is empty",
    "unfinished_reasoning": "the answer is a reasoning block that never ends",
    "no_json": "the answer holds no JSON object",
    "invalid_json": "the answer's JSON does not decode",
    "no_scores": "no JSON object of the answer scores the criteria",
    "missing_criterion": "a criterion is not scored",
    "bad_score": "a score is neither a number nor a pass/fail word",
    "out_of_range": "a score is outside the declared scale",
    "provider_error": "the model could not be reached",
}
"""Every reason an answer is unusable, by code (the code is stable; the detail varies)."""

_THINK = re.compile(r"<(think|thinking)>.*?</\1\s*>", re.S | re.I)
_THINK_CLOSE = re.compile(r"</think(?:ing)?\s*>", re.I)
_THINK_OPEN = re.compile(r"<think(?:ing)?>", re.I)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_FRACTION = re.compile(r"^(-?\d+(?:\.\d+)?)\s*(?:/|out of)\s*(\d+(?:\.\d+)?)$")
_LEADING_NUMBER = re.compile(r"^(-?\d+(?:\.\d+)?)(?:\s*[(\-–—:,]|\s+\w)")
_MAX_STARTS = 256
"""Opening braces tried per answer (each try scans to its closing brace)."""

_PASS_WORDS = frozenset(
    {"pass", "passed", "passes", "yes", "y", "true", "satisfied", "met", "ok", "correct"}
    | {"✅", "✓", "✔"}
)
_FAIL_WORDS = frozenset(
    {"fail", "failed", "fails", "no", "n", "false", "unsatisfied", "not satisfied", "not met"}
    | {"incorrect", "❌", "✗", "✘"}
)
_TABLE_KEYS = ("criteria", "scores", "ratings", "evaluation", "evaluations", "assessment")
_SCORE_KEYS = ("score", "rating", "value", "verdict", "result", "passed", "pass")
_REASON_KEYS = ("reason", "reasoning", "explanation", "justification", "rationale", "comment")
_RATIONALE_KEYS = ("rationale", "summary", "overall", "explanation", "comment")


@dataclass(frozen=True)
class Scale:
    """The declared range of a score: ``low``..``high`` (inclusive); a score passes
    when it reaches ``passing`` (default: the midpoint, 0.5 on 0-1, 5 on 0-10)."""

    low: float = 0.0
    high: float = 1.0
    passing: float | None = None

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"scale low {self.low} must be below high {self.high}")
        if self.passing is not None and not self.low <= self.passing <= self.high:
            raise ValueError(f"passing mark {self.passing} is outside {self}")

    @property
    def mark(self) -> float:
        """The score a criterion needs to pass."""
        return self.passing if self.passing is not None else (self.low + self.high) / 2

    def normalize(self, score: float) -> float:
        """``score`` mapped to [0, 1]."""
        return (score - self.low) / (self.high - self.low)

    def __str__(self) -> str:
        return f"{self.low:g}-{self.high:g}"


@dataclass(frozen=True)
class ParsedAnswer:
    """A readable answer: a score per criterion (on the declared scale) and what was said."""

    scores: dict[str, float]
    reasons: dict[str, str] = field(default_factory=dict)
    """Per-criterion reasons, where given."""
    rationale: str = ""
    reflection: str = ""
    """A ``reflection`` the member wrote before its scores, where given."""
    correction: Any = None
    """A ``correction`` the member proposed (any JSON), where given."""


@dataclass(frozen=True)
class Unreadable:
    """Why an answer cannot be used: a code of :data:`UNREADABLE` and the detail."""

    code: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else self.code


def strip_reasoning(text: str) -> str | None:
    """``text`` without ``<think>``/``<thinking>`` blocks (closed, or an unopened
    ``…</think>`` prefix); ``None`` when it is all unfinished reasoning."""
    text = _THINK.sub(" ", text)
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:  # the opening tag was in the prompt (Qwen3, DeepSeek-R1 templates)
        text = text[closes[-1].end() :]
    opened = _THINK_OPEN.search(text)
    if opened is not None:
        text = text[: opened.start()]
        if not text.strip():
            return None
    return text


def _closing_brace(text: str, start: int) -> int | None:
    """Index of the brace closing the one at ``start`` (JSON strings respected)."""
    depth, in_string, escaped = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return None


def _uncomment(chunk: str) -> str:
    """``chunk`` without ``//`` and ``/* */`` comments outside strings, trailing commas
    dropped (JSON as Llama and Gemini models annotate it)."""
    out: list[str] = []
    i, in_string = 0, False
    while i < len(chunk):
        ch = chunk[i]
        if in_string:
            out.append(ch)
            if ch == "\\":
                out.append(chunk[i + 1 : i + 2])
                i += 1
            elif ch == '"':
                in_string = False
        elif chunk.startswith("//", i):
            i = chunk.find("\n", i)
            i = len(chunk) if i == -1 else i
            continue
        elif chunk.startswith("/*", i):
            end = chunk.find("*/", i + 2)
            i = len(chunk) if end == -1 else end + 2
            continue
        else:
            in_string = ch == '"'
            out.append(ch)
        i += 1
    return _TRAILING_COMMA.sub(r"\1", "".join(out))


def _decode(chunk: str) -> tuple[Any, str | None]:
    try:
        return json.loads(chunk), None
    except json.JSONDecodeError as exc:
        why = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    for repaired in (_TRAILING_COMMA.sub(r"\1", chunk), _uncomment(chunk)):
        try:
            return json.loads(repaired), None
        except json.JSONDecodeError:
            pass
    try:  # a Python dict literal ({'score': 1, 'ok': True})
        return ast.literal_eval(chunk), None
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None, why


def loads_lenient(text: str) -> tuple[Any, str | None]:
    """``text`` decoded as JSON as models write it (trailing commas, ``//`` and
    ``/* */`` comments, Python literals): ``(value, None)``, or ``(None, why)``."""
    return _decode(text)


def find_json_objects(text: str) -> tuple[list[dict[str, Any]], str | None]:
    """Every outermost JSON object in ``text``, in order, and the first decode error
    of a brace-delimited span that was not one (``None`` when there was none).

    Prose braces (``{name}``) are skipped; an object inside an object that decodes
    is not listed separately; trailing commas and Python dict literals are accepted.
    """
    found: list[dict[str, Any]] = []
    error: str | None = None
    i = text.find("{")
    for _ in range(_MAX_STARTS):
        if i == -1:
            break
        end = _closing_brace(text, i)
        why: str | None
        if end is None:
            value, why = None, "an object is never closed (the answer is cut off?)"
        else:
            value, why = _decode(text[i : end + 1])
        if isinstance(value, dict) and end is not None:
            found.append(value)
            i = text.find("{", end + 1)
            continue
        # Only a span that starts like JSON ({"… or a newline) counts as broken JSON;
        # prose braces such as {item} do not.
        looks_like_json = text[i + 1 : i + 2] in ('"', "\n", "'") or text[i + 1 : i + 3] == ' "'
        if why is not None and error is None and looks_like_json:
            error = why
        i = text.find("{", i + 1)
    return found, error


def _key(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _table(
    obj: Mapping[str, Any], criteria: Sequence[str], depth: int = 0
) -> dict[str, Any] | None:
    """The per-criterion table of ``obj`` with normalised keys, or ``None``."""
    wanted = {_key(c) for c in criteria}
    for key, value in obj.items():
        if _key(key) not in _TABLE_KEYS:
            continue
        if isinstance(value, Mapping):
            return {_key(k): v for k, v in value.items()}
        if isinstance(value, list):
            rows = [r for r in value if isinstance(r, Mapping)]
            named = {
                _key(r.get("name", r.get("criterion", ""))): r
                for r in rows
                if r.get("name", r.get("criterion"))
            }
            if named:
                return named
    bare = {_key(k): v for k, v in obj.items()}
    if wanted & set(bare):
        return bare
    if depth == 0:
        for value in obj.values():
            if isinstance(value, Mapping):
                inner = _table(value, criteria, 1)
                if inner is not None:
                    return inner
    return None


def _first(entry: Mapping[str, Any], keys: Sequence[str]) -> Any:
    lowered = {_key(k): v for k, v in entry.items()}
    return next((lowered[k] for k in keys if k in lowered), None)


def _score(raw: Any, scale: Scale) -> float | str:
    """The score ``raw`` stands for on ``scale``, or why it does not stand for one."""
    if isinstance(raw, bool):
        return scale.high if raw else scale.low
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        word = " ".join(raw.strip().strip(".!").lower().split())
        if word in _PASS_WORDS:
            return scale.high
        if word in _FAIL_WORDS:
            return scale.low
        frac = _FRACTION.match(word)
        lead = _LEADING_NUMBER.match(word)  # "1 (satisfied)", "0 - no confirmation"
        try:
            value = float(frac.group(1) if frac else lead.group(1) if lead else word)
        except ValueError:
            return f"bad_score:{raw!r}"
        if frac and float(frac.group(2)) != scale.high:
            return f"out_of_range:{raw!r} (a score out of {frac.group(2)})"
    else:
        return f"bad_score:{raw!r}"
    if math.isnan(value):
        return f"bad_score:{raw!r}"
    if not scale.low <= value <= scale.high:
        return f"out_of_range:{value:g}"
    return value


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def _read(
    obj: Mapping[str, Any], criteria: Sequence[str], scale: Scale
) -> ParsedAnswer | Unreadable:
    table = _table(obj, criteria)
    if table is None:
        return Unreadable("no_scores", f"no criteria table in an object with keys {sorted(obj)}")
    scores: dict[str, float] = {}
    reasons: dict[str, str] = {}
    for name in criteria:
        if _key(name) not in table:
            return Unreadable("missing_criterion", f"criterion {name!r} is not scored")
        entry = table[_key(name)]
        raw = _first(entry, _SCORE_KEYS) if isinstance(entry, Mapping) else entry
        score = _score(raw, scale)
        if isinstance(score, str):
            code, _, shown = score.partition(":")
            where = f"criterion {name!r} scored {shown}"
            if code == "out_of_range":
                where += f", outside the declared {scale} scale"
            return Unreadable(code, where)
        scores[name] = score
        why = _first(entry, _REASON_KEYS) if isinstance(entry, Mapping) else None
        if _text(why):
            reasons[name] = _text(why)
    rationale = _first(obj, _RATIONALE_KEYS)
    return ParsedAnswer(
        scores,
        reasons,
        _text(rationale) if isinstance(rationale, str) else "",
        _text(_first(obj, ("reflection",))),
        _first(obj, ("correction", "corrections", "revised_blueprint")),
    )


def parse_answer(
    text: str | None, criteria: Sequence[str], scale: Scale | None = None
) -> ParsedAnswer | Unreadable:
    """One member's answer read as scores for ``criteria`` on ``scale`` (default 0-1).

    The last JSON object outside reasoning blocks that scores every criterion in
    range wins. When none does, the reason is the last answer-like object's (one
    with a criteria table): so a 0-10 answer to a 0-1 question is ``out_of_range``,
    not a silent pass; when only fragments decode (an answer cut off, or with an
    unescaped quote) it is ``invalid_json``. Never raises.
    """
    scale = scale or Scale()
    if not text or not text.strip():
        return Unreadable("empty")
    body = strip_reasoning(text)
    if body is None:
        return Unreadable("unfinished_reasoning", "no answer after the <think> block")
    objects, error = find_json_objects(body)
    if not objects:
        if error is not None:
            return Unreadable("invalid_json", error)
        return Unreadable("no_json", "no {...} object in the answer")
    best: Unreadable | None = None
    for obj in reversed(objects):
        read = _read(obj, criteria, scale)
        if isinstance(read, ParsedAnswer):
            return read
        if best is None or (best.code == "no_scores" and read.code != "no_scores"):
            best = read
    assert best is not None
    rows = [o for o in objects if "name" in o or "criterion" in o]
    if best.code == "no_scores" and rows:  # a JSON array (or lines) of per-criterion rows
        read = _read({"criteria": rows}, criteria, scale)
        if isinstance(read, ParsedAnswer) or read.code != "no_scores":
            return read
    if best.code == "no_scores" and error is not None:
        # The objects found are fragments (criteria entries) of an answer that did not decode.
        return Unreadable("invalid_json", error)
    return best
