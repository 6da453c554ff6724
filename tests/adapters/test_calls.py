"""Call strings (BFCL's ground truth) are parsed with ``ast``, never evaluated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from apigen.adapters import CallSyntaxError, parse_call


@pytest.mark.parametrize(
    ("text", "params", "name", "arguments"),
    [  # strings as they appear in BFCL_v4_multi_turn_base's possible answers
        ("cd(folder='document')", (), "cd", {"folder": "document"}),
        ("sort('final_report.pdf')", ("file_name",), "sort", {"file_name": "final_report.pdf"}),
        (
            "grep(file_name='final_report.pdf',pattern='budget analysis')",
            (),
            "grep",
            {"file_name": "final_report.pdf", "pattern": "budget analysis"},
        ),
        ("ls(a=True)", (), "ls", {"a": True}),
        ("tail(file_name='log.txt',lines=20)", (), "tail", {"file_name": "log.txt", "lines": 20}),
        (
            "compute_exchange_rate(base_currency='USD', target_currency='GBP', value=2400.0)",
            (),
            "compute_exchange_rate",
            {"base_currency": "USD", "target_currency": "GBP", "value": 2400.0},
        ),
        ("mean(numbers=[1, 2.5, -3])", (), "mean", {"numbers": [1, 2.5, -3]}),
        (
            "set_navigation(destination={'city': 'Rivermist', 'zip': None}, stops=(1, 2))",
            (),
            "set_navigation",
            {"destination": {"city": "Rivermist", "zip": None}, "stops": [1, 2]},
        ),
        ("  get_current_time()  ", (), "get_current_time", {}),
    ],
)
def test_literal_calls_parse(
    text: str, params: tuple[str, ...], name: str, arguments: dict[str, object]
) -> None:
    call = parse_call(text, params)
    assert call.name == name and call.arguments == arguments


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("os.system('ls')", "callee is not a plain name"),
        ("cd(folder=get_home())", "is not a literal"),
        ("cd(folder='a' + 'b')", "is not a literal"),
        ("cd(*args)", "*args"),
        ("cd(**kwargs)", "**kwargs"),
        ("cd(folder='a'); rm(file_name='b')", "not Python syntax"),
        ("import os", "not Python syntax"),
        ("folder", "not a function call"),
        ("(lambda: 1)()", "callee is not a plain name"),
        ("cd(folder={1, 2})", "set argument has no JSON form"),
        ("cd(folder=b'x')", "bytes argument has no JSON form"),
        ("cd(folder='a', folder='b')", "given twice"),
        ("sort('a')", "1 positional arguments, names for 0"),
        ("cd(folder=__import__('os').getcwd())", "is not a literal"),
    ],
)
def test_anything_else_is_rejected_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(CallSyntaxError, match=re.escape(reason)):
        parse_call(text)


def test_nothing_is_ever_evaluated(tmp_path: Path) -> None:
    target = tmp_path / "written"
    for text in (
        f"touch(file_name=open({str(target)!r}, 'w').write('x'))",
        f"open({str(target)!r}, 'w')",
        f"echo(content=[open({str(target)!r}, 'w')])",
    ):
        with pytest.raises(CallSyntaxError):
            parse_call(text)
    assert not target.exists()


def test_without_bfcl_eval_a_bfcl_name_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from apigen.env import get_domain
    from apigen.errors import UserError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "bfcl_eval" else real(name, *a),
    )
    with pytest.raises(UserError, match=re.escape("pip install --no-deps bfcl-eval")):
        get_domain("bfcl:not_installed_category_0")
