"""Deadlines on the day they fall due, the day before and the day after, for every review type.

A deadline is met on its due day: a review is overdue only from the day after.
"""

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from tests.conftest import synthetic_case
from tracker import settings
from tracker.models.case import CaseFields, Deadlines
from tracker.rules import deadlines as rules
from tracker.rules.case_rules import validate_case_fields

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(fixed_today: None) -> None:
    """Validation refuses dates in the future: "today" is 2026-11-26 for building the cases."""


@pytest.fixture(autouse=True)
def _shipped_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The SAR period as shipped, whatever the shell holds; settings read again afterwards."""
    monkeypatch.delenv(settings.SAR_COMPLETION_MONTHS, raising=False)
    settings.reload()
    yield
    monkeypatch.undo()
    settings.reload()


@pytest.fixture
def sar_months_nine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.SAR_COMPLETION_MONTHS, "9")
    settings.reload()


def case(**overrides: Any) -> CaseFields:
    return validate_case_fields(synthetic_case(**overrides))


def stored_before_the_record_rules(**overrides: Any) -> CaseFields:
    """A case as a stored one may be: status Closed at a stage before sign-off, which the record
    rules now refuse but a case stored earlier keeps, and whose deadlines are still computed."""
    return CaseFields.model_validate(synthetic_case(**overrides))


TIMELINESS_FIELDS = {"deadline", "deadline_due", "deadline_met_date", "timeliness", "days_late"}
"""Whether a deadline was met and how late: tests/unit/rules/test_timeliness.py covers them."""


def no_deadline_but(deadlines: Deadlines, **expected: Any) -> None:
    """Every due date and overdue flag is empty or false except those named."""
    blank = Deadlines().model_dump(exclude=TIMELINESS_FIELDS)
    assert deadlines.model_dump(exclude=TIMELINESS_FIELDS) == {**blank, **expected}


# -- working days ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 23), True),  # Monday
        (date(2026, 11, 27), True),  # Friday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 11, 30), True),  # St Andrew's Day: a bank holiday in Scotland only
        (date(2026, 8, 3), True),  # Scotland's summer bank holiday, not England's
        (date(2026, 8, 31), False),  # England's summer bank holiday
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 12, 25), False),  # Christmas Day, a Friday
        (date(2026, 12, 28), False),  # Boxing Day's substitute Monday
    ],
)
def test_working_days_are_weekdays_other_than_england_and_wales_bank_holidays(
    day: date, working: bool
) -> None:
    assert rules.is_working_day(day) is working


def test_adding_working_days_counts_from_the_next_working_day() -> None:
    friday = date(2026, 11, 27)
    assert rules.add_working_days(friday, 0) == friday
    assert rules.add_working_days(date(2026, 11, 28), 0) == date(2026, 11, 28)  # no move to a weekday
    assert rules.add_working_days(friday, 1) == date(2026, 11, 30)
    assert rules.add_working_days(date(2026, 11, 28), 1) == date(2026, 11, 30)
    assert rules.add_working_days(friday, 5) == date(2026, 12, 4)
    # Christmas and New Year: 25 and 28 December 2026 and 1 January 2027 are not counted.
    assert rules.add_working_days(date(2026, 12, 18), 15) == date(2027, 1, 13)


def test_calendar_months_clamp_to_the_end_of_a_shorter_month() -> None:
    assert rules.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert rules.add_months(date(2026, 2, 28), 6) == date(2026, 8, 28)
    assert rules.add_months(date(2026, 1, 15), 0) == date(2026, 1, 15)


def test_the_statutory_periods() -> None:
    assert rules.RAPID_REVIEW_WORKING_DAYS == 15
    assert rules.CSPR_PUBLICATION_MONTHS == 6
    assert rules.DHR_COMPLETION_MONTHS == 6
    assert settings.Settings.from_environ({}).sar_completion_months == 6
    assert rules.sar_completion_months() == 6


# -- rapid reviews: 15 working days ----------------------------------------------------------------

RAPID_DUE = date(2026, 10, 23)  # 15 working days after Friday 2 October 2026


def rapid(**overrides: Any) -> CaseFields:
    fields = {"reviewType": "RAPID_REVIEW", "stage": "RAPID_REVIEW", "incidentDate": "2026-10-01"}
    return case(**{**fields, "dateAdded": "2026-10-02", **overrides})


def test_a_rapid_review_is_due_after_15_working_days_and_overdue_only_after_that_day() -> None:
    review = rapid()
    no_deadline_but(rules.compute_deadlines(review, RAPID_DUE - DAY), rapidReviewDue=RAPID_DUE)
    no_deadline_but(rules.compute_deadlines(review, RAPID_DUE), rapidReviewDue=RAPID_DUE)
    no_deadline_but(
        rules.compute_deadlines(review, RAPID_DUE + DAY),
        rapidReviewDue=RAPID_DUE,
        rapidReviewOverdue=True,
        overdue=True,
    )


@pytest.mark.parametrize(
    ("stage", "counts"),
    [("NOTIFIED", True), ("RAPID_REVIEW", True), ("DECISION_PENDING", False), ("IN_PROGRESS", False)],
)
def test_a_rapid_review_is_overdue_only_while_it_has_not_moved_on(stage: str, counts: bool) -> None:
    deadlines = rules.compute_deadlines(rapid(stage=stage), RAPID_DUE + DAY)
    assert deadlines.rapid_review_overdue is counts
    assert deadlines.overdue is counts


def test_a_closed_rapid_review_is_not_overdue() -> None:
    closed = stored_before_the_record_rules(
        reviewType="RAPID_REVIEW",
        stage="RAPID_REVIEW",
        incidentDate="2026-10-01",
        dateAdded="2026-10-02",
        status="CLOSED",
        reportSignedOffDate="2026-11-01",
    )
    no_deadline_but(rules.compute_deadlines(closed, date(2026, 11, 26)), rapidReviewDue=RAPID_DUE)


# -- CSPRs: published within 6 months ----------------------------------------------------------------

CSPR_ADDED = date(2026, 2, 2)
CSPR_DUE = date(2026, 8, 2)


def test_a_cspr_is_due_for_publication_after_six_months_and_overdue_only_after_that_day() -> None:
    review = case(dateAdded="2026-02-02")
    for today in (CSPR_DUE - DAY, CSPR_DUE):
        no_deadline_but(rules.compute_deadlines(review, today), publicationDue=CSPR_DUE)
    no_deadline_but(
        rules.compute_deadlines(review, CSPR_DUE + DAY),
        publicationDue=CSPR_DUE,
        publicationOverdue=True,
        overdue=True,
    )


def test_a_publication_today_or_earlier_meets_the_deadline_a_planned_one_does_not() -> None:
    today = date(2026, 11, 26)
    for published in ("2026-11-26", "2026-09-01"):
        review = case(dateAdded="2026-02-02", publicationDate=published)
        no_deadline_but(rules.compute_deadlines(review, today), publicationDue=CSPR_DUE)
    planned = case(dateAdded="2026-02-02", publicationDate="2026-11-27")
    no_deadline_but(
        rules.compute_deadlines(planned, today),
        publicationDue=CSPR_DUE,
        publicationOverdue=True,
        overdue=True,
    )


def test_an_embargoed_or_closed_cspr_is_not_overdue() -> None:
    today = date(2026, 11, 26)
    embargoed = case(dateAdded="2026-02-02", embargoed=True)
    no_deadline_but(rules.compute_deadlines(embargoed, today), publicationDue=CSPR_DUE)
    closed = stored_before_the_record_rules(
        dateAdded="2026-02-02", status="CLOSED", reportSignedOffDate="2026-06-01"
    )
    no_deadline_but(rules.compute_deadlines(closed, today), publicationDue=CSPR_DUE)
    not_embargoed = case(dateAdded="2026-02-02", embargoed=False)
    assert rules.compute_deadlines(not_embargoed, today).publication_overdue


# -- DHRs and SARs: completed (signed off) within 6 months -----------------------------------------


@pytest.mark.parametrize("review_type", ["DHR", "DHR_CHILD", "SAR"])
def test_a_review_is_due_for_completion_after_six_months_and_overdue_only_after_that_day(
    review_type: str,
) -> None:
    review = case(reviewType=review_type, dateAdded="2026-02-28")
    due = date(2026, 8, 28)
    for today in (due - DAY, due):
        no_deadline_but(rules.compute_deadlines(review, today), completionDue=due)
    no_deadline_but(
        rules.compute_deadlines(review, due + DAY), completionDue=due, completionOverdue=True, overdue=True
    )


@pytest.mark.parametrize("review_type", ["DHR", "SAR"])
def test_a_signed_off_or_closed_review_is_not_overdue(review_type: str) -> None:
    due = date(2026, 8, 28)
    signed_off = case(reviewType=review_type, dateAdded="2026-02-28", reportSignedOffDate="2026-10-01")
    no_deadline_but(rules.compute_deadlines(signed_off, date(2026, 11, 26)), completionDue=due)
    closed = stored_before_the_record_rules(
        reviewType=review_type, dateAdded="2026-02-28", status="CLOSED", embargoed=True
    )
    no_deadline_but(rules.compute_deadlines(closed, date(2026, 11, 26)), completionDue=due)


def test_the_sar_period_is_configurable_and_the_dhr_period_is_not(sar_months_nine: None) -> None:
    sar = case(reviewType="SAR", dateAdded="2026-02-28")
    assert rules.sar_completion_months() == 9
    no_deadline_but(rules.compute_deadlines(sar, date(2026, 11, 28)), completionDue=date(2026, 11, 28))
    for review_type in ("DHR", "DHR_CHILD"):
        dhr = case(reviewType=review_type, dateAdded="2026-02-28")
        assert rules.compute_deadlines(dhr, date(2026, 11, 28)).completion_due == date(2026, 8, 28)


def test_other_reviews_have_no_statutory_deadline() -> None:
    other = case(reviewType="OTHER", reviewTypeOther="Learning review", dateAdded="2026-01-12")
    no_deadline_but(rules.compute_deadlines(other, date(2026, 11, 26)))


# -- recommendations ---------------------------------------------------------------------------------

RECOMMENDATION = {"theme": "NEGLECT", "text": "Audit referrals.", "owner": "Named GP lead"}


def with_recommendations(*specs: tuple[str, str, str], **overrides: Any) -> CaseFields:
    recommendations = [
        {**RECOMMENDATION, "recommendationId": rid, "status": status, "dueDate": due}
        for rid, status, due in specs
    ]
    return case(recommendations=recommendations, **overrides)


def test_a_recommendation_is_overdue_only_after_its_due_date_until_complete() -> None:
    review = with_recommendations(
        ("R1", "NOT_STARTED", "2026-10-31"),
        ("R2", "IN_PROGRESS", "2026-10-30"),
        ("R3", "COMPLETE", "2026-10-01"),
        ("R4", "IN_PROGRESS", "2026-11-01"),
        reviewType="OTHER",
        reviewTypeOther="Learning review",
    )
    assert rules.compute_deadlines(review, date(2026, 10, 30)).overdue_recommendation_ids == []
    on_r1_due = rules.compute_deadlines(review, date(2026, 10, 31))
    no_deadline_but(on_r1_due, overdueRecommendationIds=["R2"], overdue=True)
    after = rules.compute_deadlines(review, date(2026, 11, 2))
    no_deadline_but(after, overdueRecommendationIds=["R1", "R2", "R4"], overdue=True)


def test_recommendations_stay_monitored_after_a_review_closes() -> None:
    closed = with_recommendations(
        ("R1", "IN_PROGRESS", "2026-10-31"),
        status="CLOSED",
        stage="ACTIONS_MONITORING",
        reportSignedOffDate="2026-06-01",
    )
    no_deadline_but(
        rules.compute_deadlines(closed, date(2026, 11, 26)),
        publicationDue=CSPR_DUE,
        overdueRecommendationIds=["R1"],
        overdue=True,
    )


def test_a_case_without_recommendations_has_none_overdue() -> None:
    assert (
        rules.compute_deadlines(case(recommendations=[]), date(2026, 3, 1)).overdue_recommendation_ids == []
    )
    assert rules.compute_deadlines(case(), date(2026, 3, 1)).overdue is False
