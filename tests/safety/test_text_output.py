"""Terminal text is shown, never executed; outputs are never silently overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigen.errors import UserError
from apigen.safety import check_output, printable


def test_printable_escapes_controls_and_keeps_text() -> None:
    hostile = "a\x1b[2J\x1b]0;title\x07\x1b]8;;http://x\x1b\\link\x9b31m\rb\x08\u202eevil"
    shown = printable(hostile)
    assert not any(c in shown for c in "\x1b\x07\r\x08\x9b\u202e")
    assert shown == (
        "a\\x1b[2J\\x1b]0;title\\x07\\x1b]8;;http://x\\x1b\\link\\x9b31m\\x0db\\x08\\u202eevil"
    )
    assert printable("tab\tnew\nline é 漢字 🙂") == "tab\tnew\nline é 漢字 🙂"
    assert printable("a\nb", newlines=False) == "a\\x0ab"


def test_check_output(tmp_path: Path) -> None:
    assert check_output(tmp_path / "new.json") == tmp_path / "new.json"
    (tmp_path / "old.json").write_text("mine")
    with pytest.raises(UserError, match=r"--out .*old\.json: exists \(pass --force"):
        check_output(tmp_path / "old.json")
    assert check_output(tmp_path / "old.json", force=True)
    with pytest.raises(UserError, match="is a directory"):
        check_output(tmp_path)
    with pytest.raises(UserError, match="does not exist"):
        check_output(tmp_path / "no" / "x.json")
    (tmp_path / "d").mkdir()
    assert check_output(tmp_path / "d", directory=True)
    (tmp_path / "d" / "f.yaml").write_text("")
    with pytest.raises(UserError, match="directory is not empty"):
        check_output(tmp_path / "d", directory=True)
    with pytest.raises(UserError, match="is a file"):
        check_output(tmp_path / "old.json", directory=True)
