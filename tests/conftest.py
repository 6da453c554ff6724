"""Fixtures shared by the whole suite.

``apigen`` is imported first so ``LITELLM_LOCAL_MODEL_COST_MAP`` is set before any
test module imports litellm (litellm fetches its price list at import otherwise).
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

import apigen  # noqa: F401  (must precede any litellm import)
from apigen.env import Environment, register_domain
from tests.support.toy import DOMAIN as TOY

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost", "0.0.0.0"})


class NetworkBlockedError(ConnectionRefusedError):
    """A test tried to reach a host other than loopback."""


def _check_host(host: Any) -> None:
    if isinstance(host, bytes):
        host = host.decode()
    if host is not None and str(host) not in _LOOPBACK:
        raise NetworkBlockedError(f"network disabled in tests: {host!r} is not loopback")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection and name lookup that is not to 127.0.0.1 / ::1."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _check_host(address[0])
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _check_host(address[0])
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        _check_host(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(scope="session", autouse=True)
def _toy_registered() -> None:
    register_domain(TOY)


@pytest.fixture(scope="session")
def toy_env() -> Environment:
    return TOY.load(seed=0)
