"""docker-compose.yml lines up with the code's settings (no Docker engine here: parse it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from apigen.store import ENV_VAR

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _flag(command: str, name: str) -> str:
    found = re.search(rf"--{name}[= ](\S+)", command)
    assert found, f"--{name} missing from {command!r}"
    return found.group(1)


def test_services_present(compose: dict[str, Any]) -> None:
    assert {"postgres", "ray-head", "ray-worker"} <= set(compose["services"])
    assert compose["services"]["ray-worker"]["deploy"]["replicas"] >= 1  # scalable


def test_database_url_matches_postgres_service(compose: dict[str, Any]) -> None:
    services = compose["services"]
    pg = services["postgres"]["environment"]
    pg_port = int(services["postgres"]["ports"][0].split(":")[-1])
    for name in ("ray-head", "ray-worker"):
        env = services[name]["environment"]
        url = make_url(env[ENV_VAR])  # the variable the store reads
        assert url.drivername == "postgresql+psycopg"
        assert url.host == "postgres" and (url.port or 5432) == pg_port
        assert url.username == pg["POSTGRES_USER"] and url.password == pg["POSTGRES_PASSWORD"]
        assert url.database == pg["POSTGRES_DB"]


def test_ray_addresses_line_up(compose: dict[str, Any]) -> None:
    services = compose["services"]
    head_cmd = services["ray-head"]["command"]
    port = _flag(head_cmd, "port")
    assert f"{port}:{port}" in services["ray-head"]["ports"]
    for name in ("ray-head", "ray-worker"):
        assert services[name]["environment"]["RAY_ADDRESS"] == f"ray-head:{port}"
    assert _flag(services["ray-worker"]["command"], "address") == f"ray-head:{port}"
    dashboard = _flag(head_cmd, "dashboard-port")
    client = _flag(head_cmd, "ray-client-server-port")
    assert f"{dashboard}:{dashboard}" in services["ray-head"]["ports"]
    assert f"{client}:{client}" in services["ray-head"]["ports"]


def test_image_installs_the_project(compose: dict[str, Any]) -> None:
    head = compose["services"]["ray-head"]
    assert head["build"] == "."
    assert compose["services"]["ray-worker"]["image"] == head["image"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1[1-9]", dockerfile, re.M)
    assert re.search(r"^RUN pip install .*\s\.$", dockerfile, re.M)
    for path in ("apigen", "environments", "blueprints", "pyproject.toml"):
        assert path in dockerfile and (ROOT / path).exists()
    assert "LITELLM_LOCAL_MODEL_COST_MAP=True" in dockerfile


def test_ray_in_image_matches_project_pin() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'"ray\[default\]', text)  # `ray start` needs the default extra
