"""Statutory deadlines of a review and its overdue flags, counted in England and Wales working days
where the law counts them so. One home for every deadline rule.
"""

from datetime import date, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from tracker import settings
from tracker.models.case import CaseFields, DeadlineKind, Deadlines, Timeliness
from tracker.models.enums import DHR_REVIEW_TYPES, CaseStatus, RecommendationStatus, ReviewType, Stage

RAPID_REVIEW_WORKING_DAYS = 15
CSPR_PUBLICATION_MONTHS = 6
DHR_COMPLETION_MONTHS = 6


@lru_cache(maxsize=1)
def _bank_holidays() -> "object":
    # Lazy: the holidays package is only needed when a deadline is computed.
    import holidays

    # England and Wales share one list of bank holidays; "ENG" is the subdivision for it.
    return holidays.country_holidays("GB", subdiv="ENG")


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays()  # type: ignore[operator]


def add_working_days(start: date, working_days: int) -> date:
    """The date ``working_days`` England and Wales working days after ``start``."""
    day = start
    remaining = working_days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def add_months(start: date, months: int) -> date:
    """Calendar months, clamped to the month's end (31 August + 6 months = 28/29 February)."""
    return start + relativedelta(months=months)


def sar_completion_months() -> int:
    """Configurable (``SAR_COMPLETION_MONTHS``): local safeguarding adults boards set their own."""
    return settings.settings().sar_completion_months


# A rapid review is finished once the case has moved past these stages.
_RAPID_REVIEW_STAGES = frozenset({Stage.NOTIFIED, Stage.RAPID_REVIEW})


def timeliness(
    due: date,
    met: date | None,
    today: date,
    *,
    is_open: bool,
    moved_on: bool = False,
    embargoed: bool = False,
) -> tuple[Timeliness, int | None]:
    """Whether a deadline due on ``due`` and met on ``met`` (None: not yet) was met on time, as of
    ``today``, and by how many calendar days it was late (met late, or still not met past due).

    ``moved_on``: the case went past the deadline's stage without the date it was met recorded.
    """
    if met is not None and met <= today:
        return (Timeliness.ON_TIME, None) if met <= due else (Timeliness.LATE, (met - due).days)
    if moved_on:
        return Timeliness.DATE_NOT_RECORDED, None
    if embargoed:
        return Timeliness.EMBARGOED, None
    if not is_open:
        return Timeliness.CLOSED_UNMET, None
    if today > due:
        return Timeliness.OVERDUE, (today - due).days
    return Timeliness.OPEN, None


def compute_deadlines(case: CaseFields, today: date) -> Deadlines:
    is_open = case.status is CaseStatus.OPEN
    rapid_due = publication_due = completion_due = None
    rapid_overdue = publication_overdue = completion_overdue = False
    kind: DeadlineKind | None = None
    due: date | None = None
    met: date | None = None
    state: Timeliness | None = None
    days_late: int | None = None

    if case.review_type is ReviewType.RAPID_REVIEW:
        kind, met = DeadlineKind.RAPID_REVIEW, case.rapid_review_completed_date
        due = rapid_due = add_working_days(case.date_added, RAPID_REVIEW_WORKING_DAYS)
        in_rapid_review = case.stage in _RAPID_REVIEW_STAGES
        rapid_overdue = is_open and in_rapid_review and met is None and today > rapid_due
        state, days_late = timeliness(due, met, today, is_open=is_open, moved_on=not in_rapid_review)
    elif case.review_type is ReviewType.CSPR:
        kind, met = DeadlineKind.CSPR_PUBLICATION, case.publication_date
        due = publication_due = add_months(case.date_added, CSPR_PUBLICATION_MONTHS)
        # A publication date in the future is a plan, not a publication.
        published = met is not None and met <= today
        publication_overdue = is_open and not published and not case.embargoed and today > publication_due
        state, days_late = timeliness(due, met, today, is_open=is_open, embargoed=bool(case.embargoed))
    elif case.review_type in DHR_REVIEW_TYPES or case.review_type is ReviewType.SAR:
        is_sar = case.review_type is ReviewType.SAR
        kind = DeadlineKind.SAR_COMPLETION if is_sar else DeadlineKind.DHR_COMPLETION
        met = case.report_signed_off_date
        months = sar_completion_months() if is_sar else DHR_COMPLETION_MONTHS
        due = completion_due = add_months(case.date_added, months)
        completion_overdue = is_open and met is None and today > completion_due
        state, days_late = timeliness(due, met, today, is_open=is_open)

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
            "deadline": kind,
            "deadlineDue": due,
            "deadlineMetDate": met if state in (Timeliness.ON_TIME, Timeliness.LATE) else None,
            "timeliness": state,
            "daysLate": days_late,
        }
    )
