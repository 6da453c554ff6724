"""Shared fixtures. The toy domain is registered for every test session."""

from __future__ import annotations

import pytest

from apigen.env import Environment, register_domain
from tests.support.toy import DOMAIN as TOY


@pytest.fixture(scope="session", autouse=True)
def _toy_registered() -> None:
    register_domain(TOY)


@pytest.fixture(scope="session")
def toy_env() -> Environment:
    return TOY.load(seed=0)
