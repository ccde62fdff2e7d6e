"""A case's next due date: the earliest day after which it would be overdue if nothing changed.

The due indexes are keyed by it, so "overdue today" is a key condition (next due date before
today) rather than a filter applied to every case. It is computed from the deadline rules
themselves (``tracker.rules.deadlines``), as of the day after each candidate date, so the index
and the overdue flags cannot disagree about which deadlines are open.
"""

from datetime import date, timedelta

from tracker.models.case import CaseFields
from tracker.models.enums import RecommendationStatus
from tracker.rules.deadlines import compute_deadlines

_ONE_DAY = timedelta(days=1)


def next_due_date(case: CaseFields) -> date | None:
    """The earliest open deadline or unfinished recommendation's due date; None when nothing is due.

    A case overdue on day T always has a next due date before T. The converse can fail for one
    reason only: a planned publication date that has since passed ends the publication deadline
    without a write, so readers still check the overdue flags of what the index returns.
    """
    # The due dates do not depend on the day they are computed for, only the flags do.
    deadlines = compute_deadlines(case, date.min)
    candidates: list[date] = []
    for due, flag in (
        (deadlines.rapid_review_due, "rapid_review_overdue"),
        (deadlines.publication_due, "publication_overdue"),
        (deadlines.completion_due, "completion_overdue"),
    ):
        if due is not None and getattr(compute_deadlines(case, due + _ONE_DAY), flag):
            candidates.append(due)
    candidates.extend(
        recommendation.due_date
        for recommendation in case.recommendations or ()
        if recommendation.status is not RecommendationStatus.COMPLETE
    )
    return min(candidates, default=None)
