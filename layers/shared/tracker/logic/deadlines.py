"""Derived deadlines and overdue flags of a case, as of a given day."""

from datetime import date

from tracker.models.case import CaseFields, Deadlines
from tracker.models.enums import DHR_REVIEW_TYPES, CaseStatus, RecommendationStatus, ReviewType, Stage
from tracker.rules.deadlines import (
    CSPR_PUBLICATION_MONTHS,
    DHR_COMPLETION_MONTHS,
    RAPID_REVIEW_WORKING_DAYS,
    add_months,
    add_working_days,
    sar_completion_months,
)

# A rapid review is finished once the case has moved past these stages.
_RAPID_REVIEW_STAGES = frozenset({Stage.NOTIFIED, Stage.RAPID_REVIEW})


def compute_deadlines(case: CaseFields, today: date) -> Deadlines:
    is_open = case.status is CaseStatus.OPEN
    rapid_due = publication_due = completion_due = None
    rapid_overdue = publication_overdue = completion_overdue = False

    if case.review_type is ReviewType.RAPID_REVIEW:
        rapid_due = add_working_days(case.date_added, RAPID_REVIEW_WORKING_DAYS)
        rapid_overdue = is_open and case.stage in _RAPID_REVIEW_STAGES and today > rapid_due
    elif case.review_type is ReviewType.CSPR:
        publication_due = add_months(case.date_added, CSPR_PUBLICATION_MONTHS)
        publication_overdue = (
            is_open and case.publication_date is None and not case.embargoed and today > publication_due
        )
    elif case.review_type in DHR_REVIEW_TYPES or case.review_type is ReviewType.SAR:
        months = sar_completion_months() if case.review_type is ReviewType.SAR else DHR_COMPLETION_MONTHS
        completion_due = add_months(case.date_added, months)
        completion_overdue = is_open and case.report_signed_off_date is None and today > completion_due

    overdue_recommendations = [
        recommendation.recommendation_id
        for recommendation in case.recommendations or ()
        if recommendation.status is not RecommendationStatus.COMPLETE and today > recommendation.due_date
    ]
    return Deadlines.model_validate(
        {
            "rapidReviewDue": rapid_due,
            "rapidReviewOverdue": rapid_overdue,
            "publicationDue": publication_due,
            "publicationOverdue": publication_overdue,
            "completionDue": completion_due,
            "completionOverdue": completion_overdue,
            "overdueRecommendationIds": overdue_recommendations,
            "overdue": rapid_overdue
            or publication_overdue
            or completion_overdue
            or bool(overdue_recommendations),
        }
    )
