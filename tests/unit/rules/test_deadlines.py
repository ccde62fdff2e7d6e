from datetime import date

import pytest

from tests.conftest import synthetic_case
from tracker import settings
from tracker.rules.case_rules import validate_case_fields
from tracker.rules.deadlines import add_working_days, compute_deadlines


def test_working_days_skip_weekends_and_england_bank_holidays() -> None:
    # Friday 18 Dec 2026: Christmas (Fri 25) and Boxing Day substitute (Mon 28) are bank holidays.
    assert add_working_days(date(2026, 12, 18), 1) == date(2026, 12, 21)
    assert add_working_days(date(2026, 12, 18), 5) == date(2026, 12, 29)
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)


def test_rapid_review_due_in_15_working_days_and_overdue_while_unfinished(fixed_today: None) -> None:
    case = validate_case_fields(
        synthetic_case(
            reviewType="RAPID_REVIEW", stage="RAPID_REVIEW", incidentDate="2026-10-01", dateAdded="2026-10-02"
        )
    )
    deadlines = compute_deadlines(case, date(2026, 11, 26))
    assert deadlines.rapid_review_due == date(2026, 10, 23)
    assert deadlines.rapid_review_overdue and deadlines.overdue
    moved_on = validate_case_fields(
        synthetic_case(
            reviewType="RAPID_REVIEW",
            stage="DECISION_PENDING",
            incidentDate="2026-10-01",
            dateAdded="2026-10-02",
        )
    )
    assert not compute_deadlines(moved_on, date(2026, 11, 26)).overdue


def test_cspr_publication_due_six_months_after_added(fixed_today: None) -> None:
    case = validate_case_fields(synthetic_case(dateAdded="2026-02-02"))
    deadlines = compute_deadlines(case, date(2026, 8, 2))
    assert deadlines.publication_due == date(2026, 8, 2)
    assert not deadlines.publication_overdue
    assert compute_deadlines(case, date(2026, 8, 3)).publication_overdue
    published = validate_case_fields(synthetic_case(dateAdded="2026-02-02", publicationDate="2026-08-20"))
    assert not compute_deadlines(published, date(2026, 11, 26)).overdue


def test_dhr_and_sar_completion_due(fixed_today: None) -> None:
    dhr = validate_case_fields(synthetic_case(reviewType="DHR", dateAdded="2026-02-28"))
    assert compute_deadlines(dhr, date(2026, 9, 1)).completion_due == date(2026, 8, 28)
    sar = validate_case_fields(synthetic_case(reviewType="SAR", dateAdded="2026-02-28"))
    assert compute_deadlines(sar, date(2026, 9, 1)).completion_overdue


def test_sar_months_configurable(fixed_today: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.SAR_COMPLETION_MONTHS, "9")
    settings.reload()
    try:
        sar = validate_case_fields(synthetic_case(reviewType="SAR", dateAdded="2026-02-28"))
        assert compute_deadlines(sar, date(2026, 9, 1)).completion_due == date(2026, 11, 28)
    finally:
        monkeypatch.undo()
        settings.reload()


def test_sar_months_default_to_six(fixed_today: None) -> None:
    assert settings.Settings.from_environ({}).sar_completion_months == 6
    sar = validate_case_fields(synthetic_case(reviewType="SAR", dateAdded="2026-02-28"))
    assert compute_deadlines(sar, date(2026, 9, 1)).completion_due == date(2026, 8, 28)


def test_recommendation_overdue_unless_complete(fixed_today: None) -> None:
    base = {"theme": "NEGLECT", "text": "Audit referrals.", "owner": "Named GP lead", "dueDate": "2026-10-31"}
    case = validate_case_fields(
        synthetic_case(
            recommendations=[
                {**base, "recommendationId": "R1", "status": "IN_PROGRESS"},
                {**base, "recommendationId": "R2", "status": "COMPLETE"},
            ]
        )
    )
    deadlines = compute_deadlines(case, date(2026, 11, 1))
    assert deadlines.overdue_recommendation_ids == ["R1"]
    assert deadlines.overdue
