"""A rapid review linked by its reference on the web forms: typed as ``QE1-2026-0075``, stored as
the case id, shown again as the reference; a reference the caller cannot see is a field error."""

from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.memory import InMemoryCaseStore, InMemoryLedger
from tracker.access import AccessPolicy, Caller
from tracker.logic.cases import CaseService
from tracker.logic.commands import SubmitCase
from tracker.logic.cursor import CursorCodec
from tracker.models.case import Case
from tracker.models.enums import Role
from tracker.reference import reference_data
from tracker.web.case_links import linked_case, with_case_ids, with_references
from tracker.web.messages import field_message

EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1")
LONDON_EDITOR = Caller(Role.ICB_EDITOR, "QKK", "editor-2")


@pytest.fixture
def service(fixed_today: None) -> CaseService:
    reference = reference_data()
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    ledger = InMemoryLedger()
    return CaseService(InMemoryCaseStore(), AccessPolicy(reference), reference, lambda: codec, lambda: ledger)


def _rapid_review(service: CaseService, caller: Caller = EDITOR) -> Case:
    body = synthetic_case(icbCode=caller.org, reviewType="RAPID_REVIEW", stage="RAPID_REVIEW")
    return service.submit(caller, SubmitCase(document=body))


def test_a_typed_reference_becomes_the_case_id(service: CaseService) -> None:
    rapid = _rapid_review(service)
    document: dict[str, Any] = {"convertedFromCaseId": f" {rapid.reference.lower()} ", "stage": "IN_PROGRESS"}

    assert with_case_ids(service, EDITOR, document) == []
    assert document == {"convertedFromCaseId": rapid.case_id, "stage": "IN_PROGRESS"}


def test_a_reference_the_caller_cannot_see_is_a_field_error_in_plain_english(service: CaseService) -> None:
    hidden = _rapid_review(service, LONDON_EDITOR)
    for typed in (hidden.reference, "QE1-2026-0075", "not a reference"):
        document: dict[str, Any] = {"convertedFromCaseId": typed}
        problems = with_case_ids(service, EDITOR, document)
        assert [(problem.field, problem.detail) for problem in problems] == [
            ("convertedFromCaseId", f"No rapid review with reference {typed} that you can see")
        ]
        # The form's message catalogue shows the sentence as it is.
        assert field_message("Converted from", problems[0].detail) == problems[0].detail


def test_an_empty_box_links_nothing(service: CaseService) -> None:
    document: dict[str, Any] = {"convertedFromCaseId": None}
    assert with_case_ids(service, EDITOR, document) == [] and document == {"convertedFromCaseId": None}


def test_a_stored_id_is_shown_as_its_reference_and_read_back_unchanged(service: CaseService) -> None:
    rapid = _rapid_review(service)
    stored = {"convertedFromCaseId": rapid.case_id}

    shown = with_references(service, EDITOR, stored)
    assert shown == {"convertedFromCaseId": rapid.reference}
    assert stored == {"convertedFromCaseId": rapid.case_id}  # the document itself is left as it was

    posted = dict(shown)
    assert with_case_ids(service, EDITOR, posted, stored) == []
    assert posted == stored


def test_an_id_out_of_sight_stays_an_id_and_is_kept_when_posted_back(service: CaseService) -> None:
    hidden = _rapid_review(service, LONDON_EDITOR)
    stored = {"convertedFromCaseId": hidden.case_id}

    shown = with_references(service, EDITOR, stored)
    assert shown == stored  # nothing about the other ICB's case is told

    posted = dict(shown)
    assert with_case_ids(service, EDITOR, posted, stored) == [] and posted == stored


def test_the_case_page_links_a_visible_case_by_its_reference(service: CaseService) -> None:
    rapid = _rapid_review(service)
    hidden = _rapid_review(service, LONDON_EDITOR)

    link = linked_case(service, EDITOR, rapid.case_id)
    assert link is not None and (link.reference, link.case_id) == (rapid.reference, rapid.case_id)
    assert linked_case(service, EDITOR, hidden.case_id) is None
    assert linked_case(service, EDITOR, None) is None
