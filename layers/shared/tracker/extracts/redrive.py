"""Redrive: republish the cases of stream batches that exhausted their retries.

A failed batch leaves a record in the stream's on-failure destination (the failure bucket on AWS,
``failed-batches/`` in the local stack's state folder). Stream records expire after 24 hours, so
the redrive does not replay them: it republishes each named case from the table, whose history
holds every version. Every version's ``changes/`` object is written again under its fixed key (so
nothing is duplicated) and ``current/`` is set from the latest state, with copies left at an ICB
the case has moved away from deleted. The stream goes on publishing meanwhile: the store never
writes ``current/`` over a newer version, and ``settle_current`` reads the case again after the
writes, following any newer version (so a case that moved meanwhile keeps one copy, at its new ICB).
Running it twice changes nothing; a failure record is marked done only once all its cases are
republished.
"""

from dataclasses import dataclass, field
from typing import Any

from tracker.dal.case_stream import case_id_of_keys
from tracker.extracts.columns import ChangeType
from tracker.extracts.ports import ExtractBucket, FailureInbox
from tracker.extracts.publisher import (
    DeleteObject,
    Operation,
    apply,
    change_object,
    current_object,
    current_operations,
    settle_current,
)
from tracker.logic.ports import CaseStore
from tracker.models.case import Case

VERSIONS_PER_READ = 100


def case_ids_of_failure(record: dict[str, Any]) -> set[str]:
    """The cases a failure record names: Lambda's (``payload.Records``) or the local stack's (``records``)."""
    named: list[Any] = []
    payload = record.get("payload")
    if isinstance(payload, dict):
        named += [item.get("dynamodb", {}).get("Keys") for item in payload.get("Records", [])]
    named += [item.get("keys") for item in record.get("records", []) if isinstance(item, dict)]
    return {case_id for keys in named if (case_id := case_id_of_keys(keys)) is not None}


def republish_operations(store: CaseStore, case_id: str) -> list[Operation]:
    """Every version's ``changes/`` object and the ``current/`` object of one case, from the table."""
    operations: list[Operation] = []
    locations: set[str] = set()
    after = 0
    while True:
        entries = store.versions(case_id, after_version=after, limit=VERSIONS_PER_READ)
        for entry in entries:
            change_type = ChangeType.CREATED if entry.version == 1 else ChangeType.UPDATED
            operations.append(change_object(entry.case, change_type, entry.case.updated_at))
            locations.add(current_object(entry.case).key)
        if len(entries) < VERSIONS_PER_READ:
            break
        after = entries[-1].version
    latest: Case | None = store.get(case_id)
    return operations + current_operations(latest, locations)


@dataclass
class RedriveReport:
    records: int = 0
    cases: int = 0
    objects_written: int = 0
    records_without_cases: list[str] = field(default_factory=list)
    cases_failed: list[str] = field(default_factory=list)  # kept with their records for the next run


def redrive(inbox: FailureInbox, store: CaseStore, extracts: ExtractBucket) -> RedriveReport:
    """Republish the cases of every failure record, then mark the record done."""
    report = RedriveReport()
    republished: set[str] = set()
    failed: set[str] = set()
    for record_id, record in inbox.records():
        report.records += 1
        case_ids = case_ids_of_failure(record)
        if not case_ids:
            # Metadata only (no keys): nothing to republish from; kept for an operator to read.
            report.records_without_cases.append(record_id)
            continue
        for case_id in sorted(case_ids - republished - failed):
            try:
                operations = republish_operations(store, case_id)
                apply(extracts, operations)
                operations += settle_current(extracts, lambda: store.get(case_id), operations)  # noqa: B023 - called at once
            except Exception:  # one unreadable case must not hold back the others
                failed.add(case_id)
                continue
            report.objects_written += sum(
                1 for operation in operations if not isinstance(operation, DeleteObject)
            )
            republished.add(case_id)
        if not case_ids & failed:
            inbox.done(record_id)
    report.cases = len(republished)
    report.cases_failed = sorted(failed)
    return report
