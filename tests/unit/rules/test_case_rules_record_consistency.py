"""Records that make sense: stage, status and dates that cannot all be true are refused with a
message saying how to fix them; stored cases that break a newer rule stay readable and are listed."""

from typing import Any

import pytest

from tests.conftest import synthetic_case
from tracker.errors import InvalidInput
from tracker.models.case import Case
from tracker.rules.case_rules import (
    EARLIEST_REVIEW_DATE,
    consistency_problems,
    stored_case_problems,
    validate_case_fields,
)

pytestmark = pytest.mark.usefixtures("fixed_today")


def problems_of(body: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        validate_case_fields(body)
    return {error.field: error.detail for error in raised.value.errors}


def test_published_without_a_publication_date_says_how_to_fix_it() -> None:
    problems = problems_of(synthetic_case(stage="PUBLISHED"))
    assert problems == {"publicationDate": "Enter the publication date, or choose a stage before Published"}


def test_published_with_a_planned_publication_date_is_refused() -> None:
    problems = problems_of(synthetic_case(stage="PUBLISHED", publicationDate="2026-12-20"))
    assert set(problems) == {"publicationDate"}
    assert "today or in the past" in problems["publicationDate"]


def test_a_planned_publication_date_is_fine_before_publication() -> None:
    validate_case_fields(synthetic_case(stage="IN_PROGRESS", publicationDate="2026-12-20"))


def test_stage_closed_with_status_open_is_refused() -> None:
    problems = problems_of(synthetic_case(stage="CLOSED", status="OPEN"))
    assert set(problems) == {"status"}
    assert "Closed" in problems["status"]


@pytest.mark.parametrize("stage", ["NOTIFIED", "RAPID_REVIEW", "DECISION_PENDING", "IN_PROGRESS"])
def test_status_closed_at_a_stage_before_sign_off_is_refused(stage: str) -> None:
    body = synthetic_case(status="CLOSED", stage=stage, reportSignedOffDate="2026-06-01")
    assert set(problems_of(body)) == {"stage"}


@pytest.mark.parametrize(
    ("stage", "extra"),
    [
        ("REPORT_SIGNED_OFF", {"reportSignedOffDate": "2026-06-01"}),
        ("PUBLISHED", {"publicationDate": "2026-07-01"}),
        ("EMBARGOED", {"embargoed": True}),
        ("ACTIONS_MONITORING", {"reportSignedOffDate": "2026-06-01"}),
        ("CLOSED", {"reportSignedOffDate": "2026-06-01"}),
    ],
)
def test_status_closed_at_a_finished_stage_is_accepted(stage: str, extra: dict[str, Any]) -> None:
    validate_case_fields(synthetic_case(status="CLOSED", stage=stage, **extra))


def test_report_signed_off_stage_needs_the_sign_off_date() -> None:
    problems = problems_of(synthetic_case(stage="REPORT_SIGNED_OFF"))
    assert set(problems) == {"reportSignedOffDate"}
    assert problems["reportSignedOffDate"].startswith("Enter the date the report was signed off")


def test_embargoed_stage_needs_the_embargo_answer() -> None:
    assert set(problems_of(synthetic_case(stage="EMBARGOED"))) == {"embargoed"}
    assert set(problems_of(synthetic_case(stage="EMBARGOED", embargoed=False))) == {"embargoed"}


@pytest.mark.parametrize("field", ["dateAdded", "reportSignedOffDate", "publicationDate"])
def test_review_dates_before_the_earliest_review_are_refused(field: str) -> None:
    too_early = EARLIEST_REVIEW_DATE.replace(day=EARLIEST_REVIEW_DATE.day - 1).isoformat()
    dates = {"incidentDate": "2010-01-01", "dateAdded": "2026-02-02", field: too_early}
    body = synthetic_case(**dates)
    problems = problems_of(body)
    assert field in problems
    assert "13 April 2011" in problems[field]


def test_the_earliest_review_date_itself_is_accepted() -> None:
    earliest = EARLIEST_REVIEW_DATE.isoformat()
    validate_case_fields(synthetic_case(incidentDate="2010-01-01", dateAdded=earliest))


def test_an_incident_long_before_the_review_is_accepted() -> None:
    # Reviews of non-recent abuse concern incidents decades old: the floor is for the review's dates.
    validate_case_fields(synthetic_case(incidentDate="1995-06-01"))


def test_a_recommendation_due_before_the_earliest_review_is_refused() -> None:
    recommendation = {
        "recommendationId": "R1",
        "theme": "NEGLECT",
        "text": "Synthetic recommendation",
        "owner": "Synthetic owner",
        "dueDate": "2010-01-01",
        "status": "NOT_STARTED",
    }
    problems = problems_of(synthetic_case(recommendations=[recommendation]))
    assert set(problems) == {"recommendations[0].dueDate"}


def test_a_stored_breach_is_tolerated_when_the_change_keeps_it_as_it_was() -> None:
    stored = Case.model_validate(stored_record(stage="PUBLISHED"))
    tolerated = consistency_problems(stored)
    assert tolerated  # the stored case breaks the publication rule
    changed = synthetic_case(stage="PUBLISHED", comments="Synthetic follow-up note")
    validate_case_fields(changed, tolerated=tolerated)


def test_a_new_breach_is_refused_even_when_an_old_one_is_tolerated() -> None:
    stored = Case.model_validate(stored_record(stage="PUBLISHED"))
    changed = synthetic_case(stage="PUBLISHED", status="CLOSED", reportSignedOffDate="2026-06-01")
    # status CLOSED with PUBLISHED is fine; a Closed stage with status Open is a new breach.
    validate_case_fields(changed, tolerated=consistency_problems(stored))
    with pytest.raises(InvalidInput) as raised:
        validate_case_fields(synthetic_case(stage="CLOSED"), tolerated=consistency_problems(stored))
    assert {error.field for error in raised.value.errors} == {"status"}


def stored_record(case_id: str = "00000000-0000-4000-8000-000000000001", **overrides: Any) -> dict[str, Any]:
    return {
        **synthetic_case(**overrides),
        "caseId": case_id,
        "reference": "QE1-2026-0001",
        "version": 1,
        "regionCode": "Y61",
        "createdAt": "2026-02-02T10:00:00Z",
        "createdBy": "icb_editor:QE1:synthetic",
        "updatedAt": "2026-02-02T10:00:00Z",
        "updatedBy": "icb_editor:QE1:synthetic",
    }


def test_stored_cases_breaking_a_rule_are_listed_without_restricted_text() -> None:
    good = stored_record("00000000-0000-4000-8000-000000000001")
    broken = stored_record("00000000-0000-4000-8000-000000000002", stage="CLOSED")
    broken["reference"] = "QE1-2026-0002"
    listed = list(stored_case_problems([good, broken]))
    assert [(p.case_id, p.reference, p.icb_code, p.field) for p in listed] == [
        ("00000000-0000-4000-8000-000000000002", "QE1-2026-0002", "QE1", "status")
    ]
    assert "Synthetic summary" not in repr(listed)


def test_a_stored_record_the_model_no_longer_reads_is_listed_not_raised() -> None:
    unreadable = stored_record(stage="NOT_A_STAGE")
    listed = list(stored_case_problems([unreadable]))
    assert [(p.case_id, p.field) for p in listed] == [("00000000-0000-4000-8000-000000000001", "stage")]


@pytest.fixture
def service_and_store(fixed_today: None) -> tuple[Any, Any]:
    from tests.support.memory import InMemoryCaseStore
    from tracker.access import AccessPolicy
    from tracker.logic.cases import CaseService
    from tracker.logic.cursor import CursorCodec
    from tracker.reference import reference_data

    store = InMemoryCaseStore()
    reference = reference_data()
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    return CaseService(store, AccessPolicy(reference), reference, lambda: codec), store


def test_an_update_keeps_a_stored_breach_readable_and_refuses_only_a_new_one(
    service_and_store: tuple[Any, Any],
) -> None:
    from tracker.access import Caller
    from tracker.logic.cases import history_entry
    from tracker.logic.commands import SubmitCase, UpdateCase, VersionCondition
    from tracker.models.enums import Role

    service, store = service_and_store
    editor = Caller(Role.ICB_EDITOR, "QE1", "editor-1")
    created = service.submit(editor, SubmitCase(synthetic_case()))
    # Stored before the rule existed: Published, with no publication date.
    broken = Case.model_validate({**created.model_dump(mode="json"), "stage": "PUBLISHED", "version": 2})
    store.replace(broken, history_entry(broken, ["stage"]), 1)

    assert service.get(editor, created.case_id).stage == "PUBLISHED"
    edited = service.update(
        editor, UpdateCase(created.case_id, {"comments": "Synthetic note"}, VersionCondition(frozenset({2})))
    )
    assert edited.version == 3
    with pytest.raises(InvalidInput) as raised:
        service.update(
            editor, UpdateCase(created.case_id, {"stage": "CLOSED"}, VersionCondition(frozenset({3})))
        )
    # The new breach (a Closed stage with status Open) is refused; the old one went with the stage.
    assert {error.field for error in raised.value.errors} == {"status"}


def test_the_check_counts_every_case_read_and_each_case_breaking_a_rule() -> None:
    from tracker.rules.case_rules import check_stored_cases

    records = [
        stored_record("00000000-0000-4000-8000-000000000001"),
        stored_record("00000000-0000-4000-8000-000000000002", stage="EMBARGOED"),
        stored_record("00000000-0000-4000-8000-000000000003", stage="CLOSED", status="CLOSED"),
    ]
    printed = check_stored_cases(records).as_dict()
    assert printed["casesRead"] == 3
    assert printed["casesBreakingARule"] == 2
    assert {(problem["caseId"][-1], problem["field"]) for problem in printed["problems"]} == {
        ("2", "embargoed"),
        ("3", "status"),  # Closed without a sign-off date, a publication or an embargo
    }
