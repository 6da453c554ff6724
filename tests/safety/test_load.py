"""The one bounded YAML/JSON loader: limits are checked before anything recursive runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigen.safety import MAX_DEPTH, InputRejected, load_data_file, load_json_text
from tests.hostile.inputs import BINARY, alias_bomb, deep_yaml


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_ordinary_yaml_with_aliases_and_merge_keys_loads(tmp_path: Path) -> None:
    text = "base: &b {x: 1, y: [1, 2]}\nfirst: *b\nsecond:\n  <<: *b\n  z: 3\n"
    data = load_data_file(write(tmp_path, "a.yaml", "\ufeff" + text))
    assert data["first"] == {"x": 1, "y": [1, 2]} and data["second"]["z"] == 3


def test_alias_bomb_is_refused_before_expansion(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.yaml", alias_bomb())
    assert path.stat().st_size < 600
    with pytest.raises(InputRejected, match=r"bomb\.yaml: more than .* aliases are expanded"):
        load_data_file(path)


def test_nesting_limit(tmp_path: Path) -> None:
    assert load_data_file(write(tmp_path, "ok.yaml", deep_yaml(MAX_DEPTH))) is not None
    with pytest.raises(InputRejected, match=f"nested deeper than {MAX_DEPTH} levels"):
        load_data_file(write(tmp_path, "deep.yaml", deep_yaml(MAX_DEPTH + 1)))
    with pytest.raises(InputRejected, match="nest"):  # past libyaml's own limit too
        load_data_file(write(tmp_path, "deeper.yaml", deep_yaml(100_000)))


def test_size_and_binary_limits(tmp_path: Path) -> None:
    with pytest.raises(InputRejected, match="larger than the 100-byte limit"):
        load_data_file(write(tmp_path, "big.yaml", "a: " + "x" * 200), max_bytes=100)
    with pytest.raises(InputRejected, match="binary file"):
        load_data_file(write(tmp_path, "bin.yaml", BINARY))
    with pytest.raises(InputRejected, match="not UTF-8"):
        load_data_file(write(tmp_path, "latin.yaml", "a: caf\xe9".encode("latin-1")))
    with pytest.raises(InputRejected, match="cannot read"):
        load_data_file(tmp_path / "missing.yaml")


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(InputRejected, match=r"bad\.yaml: invalid YAML at line \d: ") as err:
        load_data_file(write(tmp_path, "bad.yaml", "a: 1\nb: [\n"))
    assert err.value.syntax and "\n" not in str(err.value)


def test_json_depth_is_scanned_iteratively_and_ignores_strings(tmp_path: Path) -> None:
    assert load_json_text('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', source="x")
    with pytest.raises(InputRejected, match="nested deeper"):
        load_json_text("[" * 10_000 + "]" * 10_000, source="APIGEN_N")
    with pytest.raises(InputRejected, match="invalid JSON") as err:
        load_json_text("{bad", source="APIGEN_ENDPOINTS")
    assert err.value.syntax
    path = write(tmp_path, "a.json", '{"k": [1, 2]}')
    assert load_data_file(path) == {"k": [1, 2]}
