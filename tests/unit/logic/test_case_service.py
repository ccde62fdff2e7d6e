"""The case use cases on the in-memory store: the order of answers, what changes and what is kept.

No HTTP and no DynamoDB here: commands in, domain objects or domain errors out.
"""

from datetime import date
from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.memory import InMemoryCaseStore, InMemoryLedger
from tracker.access import AccessPolicy, Caller
from tracker.errors import (
    FieldError,
    InvalidInput,
    NotAllowed,
    NotVisible,
    PreconditionMissing,
    TooLarge,
    UnreadableInput,
    UnsupportedFormat,
    VersionMismatch,
)
from tracker.logic import cases as cases_module
from tracker.logic.cases import CaseService
from tracker.logic.commands import (
    IDEMPOTENCY_KEY,
    ListCases,
    ReadHistory,
    SubmitCase,
    Unreadable,
    UpdateCase,
    VersionCondition,
)
from tracker.logic.cursor import CursorCodec
from tracker.models.enums import Role
from tracker.reference import reference_data
from tracker.rules.deadlines import compute_deadlines

EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1")
OTHER_EDITOR = Caller(Role.ICB_EDITOR, "QOP", "editor-2")
VIEWER = Caller(Role.ICB_VIEWER, "QE1", "viewer-1")
REGIONAL = Caller(Role.REGIONAL, "Y62", "regional-1")
OTHER_REGION = Caller(Role.REGIONAL, "Y56", "regional-2")
NATIONAL = Caller(Role.NATIONAL, "X24", "national-1")


def version(number: int) -> VersionCondition:
    return VersionCondition(versions=frozenset({number}))


@pytest.fixture
def store() -> InMemoryCaseStore:
    return InMemoryCaseStore()


@pytest.fixture
def ledger() -> InMemoryLedger:
    return InMemoryLedger()


@pytest.fixture
def service(store: InMemoryCaseStore, ledger: InMemoryLedger, fixed_today: None) -> CaseService:
    reference = reference_data()
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    return CaseService(store, AccessPolicy(reference), reference, lambda: codec, lambda: ledger)


def submit(service: CaseService, caller: Caller = EDITOR, **overrides: Any) -> Any:
    return service.submit(caller, SubmitCase(synthetic_case(**overrides)))


def patch(
    service: CaseService, case_id: str, body: Any, expected: int | None = 1, caller: Caller = EDITOR
) -> Any:
    condition = version(expected) if expected is not None else None
    return service.update(caller, UpdateCase(case_id, body, condition))


# -- the order of answers -----------------------------------------------------------------------


def test_update_answers_in_the_contracts_order(service: CaseService) -> None:
    """GIVEN a QE1 case WHEN a patch is wrong in every way at once THEN the most important wins."""
    case = submit(service)
    unreadable = Unreadable(UnreadableInput("bad", [FieldError("", "is not valid JSON")]))
    with pytest.raises(NotVisible):  # another ICB's editor: not visible beats everything
        service.update(OTHER_EDITOR, UpdateCase(case.case_id, unreadable, None))
    with pytest.raises(NotAllowed):  # visible but a viewer: 403 beats a missing If-Match
        service.update(VIEWER, UpdateCase(case.case_id, unreadable, None))
    with pytest.raises(PreconditionMissing):
        service.update(EDITOR, UpdateCase(case.case_id, unreadable, None))
    with pytest.raises(VersionMismatch):
        service.update(EDITOR, UpdateCase(case.case_id, unreadable, version(7)))
    with pytest.raises(UnreadableInput):
        service.update(EDITOR, UpdateCase(case.case_id, unreadable, version(1)))
    with pytest.raises(InvalidInput):
        service.update(EDITOR, UpdateCase(case.case_id, {"themes": []}, version(1)))


def test_an_unsupported_format_is_raised_after_the_preconditions(service: CaseService) -> None:
    case = submit(service)
    unsupported = Unreadable(UnsupportedFormat("no", [FieldError("Content-Type", "no", "header")]))
    with pytest.raises(VersionMismatch):
        service.update(EDITOR, UpdateCase(case.case_id, unsupported, version(2)))
    with pytest.raises(UnsupportedFormat):
        service.update(EDITOR, UpdateCase(case.case_id, unsupported, version(1)))


def test_submit_is_refused_before_its_body_or_key_is_read(
    service: CaseService, store: InMemoryCaseStore
) -> None:
    """A viewer with a malformed body and a 200-character key is told it may not submit (403)."""
    unreadable = Unreadable(UnreadableInput("bad", [FieldError("", "is not valid JSON")]))
    with pytest.raises(NotAllowed):
        service.submit(VIEWER, SubmitCase(unreadable, idempotency_key="k" * 200))
    with pytest.raises(NotAllowed):
        service.submit(VIEWER, SubmitCase(synthetic_case(), idempotency_key="k" * 200))
    with pytest.raises(UnreadableInput) as raised:
        service.submit(EDITOR, SubmitCase(synthetic_case(), idempotency_key="k" * 200))
    assert raised.value.errors[0].field == IDEMPOTENCY_KEY
    assert store.cases == {}


def test_an_invisible_case_and_a_missing_one_look_the_same(service: CaseService) -> None:
    case = submit(service)
    with pytest.raises(NotVisible) as foreign:
        service.get(OTHER_EDITOR, case.case_id)
    with pytest.raises(NotVisible) as missing:
        service.get(OTHER_EDITOR, "00000000-0000-4000-8000-000000000000")
    assert (foreign.value.detail, foreign.value.errors) == (missing.value.detail, missing.value.errors)


# -- what changes --------------------------------------------------------------------------------


def test_an_icb_editor_may_resend_the_regional_answer_unchanged(service: CaseService) -> None:
    """The regional-only field is checked by what changes, not by what the patch names."""
    case = submit(service, reviewType="DHR")
    answered = patch(
        service, case.case_id, {"regionalChiefNurseContentToAcceptDhrHealthRecs": "YES"}, 1, REGIONAL
    )
    same = {"regionalChiefNurseContentToAcceptDhrHealthRecs": "YES", "localReference": "L-1"}
    assert patch(service, case.case_id, same, answered.version).version == answered.version + 1
    with pytest.raises(NotAllowed) as refused:
        patch(service, case.case_id, {"regionalChiefNurseContentToAcceptDhrHealthRecs": "NO"}, 3)
    assert refused.value.errors[0].field == "regionalChiefNurseContentToAcceptDhrHealthRecs"


def test_an_icb_editor_sending_null_for_an_unanswered_regional_field_changes_nothing(
    service: CaseService,
) -> None:
    case = submit(service, reviewType="DHR")
    updated = patch(
        service, case.case_id, {"regionalChiefNurseContentToAcceptDhrHealthRecs": None, "localReference": "A"}
    )
    assert updated.version == 2
    new = service.submit(
        EDITOR, SubmitCase(synthetic_case(regionalChiefNurseContentToAcceptDhrHealthRecs=None))
    )
    assert new.version == 1


def test_after_the_region_answered_the_icb_can_still_change_the_review_type(service: CaseService) -> None:
    case = submit(service, reviewType="DHR")
    patch(service, case.case_id, {"regionalChiefNurseContentToAcceptDhrHealthRecs": "PENDING"}, 1, REGIONAL)
    changed = patch(service, case.case_id, {"reviewType": "SAR"}, 2)
    assert changed.review_type.value == "SAR"
    assert changed.regional_chief_nurse_content_to_accept_dhr_health_recs is None
    history = service.history(EDITOR, ReadHistory(case.case_id))
    assert "regionalChiefNurseContentToAcceptDhrHealthRecs" in history.items[-1].changed_fields


def test_the_regional_team_may_change_only_its_question(service: CaseService) -> None:
    case = submit(service, reviewType="DHR")
    with pytest.raises(NotAllowed) as refused:
        patch(service, case.case_id, {"localReference": "R"}, 1, REGIONAL)
    assert refused.value.errors[0].field == "localReference"
    with pytest.raises(NotVisible):
        patch(
            service, case.case_id, {"regionalChiefNurseContentToAcceptDhrHealthRecs": "YES"}, 1, OTHER_REGION
        )


def test_a_stale_write_changes_nothing(service: CaseService, store: InMemoryCaseStore) -> None:
    case = submit(service)
    patch(service, case.case_id, {"localReference": "first"})
    with pytest.raises(VersionMismatch):
        patch(service, case.case_id, {"localReference": "second"}, 1)
    assert store.cases[case.case_id].local_reference == "first"
    assert [entry.version for entry in store.history[case.case_id]] == [1, 2]


def test_if_match_star_applies_to_any_version(service: CaseService) -> None:
    case = submit(service)
    any_version = VersionCondition(any_version=True)
    assert service.update(EDITOR, UpdateCase(case.case_id, {"localReference": "x"}, any_version)).version == 2


# -- bounds --------------------------------------------------------------------------------------


def test_a_case_too_big_to_store_is_refused_before_a_reference_is_used(
    service: CaseService, store: InMemoryCaseStore
) -> None:
    recommendations = [
        {
            "recommendationId": f"R{number}",
            "theme": "NEGLECT",
            "text": "Synthetic recommendation text. " * 120,
            "owner": "Designated nurse",
            "dueDate": "2027-03-31",
            "status": "IN_PROGRESS",
            "evidence": "Synthetic evidence text. " * 150,
        }
        for number in range(100)
    ]
    with pytest.raises(InvalidInput) as refused:
        submit(service, recommendations=recommendations)
    assert str(cases_module.MAX_CASE_BYTES) in refused.value.errors[0].detail
    assert store.cases == {} and store.counters == {}


def test_a_patch_that_would_make_the_case_too_big_writes_nothing(
    service: CaseService, store: InMemoryCaseStore
) -> None:
    case = submit(service)
    big = [
        {
            "recommendationId": f"R{number}",
            "theme": "NEGLECT",
            "text": "Synthetic recommendation text. " * 120,
            "owner": "Designated nurse",
            "dueDate": "2027-03-31",
            "status": "IN_PROGRESS",
        }
        for number in range(100)
    ]
    with pytest.raises(InvalidInput):
        patch(service, case.case_id, {"recommendations": big})
    assert store.cases[case.case_id].version == 1


def test_history_is_paged_oldest_first_with_a_cursor(service: CaseService) -> None:
    case = submit(service)
    for number in range(1, 6):
        patch(service, case.case_id, {"localReference": f"L{number}"}, number)
    first = service.history(EDITOR, ReadHistory(case.case_id, limit=4))
    assert [entry.version for entry in first.items] == [1, 2, 3, 4] and first.next_cursor
    second = service.history(EDITOR, ReadHistory(case.case_id, limit=4, cursor=first.next_cursor))
    assert [entry.version for entry in second.items] == [5, 6] and second.next_cursor is None
    with pytest.raises(UnreadableInput):  # bound to the caller and the page size
        service.history(EDITOR, ReadHistory(case.case_id, limit=3, cursor=first.next_cursor))


def test_history_pages_stop_at_the_byte_cap(service: CaseService, monkeypatch: pytest.MonkeyPatch) -> None:
    case = submit(service)
    for number in range(1, 4):
        patch(service, case.case_id, {"localReference": f"L{number}"}, number)
    one_entry = cases_module.response_bytes(
        service.history(EDITOR, ReadHistory(case.case_id, limit=1)).items[0]
    )
    monkeypatch.setattr(cases_module, "MAX_PAGE_BYTES", one_entry * 2 + 10)
    page = service.history(EDITOR, ReadHistory(case.case_id, limit=100))
    assert len(page.items) == 2 and page.next_cursor is not None
    rest = service.history(EDITOR, ReadHistory(case.case_id, limit=100, cursor=page.next_cursor))
    assert [entry.version for entry in rest.items] == [3, 4]


def test_list_pages_stop_at_the_byte_cap(service: CaseService, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(5):
        submit(service)
    monkeypatch.setattr(cases_module, "MAX_PAGE_BYTES", 1)
    page = service.list(EDITOR, ListCases(limit=100))
    assert len(page.items) == 1 and page.next_cursor is not None


def test_a_list_reads_about_a_page(service: CaseService, store: InMemoryCaseStore) -> None:
    for _ in range(30):
        submit(service)
    page = service.list(NATIONAL, ListCases(limit=10))
    assert len(page.items) == 10 and page.next_cursor is not None
    assert store.reads == 11


def test_a_list_filter_outside_the_callers_region_reads_nothing(
    service: CaseService, store: InMemoryCaseStore
) -> None:
    submit(service)
    assert service.list(OTHER_REGION, ListCases(icb_code="QE1")).items == []
    assert store.reads == 0


# -- idempotency ---------------------------------------------------------------------------------


def test_a_key_is_kept_per_caller_and_the_parts_cannot_collide(
    service: CaseService, ledger: InMemoryLedger
) -> None:
    """Colons in a subject or key must not let two callers' keys meet."""
    first = service.submit(
        Caller(Role.ICB_EDITOR, "QE1", "a:b"), SubmitCase(synthetic_case(), idempotency_key="c")
    )
    second = service.submit(
        Caller(Role.ICB_EDITOR, "QE1", "a"), SubmitCase(synthetic_case(), idempotency_key="b:c")
    )
    assert first.case_id != second.case_id
    assert len(ledger.entries) == 2


def test_a_replay_returns_the_first_version(service: CaseService) -> None:
    command = SubmitCase(synthetic_case(), idempotency_key="form-1")
    first = service.submit(EDITOR, command)
    patch(service, first.case_id, {"localReference": "later"})
    replay = service.submit(EDITOR, command)
    assert (replay.case_id, replay.version, replay.local_reference) == (first.case_id, 1, None)
    with pytest.raises(InvalidInput) as reused:
        service.submit(EDITOR, SubmitCase(synthetic_case(localReference="other"), idempotency_key="form-1"))
    assert reused.value.errors[0].field == IDEMPOTENCY_KEY


# -- planned dates are not facts -----------------------------------------------------------------


def test_a_planned_publication_date_does_not_hide_an_overdue_cspr(service: CaseService) -> None:
    """dateAdded 2026-02-02: publication due 2026-08-02; today 2026-11-26; publication planned for 2027."""
    case = submit(service, publicationDate="2027-01-15")
    assert case.deadlines.publication_overdue and case.deadlines.overdue
    published = compute_deadlines(
        case.model_copy(update={"publication_date": date(2026, 11, 1)}), date(2026, 11, 26)
    )
    assert not published.publication_overdue


def test_a_planned_publication_date_does_not_close_a_review(service: CaseService) -> None:
    with pytest.raises(InvalidInput) as refused:
        submit(service, status="CLOSED", stage="PUBLISHED", publicationDate="2027-01-15")
    assert refused.value.errors[0].field == "status"
    closed = submit(service, status="CLOSED", stage="PUBLISHED", publicationDate="2026-11-20")
    assert closed.status.value == "CLOSED"


def test_a_body_too_large_is_refused_after_authorisation(service: CaseService) -> None:
    too_large = Unreadable(TooLarge("too large", [FieldError("", "too large")]))
    with pytest.raises(NotAllowed):
        service.submit(VIEWER, SubmitCase(too_large))
    with pytest.raises(TooLarge):
        service.submit(EDITOR, SubmitCase(too_large))


def test_the_problem_body_lists_at_most_a_hundred_errors() -> None:
    import json

    from tracker.api.problems import MAX_ERRORS_LISTED, problem_from_error

    errors = [FieldError(f"field{number}", "is wrong") for number in range(500)]
    body = json.loads(str(problem_from_error(InvalidInput("bad", errors)).body))
    assert len(body["errors"]) == MAX_ERRORS_LISTED + 1
    assert body["errors"][-1]["detail"] == "and 400 more errors"


@pytest.mark.parametrize("review_type", [["DHR"], {"type": "DHR"}, 7, None])
def test_a_review_type_of_the_wrong_json_type_is_invalid_not_an_error(
    service: CaseService, review_type: Any
) -> None:
    case = submit(service, reviewType="DHR")
    with pytest.raises(InvalidInput) as refused:
        patch(service, case.case_id, {"reviewType": review_type})
    assert refused.value.errors[0].field == "reviewType"


def test_error_pointers_are_escaped_as_rfc_6901_requires(service: CaseService) -> None:
    assert FieldError("x", "bad", path=("a/b", 0, "c~d")).pointer == "/a~1b/0/c~0d"
    case = submit(service)
    with pytest.raises(InvalidInput) as refused:
        patch(service, case.case_id, {"odd/name~1": "x"})
    assert refused.value.errors[0].as_dict()["pointer"] == "/odd~1name~01"
