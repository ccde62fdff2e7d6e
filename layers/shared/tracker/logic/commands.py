"""The typed commands and queries the use cases take, and the pages they return.

Entry points (the JSON API, the web app, jobs) build these from whatever they receive; the use cases
never see a raw body, a header, a query string or a media type. Input an entry point could not read
arrives as ``Unreadable``, so that the use case still answers in the contract's order (who may see
and do this first, then whether the input could be read, then whether it is valid).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from tracker.errors import DomainError
from tracker.models.case import Case, HistoryEntry, Timeliness
from tracker.models.contacts import ContactsChange
from tracker.models.enums import (
    CaseStatus,
    DisseminationMethod,
    RecommendationStatus,
    ReviewType,
    Stage,
    Theme,
)

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100

T = TypeVar("T")


@dataclass(frozen=True)
class Unreadable:
    """Input the entry point could not read; ``error`` is raised in its turn."""

    error: DomainError


def read(value: T | Unreadable) -> T:
    """The value, or the error that stands for it when it could not be read."""
    if isinstance(value, Unreadable):
        raise value.error
    return value


def field_names(document: Any) -> frozenset[str]:
    """The top-level field names of a document (none when it is unreadable or not an object)."""
    return frozenset(document) if isinstance(document, Mapping) else frozenset()


# The parts of commands that are not the case document, as errors name them.
EXPECTED_VERSION = "expectedVersion"
IDEMPOTENCY_KEY = "idempotencyKey"


@dataclass(frozen=True)
class VersionCondition:
    """The versions a change may apply to: those listed, or any (``*``)."""

    versions: frozenset[int] = frozenset()
    any_version: bool = False

    def allows(self, version: int) -> bool:
        return self.any_version or version in self.versions


@dataclass(frozen=True)
class SubmitCase:
    document: Any | Unreadable  # the case record as the client wrote it (JSON types)
    idempotency_key: str | Unreadable | None = None


@dataclass(frozen=True)
class UpdateCase:
    case_id: str
    patch: Any | Unreadable  # a JSON merge patch (RFC 7396)
    expected: VersionCondition | None  # None: the client did not say which version it read


class Awaiting(StrEnum):
    """An open DHR's question still waiting for its answer (unanswered or answered Pending)."""

    ICB_DHR_ANSWER = "icb"  # the ICB chief nurse has not yet assured the DHR health recommendations
    REGIONAL_ANSWER = "regional"  # assured by the ICB, the regional chief nurse has not yet answered


NO_OWNING_PROVIDER = "NONE"
"""The owning-provider filter's value for a recommendation that names no NHS provider (never an ODS
code: those are the reference data's, and none is this word)."""


@dataclass(frozen=True)
class ListCases:
    review_type: ReviewType | None = None
    # Any of these review types (both DHR types at once); with ``review_type``, both must hold.
    review_types: frozenset[ReviewType] = frozenset()
    status: CaseStatus | None = None
    stage: Stage | None = None
    icb_code: str | None = None
    region_code: str | None = None  # narrows the caller's scope to one region; never widens it
    overdue: bool | None = None
    awaiting: Awaiting | None = None
    # A reference (``QE1-2026-0075``, exactly) or part of a local reference, in any case.
    search: str | None = None
    updated_since: str | None = None  # an ISO timestamp or date prefix: cases updated at or after it
    # The overview's figures, each reproducible as a list (a filter only narrows the caller's scope).
    # The date of the decision to review (``dateAdded``, which the summary's quarters use), inclusive.
    decided_from: date | None = None
    decided_to: date | None = None
    timeliness: frozenset[Timeliness] = frozenset()  # the review's deadline stands in any of these
    theme: Theme | None = None  # one of the case's themes
    # A learning event with this method and a date in this range (inclusive): one event, all three.
    learning_method: DisseminationMethod | None = None
    learned_from: date | None = None
    learned_to: date | None = None
    # A recommendation with all of these at once; its owner an ODS code or ``NO_OWNING_PROVIDER``;
    # overdue as the case's deadlines judge it today.
    recommendation_status: RecommendationStatus | None = None
    recommendation_theme: Theme | None = None
    recommendation_owner: str | None = None
    recommendation_overdue: bool | None = None
    limit: int = DEFAULT_PAGE_SIZE
    cursor: str | None = None

    def cursor_scope(self, caller_name: str) -> str:
        """What a cursor is bound to: the caller and every filter, but not the page position."""
        return repr(
            (
                caller_name,
                self.review_type,
                self.status,
                self.stage,
                self.icb_code,
                self.overdue,
                self.updated_since,
                self.limit,
                *(
                    # Only when set, so that cursors issued before these filters existed still read.
                    (sorted(self.review_types), self.region_code, self.awaiting, self.search)
                    if self.review_types or self.region_code or self.awaiting or self.search
                    else ()
                ),
                # Only when set, as above (``False`` is set: not overdue).
                *((self.figure_filters,) if any(v not in (None, []) for v in self.figure_filters) else ()),
            )
        )

    @property
    def figure_filters(self) -> tuple[Any, ...]:
        """The filters the overview's figures link with, in a fixed order (for the cursor's scope)."""
        return (
            self.decided_from,
            self.decided_to,
            sorted(self.timeliness),
            self.theme,
            self.learning_method,
            self.learned_from,
            self.learned_to,
            self.recommendation_status,
            self.recommendation_theme,
            self.recommendation_owner,
            self.recommendation_overdue,
        )

    @property
    def filters_recommendations(self) -> bool:
        return any(
            value is not None
            for value in (
                self.recommendation_status,
                self.recommendation_theme,
                self.recommendation_owner,
                self.recommendation_overdue,
            )
        )

    @property
    def filters_learning(self) -> bool:
        return any(value is not None for value in (self.learning_method, self.learned_from, self.learned_to))


@dataclass(frozen=True)
class ReadHistory:
    case_id: str
    limit: int | Unreadable = DEFAULT_PAGE_SIZE
    cursor: str | None = None
    # Without a cursor, read the versions after this one (the web app opens on the newest page).
    # The JSON API never sets it: its clients page with the cursor alone.
    after_version: int | None = None


@dataclass(frozen=True)
class CasePage:
    items: list[Case]
    next_cursor: str | None = None


@dataclass(frozen=True)
class HistoryPage:
    items: list[HistoryEntry] = field(default_factory=list)
    next_cursor: str | None = None


@dataclass(frozen=True)
class ReplaceContacts:
    """Replace an ICB's safeguarding contacts with the document's addresses."""

    icb_code: str
    document: Any | Unreadable  # {"emails": [...]} as the client wrote it (JSON types)
    expected: VersionCondition | None  # None: the client did not say which version it read


@dataclass(frozen=True)
class ReadContactsHistory:
    icb_code: str
    limit: int | Unreadable = DEFAULT_PAGE_SIZE
    cursor: str | None = None
    after_version: int | None = None  # as ``ReadHistory.after_version``


@dataclass(frozen=True)
class ContactsHistoryPage:
    items: list[ContactsChange] = field(default_factory=list)
    next_cursor: str | None = None
