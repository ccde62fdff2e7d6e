"""The overview summary of a snapshot: bounded counts the overview draws, never a case.

Built in the same pass as the snapshot's tables and written beside them (a dated key) and at a fixed
"latest" key that the web app's overview reads; the hourly summary-only run (``summarise``) rewrites
"latest" alone, so the overview is never more than an hour old. Counts only: no free text, no
identifiers. Every group is keyed by codes with a bounded number of values (quarter, region, ICB,
review type, theme, status, provider), so memory grows with the groups, never with the cases.

The figures (their definitions are in ``docs/web-app.md``, "The overview"):

- ``counts``: cases (and those overdue) by ICB, region, review type and status.
- ``timeliness``: each review's deadline (``tracker.rules.deadlines``) by the quarter of the decision
  to review, region, ICB and review type: how many met on time, late, still open, overdue, and
  neither (embargoed, closed unmet, date not recorded), with how many days late those met late were.
- ``themes``: cases by theme, by quarter of the decision, review type, region and ICB.
- ``learning``: learning events (how learning was disseminated) by the quarter they happened, method,
  review type, region and ICB, and the cases they came from.
- ``recommendations``: recommendations by status, theme and owning provider, and those overdue.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from statistics import median_low
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracker.extracts.keys import JSON_CONTENT_TYPE, LATEST_SUMMARY_KEY, summary_key
from tracker.extracts.ports import ExtractBucket
from tracker.models.case import Case, Deadlines, Timeliness
from tracker.rules.deadlines import compute_deadlines

SUMMARY_SCHEMA_VERSION = 2
SUMMARY_ONLY = "summaryOnly"
"""The snapshot function's event flag for the hourly run: ``{"summaryOnly": true}`` recomputes the
overview's summary alone (the schedule in the CDK app sends it)."""
NO_PROVIDER = ""
"""A recommendation's owning provider when none is named (its owner is then free text only)."""


def quarter_of(day: date) -> str:
    """The calendar quarter of ``day``, as ``2026-Q3`` (the Athena queries write it the same way)."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SummaryCount(_Row):
    icbCode: str
    regionCode: str
    reviewType: str
    status: str
    cases: int = Field(ge=0)
    overdueCases: int = Field(ge=0)


class TimelinessCount(_Row):
    """One group's deadlines by how they stand, and the days late of those met late."""

    deadline: str
    quarter: str  # of the decision to review (dateAdded)
    regionCode: str
    icbCode: str
    reviewType: str
    onTime: int = Field(default=0, ge=0)
    late: int = Field(default=0, ge=0)
    open: int = Field(default=0, ge=0)
    overdue: int = Field(default=0, ge=0)
    embargoed: int = Field(default=0, ge=0)
    closedUnmet: int = Field(default=0, ge=0)
    dateNotRecorded: int = Field(default=0, ge=0)
    daysLate: dict[int, int] = Field(default_factory=dict)
    """Days late -> how many met late by that many: a median of several groups needs their spread."""


class ThemeCount(_Row):
    quarter: str
    regionCode: str
    icbCode: str
    reviewType: str
    theme: str
    cases: int = Field(ge=0)


class LearningCount(_Row):
    quarter: str  # of the learning event's date
    regionCode: str
    icbCode: str
    reviewType: str
    method: str
    events: int = Field(ge=0)
    cases: int = Field(ge=0)  # cases with at least one such event in the quarter


class RecommendationCount(_Row):
    regionCode: str
    icbCode: str
    theme: str
    status: str
    ownerProviderCode: str  # NO_PROVIDER when none is named
    recommendations: int = Field(ge=0)
    overdue: int = Field(ge=0)


class SnapshotSummary(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    snapshotDate: date
    generatedAt: datetime
    counts: list[SummaryCount]
    # Empty in a summary written before they were counted (schema version 1).
    timeliness: list[TimelinessCount] = Field(default_factory=list)
    themes: list[ThemeCount] = Field(default_factory=list)
    learning: list[LearningCount] = Field(default_factory=list)
    recommendations: list[RecommendationCount] = Field(default_factory=list)

    @property
    def total_cases(self) -> int:
        return sum(count.cases for count in self.counts)

    @property
    def total_overdue(self) -> int:
        return sum(count.overdueCases for count in self.counts)


_STATE_FIELDS = {
    Timeliness.ON_TIME: "onTime",
    Timeliness.LATE: "late",
    Timeliness.OPEN: "open",
    Timeliness.OVERDUE: "overdue",
    Timeliness.EMBARGOED: "embargoed",
    Timeliness.CLOSED_UNMET: "closedUnmet",
    Timeliness.DATE_NOT_RECORDED: "dateNotRecorded",
}


def median_days_late(groups: Iterable[TimelinessCount]) -> int | None:
    """The median days late of the deadlines met late in ``groups`` (the lower middle one of an even
    count, so it is a day some review was late by); None when none was met late."""
    spread: Counter[int] = Counter()
    for group in groups:
        spread.update(group.daysLate)
    if not spread:
        return None
    return median_low(sorted(spread.elements()))


class SummaryBuilder:
    """Accumulates one case at a time; memory grows with the number of groups, not of cases."""

    def __init__(self, day: date) -> None:
        self.day = day
        self._cases: Counter[tuple[str, str, str, str]] = Counter()
        self._overdue: Counter[tuple[str, str, str, str]] = Counter()
        self._timeliness: dict[tuple[str, str, str, str, str], Counter[str]] = {}
        self._days_late: dict[tuple[str, str, str, str, str], Counter[int]] = {}
        self._themes: Counter[tuple[str, str, str, str, str]] = Counter()
        self._learning_events: Counter[tuple[str, str, str, str, str]] = Counter()
        self._learning_cases: Counter[tuple[str, str, str, str, str]] = Counter()
        self._recommendations: Counter[tuple[str, str, str, str, str]] = Counter()
        self._recommendations_overdue: Counter[tuple[str, str, str, str, str]] = Counter()

    def add(self, case: Case, *, overdue: bool | None = None, deadlines: Deadlines | None = None) -> None:
        """Count ``case``; its deadlines as of the summary's day unless given (the snapshot has them)."""
        deadlines = deadlines or compute_deadlines(case, self.day)
        region, icb, review_type = case.region_code, case.icb_code, case.review_type.value
        key = (icb, region, review_type, case.status.value)
        self._cases[key] += 1
        if deadlines.overdue if overdue is None else overdue:
            self._overdue[key] += 1
        quarter = quarter_of(case.date_added)
        if deadlines.deadline is not None and deadlines.timeliness is not None:
            group = (deadlines.deadline.value, quarter, region, icb, review_type)
            self._timeliness.setdefault(group, Counter())[_STATE_FIELDS[deadlines.timeliness]] += 1
            if deadlines.timeliness is Timeliness.LATE and deadlines.days_late is not None:
                self._days_late.setdefault(group, Counter())[deadlines.days_late] += 1
        for theme in case.themes:
            self._themes[(quarter, region, icb, review_type, theme.value)] += 1
        shared: set[tuple[str, str, str, str, str]] = set()
        for event in case.learning_dissemination or ():
            learning = (quarter_of(event.date), region, icb, review_type, event.method.value)
            self._learning_events[learning] += 1
            shared.add(learning)
        self._learning_cases.update(shared)
        overdue_ids = set(deadlines.overdue_recommendation_ids)
        for recommendation in case.recommendations or ():
            owned = (
                region,
                icb,
                recommendation.theme.value,
                recommendation.status.value,
                recommendation.owner_provider_code or NO_PROVIDER,
            )
            self._recommendations[owned] += 1
            if recommendation.recommendation_id in overdue_ids:
                self._recommendations_overdue[owned] += 1

    def build(self, generated_at: datetime) -> SnapshotSummary:
        counts = [
            SummaryCount(
                icbCode=icb,
                regionCode=region,
                reviewType=review_type,
                status=status,
                cases=cases,
                overdueCases=self._overdue[(icb, region, review_type, status)],
            )
            for (icb, region, review_type, status), cases in sorted(self._cases.items())
        ]
        timeliness = [
            TimelinessCount(
                deadline=deadline,
                quarter=quarter,
                regionCode=region,
                icbCode=icb,
                reviewType=review_type,
                daysLate=dict(sorted(self._days_late.get(group, Counter()).items())),
                **states,
            )
            for group, states in sorted(self._timeliness.items())
            for deadline, quarter, region, icb, review_type in [group]
        ]
        themes = [
            ThemeCount(quarter=q, regionCode=r, icbCode=i, reviewType=t, theme=theme, cases=n)
            for (q, r, i, t, theme), n in sorted(self._themes.items())
        ]
        learning = [
            LearningCount(
                quarter=q,
                regionCode=r,
                icbCode=i,
                reviewType=t,
                method=method,
                events=n,
                cases=self._learning_cases[(q, r, i, t, method)],
            )
            for (q, r, i, t, method), n in sorted(self._learning_events.items())
        ]
        recommendations = [
            RecommendationCount(
                regionCode=r,
                icbCode=i,
                theme=theme,
                status=status,
                ownerProviderCode=provider,
                recommendations=n,
                overdue=self._recommendations_overdue[(r, i, theme, status, provider)],
            )
            for (r, i, theme, status, provider), n in sorted(self._recommendations.items())
        ]
        return SnapshotSummary(
            snapshotDate=self.day,
            generatedAt=generated_at,
            counts=counts,
            timeliness=timeliness,
            themes=themes,
            learning=learning,
            recommendations=recommendations,
        )


def summarise(records: Iterable[Mapping[str, Any]], day: date, generated_at: datetime) -> SnapshotSummary:
    """The summary alone from the case records (the hourly run): no table is written. A record the
    model rejects is left out, as the snapshot leaves it out."""
    builder = SummaryBuilder(day)
    for record in records:
        try:
            case = Case.model_validate(record)
        except ValidationError:
            continue
        builder.add(case)
    return builder.build(generated_at)


def encode_summary(summary: SnapshotSummary) -> bytes:
    return summary.model_dump_json().encode()


def write_summary(store: ExtractBucket, summary: SnapshotSummary) -> None:
    """The dated copy first: a failure between the two writes leaves "latest" at the older day."""
    body = encode_summary(summary)
    store.put(summary_key(summary.snapshotDate), body, JSON_CONTENT_TYPE, SUMMARY_SCHEMA_VERSION)
    store.put(LATEST_SUMMARY_KEY, body, JSON_CONTENT_TYPE, SUMMARY_SCHEMA_VERSION)


def write_latest_summary(store: ExtractBucket, summary: SnapshotSummary) -> None:
    """The hourly summary: "latest" alone, so each day's dated copy stays beside that day's tables."""
    store.put(LATEST_SUMMARY_KEY, encode_summary(summary), JSON_CONTENT_TYPE, SUMMARY_SCHEMA_VERSION)


def load_latest_summary(store: ExtractBucket) -> SnapshotSummary | None:
    """The newest summary, or None when no snapshot has run yet."""
    body = store.get_optional(LATEST_SUMMARY_KEY)
    if body is None:
        return None
    return SnapshotSummary.model_validate_json(body)
