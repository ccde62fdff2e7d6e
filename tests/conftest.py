"""Fixtures shared by every suite: a clean AWS-free environment and synthetic case data."""

import os
import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# Never reach a real AWS account from the tests, whatever the developer's shell holds.
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
    os.environ.pop(_name, None)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-2",
        # moto 5.2 in-process misroutes DynamoDB Streams calls from botocore 1.44 without this.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "SafeguardingCaseReviewTrackerTests",
        "POWERTOOLS_DEV": "false",
    }
)
# One hash seed for every worker process of a parallel run (`make unit`, pytest-xdist), which inherit
# this environment: a test named from a set then has the same name in each, as xdist requires. Random
# per run unless the shell sets one, so an order that only one seed gives still gets its chance.
os.environ.setdefault("PYTHONHASHSEED", str(random.SystemRandom().randint(1, 2**32 - 1)))


# `make test` (and so CI) draws the same property examples every run, so that the gate passes or fails
# on the code, never on the luck of one draw; `make unit` and `make fuzz` draw new ones each run and go
# on exploring. Loaded here, before any test module builds its settings from the default profile.
# Hypothesis picks a profile of its own where it sees a CI variable (CI, GITHUB_ACTIONS, ...); one of
# these two is always loaded instead, so what a run draws depends on the make target alone. Neither
# fails a test because drawing its examples was slow on a busy machine (a health check timed by the
# clock), as Hypothesis's CI profile does not either.
_DEFAULT = settings.get_profile("default")
settings.register_profile(
    "reproducible", _DEFAULT, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("exploring", _DEFAULT, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(
    "reproducible" if os.environ.get("SCRT_REPRODUCIBLE_PROPERTIES") == "1" else "exploring"
)


def pytest_report_header() -> str:
    drawn = "the same every run" if settings().derandomize else "new each run"
    return f"PYTHONHASHSEED of worker processes: {os.environ['PYTHONHASHSEED']}; property examples: {drawn}"


def synthetic_case(**overrides: Any) -> dict[str, Any]:
    """A valid CSPR submission for ICB QE1 with made-up content only."""
    body: dict[str, Any] = {
        "icbCode": "QE1",
        "reviewType": "CSPR",
        "status": "OPEN",
        "stage": "IN_PROGRESS",
        "incidentDate": "2026-01-10",
        "dateAdded": "2026-02-02",
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic Children's Safeguarding Partnership",
        "themes": ["NEGLECT", "DOMESTIC_ABUSE"],
        "caseInformation": "Synthetic summary for tests only.",
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not None}


@pytest.fixture
def case_body() -> dict[str, Any]:
    return synthetic_case()


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pin "now" to 2026-11-26 12:00 UTC so date rules and deadlines are deterministic."""
    from datetime import UTC, datetime

    from tracker import clock

    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    yield
