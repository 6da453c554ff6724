"""Every apigen error crosses a process boundary (pickle, Ray) as itself, fields included."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
import ray

from apigen.errors import (
    BlueprintFileError,
    ConfigError,
    EmptyExportError,
    ProviderError,
    UnknownNameError,
)
from apigen.safety import InputRejected, TemplateRejected
from tests.test_errors import _error_classes

SAMPLES: dict[str, Any] = {
    "ConfigError": lambda: ConfigError("must be > 0", field="workers"),
    "UnknownNameError": lambda: UnknownNameError("sim role", "nonexistent", ["agent", "human"]),
    "BlueprintFileError": lambda: BlueprintFileError("bp.yaml", "bad", field="actions.0"),
    "EmptyExportError": lambda: EmptyExportError({"no tool call": 3}),
    "ProviderError": lambda: ProviderError(
        "429 slow down", kind="rate_limit", retryable=True, status_code=429, retry_after=1.5
    ),
    "NotFound": lambda: _error_classes()["NotFound"]("orders", "#W1"),
}
"""Constructors of the classes whose ``__init__`` is not ``(message)``."""

OTHERS = [
    lambda: TemplateRejected("generator.j2: loop limit", kind="limit"),
    lambda: InputRejected("cfg.yaml: aliases expand past 10000 nodes", syntax=False),
]


def _sample(name: str, cls: type) -> BaseException:
    make = SAMPLES.get(name)
    return make() if make is not None else cls(f"{name} happened")


def _same(a: BaseException, b: BaseException) -> None:
    assert type(a) is type(b)
    assert str(a) == str(b) and a.args == b.args
    assert vars(a) == vars(b)


def _every_error() -> list[BaseException]:
    return [_sample(n, c) for n, c in sorted(_error_classes().items())] + [o() for o in OTHERS]


def test_every_error_class_round_trips_through_pickle_with_its_fields() -> None:
    errors = _every_error()
    assert len(errors) >= 13
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        _same(error, copy)
    known = pickle.loads(pickle.dumps(SAMPLES["UnknownNameError"]()))
    assert known.known == ("agent", "human") and known.name == "nonexistent"
    provider = pickle.loads(pickle.dumps(SAMPLES["ProviderError"]()))
    assert provider.retryable and provider.status_code == 429 and provider.retry_after == 1.5


@ray.remote(max_retries=0)
def _raise(blob: bytes) -> None:
    raise pickle.loads(blob)


@pytest.mark.usefixtures("ray_local")
@pytest.mark.parametrize("make", [SAMPLES["UnknownNameError"], SAMPLES["ProviderError"], OTHERS[0]])
def test_an_error_raised_in_a_ray_task_reaches_the_driver_as_itself(make: Any) -> None:
    error = make()
    with pytest.raises(type(error)) as caught:
        ray.get(_raise.remote(pickle.dumps(error)))
    cause = getattr(caught.value, "cause", caught.value)
    _same(error, cause)
