"""Shared fixtures for the retail domain tests: one pristine environment per session."""

from __future__ import annotations

import pytest

from apigen.env import DB, Environment
from environments.retail import DOMAIN


@pytest.fixture(scope="session")
def env() -> Environment:
    return DOMAIN.load(seed=0, scale=1)


@pytest.fixture(scope="session")
def db(env: Environment) -> DB:
    return env.db


@pytest.fixture(scope="session")
def airline() -> Environment:
    from environments.airline import DOMAIN as AIRLINE

    return AIRLINE.load(seed=0, scale=1)
