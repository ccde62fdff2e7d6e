"""The overview summary of a snapshot: case counts by ICB, region, review type and status.

Built in the same pass as the snapshot's tables and written beside them (a dated key) and at a
fixed "latest" key that the web app's overview reads. Counts only: no free text, no identifiers.
"""

from collections import Counter
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from tracker.extracts.keys import JSON_CONTENT_TYPE, LATEST_SUMMARY_KEY, summary_key
from tracker.extracts.ports import ExtractBucket
from tracker.models.case import Case

SUMMARY_SCHEMA_VERSION = 1


class SummaryCount(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    icbCode: str
    regionCode: str
    reviewType: str
    status: str
    cases: int = Field(ge=0)
    overdueCases: int = Field(ge=0)


class SnapshotSummary(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    snapshotDate: date
    generatedAt: datetime
    counts: list[SummaryCount]

    @property
    def total_cases(self) -> int:
        return sum(count.cases for count in self.counts)

    @property
    def total_overdue(self) -> int:
        return sum(count.overdueCases for count in self.counts)


_GroupKey = tuple[str, str, str, str]


class SummaryBuilder:
    """Accumulates one case at a time; memory grows with the number of groups, not of cases."""

    def __init__(self, day: date) -> None:
        self.day = day
        self._cases: Counter[_GroupKey] = Counter()
        self._overdue: Counter[_GroupKey] = Counter()

    def add(self, case: Case, *, overdue: bool) -> None:
        key = (case.icb_code, case.region_code, case.review_type.value, case.status.value)
        self._cases[key] += 1
        if overdue:
            self._overdue[key] += 1

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
        return SnapshotSummary(snapshotDate=self.day, generatedAt=generated_at, counts=counts)


def encode_summary(summary: SnapshotSummary) -> bytes:
    return summary.model_dump_json().encode()


def write_summary(store: ExtractBucket, summary: SnapshotSummary) -> None:
    """The dated copy first: a failure between the two writes leaves "latest" at the older day."""
    body = encode_summary(summary)
    store.put(summary_key(summary.snapshotDate), body, JSON_CONTENT_TYPE, SUMMARY_SCHEMA_VERSION)
    store.put(LATEST_SUMMARY_KEY, body, JSON_CONTENT_TYPE, SUMMARY_SCHEMA_VERSION)


def load_latest_summary(store: ExtractBucket) -> SnapshotSummary | None:
    """The newest snapshot's summary, or None when no snapshot has run yet."""
    body = store.get_optional(LATEST_SUMMARY_KEY)
    if body is None:
        return None
    return SnapshotSummary.model_validate_json(body)
