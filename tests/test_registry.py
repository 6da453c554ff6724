"""The registry behind stages, verifiers and exporters: names, entry points, broken plug-ins."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigen._registry import Registry
from apigen.errors import UnknownNameError


def _adopt(name: str, obj: object) -> str:
    if not callable(obj):
        raise TypeError(f"{obj!r} is not callable")
    return f"adopted {name}"


def test_names_are_checked_and_unknown_names_list_the_known_ones() -> None:
    reg: Registry[str] = Registry("gadget", "apigen.test-gadgets", _adopt, max_length=8)
    reg.register("alpha", "a")
    reg.register("beta-2", "b")
    assert reg.names() == ["alpha", "beta-2"] and reg.get("alpha") == "a"
    with pytest.raises(UnknownNameError) as err:
        reg.get("gamma")
    assert str(err.value) == "unknown gadget 'gamma' (known: alpha, beta-2)"
    for bad in ("Alpha", "1st", "has space", "toolongname"):
        with pytest.raises(ValueError):
            reg.register(bad, "x")
    reg.unregister("alpha")
    assert reg.names() == ["beta-2"]


def test_entry_points_register_objects_and_modules_and_skip_broken_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    info = site / "gadgets-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gadgets\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[apigen.test-gadgets]\n"
        "fn = os.path:join\n"
        "mod = json\n"
        "gone = no_such_module_here:thing\n"
        "value = os:sep\n"
    )
    monkeypatch.syspath_prepend(str(site))
    reg: Registry[str] = Registry("gadget", "apigen.test-gadgets", _adopt)
    assert reg.names() == ["fn"]  # a module entry point registers itself on import
    assert reg.get("fn") == "adopted fn"
    assert len(reg.problems) == 2
    assert reg.problems[0].startswith("apigen.test-gadgets plug-in 'gone' (no_such_module_here")
    assert "is not callable" in reg.problems[1]
    reg.rescan()
    assert reg.names() == ["fn"] and len(reg.problems) == 2
