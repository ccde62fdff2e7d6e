"""Timeliness of each deadline on the record: met on time, late (by how many days) or not yet met,
and why not (embargoed, closed, the date not recorded). Days are counted by hand below."""

from datetime import date
from typing import Any

import pytest

from tests.conftest import synthetic_case
from tracker.models.case import Case, CaseFields, DeadlineKind, Timeliness
from tracker.rules.deadlines import compute_deadlines

TODAY = date(2027, 2, 1)


def _deadlines(**fields: Any) -> Any:
    # The model alone: the record's rules judge dates against the real today, these are fixed.
    return compute_deadlines(CaseFields.model_validate(synthetic_case(**fields)), TODAY)


def _rapid(**fields: Any) -> Any:
    # Friday 18 December 2026: 15 working days skip Christmas (25th), the Boxing Day substitute
    # (Monday 28th) and New Year's Day, so the rapid review is due on Wednesday 13 January 2027.
    base = {
        "reviewType": "RAPID_REVIEW",
        "stage": "RAPID_REVIEW",
        "incidentDate": "2026-12-10",
        "dateAdded": "2026-12-18",
    }
    return _deadlines(**{**base, **fields})


def test_a_rapid_review_completed_on_its_due_date_across_the_bank_holidays_is_on_time() -> None:
    deadlines = _rapid(stage="DECISION_PENDING", rapidReviewCompletedDate="2027-01-13")
    assert deadlines.deadline is DeadlineKind.RAPID_REVIEW
    assert deadlines.deadline_due == date(2027, 1, 13)
    assert (deadlines.timeliness, deadlines.deadline_met_date, deadlines.days_late) == (
        Timeliness.ON_TIME,
        date(2027, 1, 13),
        None,
    )


def test_a_rapid_review_completed_a_day_after_is_late_by_one_day() -> None:
    deadlines = _rapid(stage="DECISION_PENDING", rapidReviewCompletedDate="2027-01-14")
    assert (deadlines.timeliness, deadlines.days_late) == (Timeliness.LATE, 1)


def test_an_unfinished_rapid_review_past_due_is_overdue_by_the_days_since() -> None:
    deadlines = _rapid()
    # 13 January to 1 February 2027: 19 days.
    assert (deadlines.timeliness, deadlines.days_late) == (Timeliness.OVERDUE, 19)
    assert deadlines.rapid_review_overdue
    assert deadlines.deadline_met_date is None


def test_a_rapid_review_moved_on_without_its_date_is_said_so_not_counted_late() -> None:
    deadlines = _rapid(stage="DECISION_PENDING")
    assert (deadlines.timeliness, deadlines.days_late) == (Timeliness.DATE_NOT_RECORDED, None)
    assert not deadlines.rapid_review_overdue


def test_a_rapid_review_completed_is_no_longer_overdue_even_before_its_stage_moves() -> None:
    deadlines = _rapid(rapidReviewCompletedDate="2027-01-20")
    assert (deadlines.timeliness, deadlines.days_late) == (Timeliness.LATE, 7)
    assert not deadlines.rapid_review_overdue and not deadlines.overdue


def test_a_cspr_published_four_months_after_its_due_date_is_late_by_those_days() -> None:
    # Decided 1 February 2026: due 1 August 2026; published 1 December 2026, 122 days later.
    deadlines = _deadlines(dateAdded="2026-02-01", publicationDate="2026-12-01", stage="PUBLISHED")
    assert deadlines.deadline is DeadlineKind.CSPR_PUBLICATION
    assert deadlines.deadline_due == date(2026, 8, 1)
    assert (deadlines.timeliness, deadlines.deadline_met_date, deadlines.days_late) == (
        Timeliness.LATE,
        date(2026, 12, 1),
        122,
    )


def test_a_cspr_publication_planned_for_later_is_not_yet_met() -> None:
    deadlines = _deadlines(dateAdded="2026-12-01", publicationDate="2027-05-01")
    assert (deadlines.timeliness, deadlines.deadline_met_date) == (Timeliness.OPEN, None)


def test_an_embargoed_cspr_past_due_is_embargoed_not_overdue() -> None:
    deadlines = _deadlines(dateAdded="2026-02-01", embargoed=True, stage="EMBARGOED")
    assert (deadlines.timeliness, deadlines.days_late) == (Timeliness.EMBARGOED, None)
    assert not deadlines.publication_overdue


def test_a_cspr_closed_unpublished_is_closed_unmet() -> None:
    deadlines = _deadlines(dateAdded="2026-02-01", status="CLOSED", stage="CLOSED")
    assert deadlines.timeliness is Timeliness.CLOSED_UNMET


@pytest.mark.parametrize(
    ("review_type", "kind"),
    [
        ("DHR", DeadlineKind.DHR_COMPLETION),
        ("DHR_CHILD", DeadlineKind.DHR_COMPLETION),
        ("SAR", DeadlineKind.SAR_COMPLETION),
    ],
)
def test_dhr_and_sar_completion_is_the_report_signed_off(review_type: str, kind: DeadlineKind) -> None:
    on_time = _deadlines(reviewType=review_type, dateAdded="2026-03-31", reportSignedOffDate="2026-09-30")
    # 31 March + 6 months is 30 September (clamped): signed off that day is on time.
    assert (on_time.deadline, on_time.deadline_due, on_time.timeliness) == (
        kind,
        date(2026, 9, 30),
        Timeliness.ON_TIME,
    )
    late = _deadlines(reviewType=review_type, dateAdded="2026-03-31", reportSignedOffDate="2026-10-02")
    assert (late.timeliness, late.days_late) == (Timeliness.LATE, 2)
    open_review = _deadlines(reviewType=review_type, dateAdded="2026-12-01")
    assert (open_review.timeliness, open_review.days_late) == (Timeliness.OPEN, None)


def test_another_review_type_has_no_deadline() -> None:
    deadlines = _deadlines(reviewType="OTHER", reviewTypeOther="Learning review")
    assert (deadlines.deadline, deadlines.timeliness, deadlines.deadline_due) == (None, None, None)


def test_the_record_as_read_carries_its_timeliness() -> None:
    """``deadlines`` on a case read back holds the timeliness, camelCase on the wire."""
    wire = _rapid(rapidReviewCompletedDate="2027-01-14").model_dump(mode="json", by_alias=True)
    assert {
        key: wire[key] for key in ("deadline", "deadlineDue", "deadlineMetDate", "timeliness", "daysLate")
    } == {
        "deadline": "RAPID_REVIEW",
        "deadlineDue": "2027-01-13",
        "deadlineMetDate": "2027-01-14",
        "timeliness": "LATE",
        "daysLate": 1,
    }
    assert Case.model_fields["rapid_review_completed_date"].alias == "rapidReviewCompletedDate"
