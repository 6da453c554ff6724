"""Every registered domain passes the environment contract (DESIGN.md: conformance suite)."""

from __future__ import annotations

import pytest

from apigen.blueprints import check_curated
from apigen.env import CONFORMANCE_CHECKS, domain_names, get_domain
from tests.support.toy import DOMAIN as TOY

TAUBENCH = "taubench:tests.support.taubench_shop"  # a τ-bench-shaped package, adapted
DOMAINS = sorted(set(domain_names()) | {TOY.name, TAUBENCH})


@pytest.mark.parametrize("check", sorted(CONFORMANCE_CHECKS))
@pytest.mark.parametrize("domain", DOMAINS)
def test_domain_conforms(domain: str, check: str) -> None:
    CONFORMANCE_CHECKS[check](get_domain(domain))


@pytest.mark.parametrize("domain", DOMAINS)
def test_curated_blueprints_replay(domain: str) -> None:
    reports = check_curated(domain)
    failed = [f"{r.path}: {r.failure}" for r in reports if not r.passed]
    assert not failed, "\n".join(failed)
