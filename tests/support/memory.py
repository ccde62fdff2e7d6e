"""In-memory implementations of the storage ports, for fast tests of the use cases.

They keep the same promises as the DynamoDB implementations (conditional writes, newest-first
positions, one run per idempotency key) so the logic's tests need neither moto nor an engine.
"""

import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from tracker.access import ListScope
from tracker.logic.due import next_due_date
from tracker.logic.ports import (
    AuditWriteFailed,
    CaseFilters,
    KeyReused,
    ReadLimitReached,
    SealExists,
    VersionConflict,
)
from tracker.models.access_log import SINGLE_CASE_ACTIONS, AccessEntry
from tracker.models.case import Case, HistoryEntry


def _position(case: Case) -> str:
    return f"{case.model_dump(mode='json')['updatedAt']}#{case.case_id}"


def _in_scope(case: Case, scope: ListScope) -> bool:
    """As the DynamoDB store reads: by ICB, by region, or by a provider's link items."""
    if case.icb_code in scope.icb_codes or case.region_code in scope.region_codes:
        return True
    named = set(case.providers_involved or ()) & set(scope.provider_codes)
    return bool(named) and scope.provider_icb_code in (None, case.icb_code)


class InMemoryCaseStore:
    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.history: dict[str, list[HistoryEntry]] = {}
        self.counters: dict[tuple[str, int], int] = {}
        self.reads = 0  # cases handed out by cases_in_scope, to check bounded reads
        self.scanned = 0  # cases cases_in_scope read, handed out or filtered out

    def get(self, case_id: str) -> Case | None:
        return self.cases.get(case_id)

    def create(self, case: Case, entry: HistoryEntry) -> None:
        if case.case_id in self.cases:
            raise VersionConflict
        self.cases[case.case_id] = case
        self.history[case.case_id] = [entry]

    def replace(self, case: Case, entry: HistoryEntry, expected_version: int) -> None:
        current = self.cases.get(case.case_id)
        if current is None or current.version != expected_version:
            raise VersionConflict
        self.cases[case.case_id] = case
        self.history[case.case_id].append(entry)

    def versions(self, case_id: str, *, after_version: int, limit: int) -> list[HistoryEntry]:
        return [entry for entry in self.history.get(case_id, []) if entry.version > after_version][:limit]

    def cases_in_scope(
        self,
        scope: ListScope,
        filters: CaseFilters,
        *,
        before: str | None,
        page_size: int,
        read_limit: int | None = None,
    ) -> Iterator[tuple[str, Case]]:
        """As DynamoDB reads them: ``read_limit`` counts every case of the scope read (one source
        here), filtered out or not; overdue lists come by next due date, latest first."""
        by_due = filters.overdue is True and filters.as_of is not None and not scope.provider_codes
        candidates = []
        for case in self.cases.values():
            if not _in_scope(case, scope):
                continue
            if by_due:
                due = next_due_date(case)
                if due is None or filters.as_of is None or due >= filters.as_of:
                    continue
                position = f"{due.isoformat()}#{case.case_id}"
            else:
                position = _position(case)
                if filters.updated_since is not None and position < filters.updated_since:
                    continue
            if before is not None and position >= before:
                continue
            candidates.append((position, case))
        read, last_read = 0, ""
        for position, case in sorted(candidates, key=lambda pair: pair[0], reverse=True):
            if read_limit is not None and read >= read_limit:
                raise ReadLimitReached(last_read)
            read += 1
            last_read = position
            self.scanned += 1
            if by_due and filters.updated_since is not None and _position(case) < filters.updated_since:
                continue
            if any(
                wanted is not None and wanted != actual
                for wanted, actual in (
                    (filters.review_type, case.review_type),
                    (filters.status, case.status),
                    (filters.stage, case.stage),
                )
            ):
                continue
            self.reads += 1
            yield position, case

    def cases_due_by(self, icb_code: str, day: date) -> list[Case]:
        due = [
            (next_due, case.case_id, case)
            for case in self.cases.values()
            if case.icb_code == icb_code and (next_due := next_due_date(case)) is not None and next_due <= day
        ]
        return [case for _, _, case in sorted(due, key=lambda entry: entry[:2])]

    def next_reference_number(self, icb_code: str, year: int) -> int:
        number = self.counters.get((icb_code, year), 0) + 1
        self.counters[(icb_code, year)] = number
        return number


class InMemoryLedger:
    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, str]] = {}

    def submit_once(self, key: str, payload: Any, submit: Callable[[], str]) -> str:
        fingerprint = json.dumps(payload, sort_keys=True)
        if key in self.entries:
            seen, case_id = self.entries[key]
            if seen != fingerprint:
                raise KeyReused
            return case_id
        case_id = submit()
        self.entries[key] = (fingerprint, case_id)
        return case_id


class InMemoryAuditTrail:
    """The read audit as the DynamoDB store keeps it: append-only (an entry id is written once), a
    case's single-case entries newest first by ``<at>#<entryId>``, a day's entries in order.
    ``failing`` makes every write fail as an unreachable table would."""

    def __init__(self) -> None:
        self.entries: dict[str, AccessEntry] = {}
        self.failing = False
        self.writes = 0

    def record(self, entry: AccessEntry) -> None:
        if self.failing or entry.entry_id in self.entries:
            raise AuditWriteFailed("refused")
        self.writes += 1
        self.entries[entry.entry_id] = entry

    def case_entries(self, case_id: str, *, before: str | None, limit: int) -> list[tuple[str, AccessEntry]]:
        positioned = sorted(
            (
                (f"{entry.at}#{entry.entry_id}", entry)
                for entry in self.entries.values()
                if entry.action in SINGLE_CASE_ACTIONS and entry.case_ids == (case_id,)
            ),
            key=lambda pair: pair[0],
            reverse=True,
        )
        return [pair for pair in positioned if before is None or pair[0] < before][:limit]

    def day_entries(self, day: date) -> Iterator[AccessEntry]:
        yield from sorted(
            (entry for entry in self.entries.values() if entry.day == day),
            key=lambda entry: (entry.at, entry.entry_id),
        )


class InMemorySealArchive:
    """Seals written once per day, as the Object Lock archive keeps them."""

    def __init__(self) -> None:
        self.seals: dict[date, bytes] = {}

    def put_seal(self, day: date, body: bytes) -> None:
        if day in self.seals:
            raise SealExists(day.isoformat())
        self.seals[day] = body

    def get_seal(self, day: date) -> bytes | None:
        return self.seals.get(day)
