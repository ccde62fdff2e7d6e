"""A domain error is answered with the status the one error table gives it, whichever page raised
it: the web app keeps no table of its own (the API renders the same kinds as problem+json)."""

from typing import Any

import pytest

from tests.unit.web.conftest import EDITOR, Harness
from tracker import errors
from tracker.error_statuses import ERROR_KINDS

REFUSALS = [error_type for error_type in ERROR_KINDS if error_type is not errors.Unauthenticated]


@pytest.mark.parametrize("error_type", REFUSALS, ids=lambda error_type: error_type.__name__)
def test_a_refusal_from_the_domain_is_answered_with_its_status(
    web: Harness, monkeypatch: pytest.MonkeyPatch, error_type: type[errors.DomainError]
) -> None:
    case = web.submit()

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise error_type("Synthetic refusal.")

    monkeypatch.setattr(web.service, "get", refuse)
    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    assert page.status == ERROR_KINDS[error_type].status
    assert "Synthetic refusal." not in page.body  # the page speaks in its own words
    assert page.header("Cache-Control") == "no-store"


def test_an_unexpected_error_is_the_tables_internal_status(
    web: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = web.submit()

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("synthetic failure")

    monkeypatch.setattr(web.service, "get", fail)
    page = web.request("GET", f"/app/cases/{case.case_id}", caller=EDITOR)

    assert page.status == 500
    assert "synthetic failure" not in page.body


def test_a_refusal_without_a_session_still_signs_in_first(web: Harness) -> None:
    page = web.request("GET", "/app/cases/anything")

    assert page.status == 303
    assert "/app/sign-in?next=" in page.location
