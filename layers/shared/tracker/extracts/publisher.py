"""What one stream record does to the bucket: the plan (pure) and its application.

- INSERT/MODIFY writes the version's ``changes/`` object, keyed by (caseId, version).
- REMOVE writes a ``REMOVED`` tombstone to ``changes/``.
- ``current/`` is set from the case's latest state in the table, not from the record: replaying an
  old record (any batch, any bisection, any number of times) then rewrites the latest state
  instead of rolling it back, and a removed case is never resurrected.
- Every ``current/`` location a record names (its old and new image) other than the latest
  state's is deleted, so a case that moved ICB leaves no stale copy even when the record that
  moved it is processed after later ones.
- ``current/`` never moves backwards, whoever writes it (this publisher, the redrive): the store
  writes a case's latest state only over an older version, and after writing, the writer reads the
  table again and, while the case has moved on since its first read, sets ``current/`` again from
  the newer state (``settle_current``), so a copy put back at an ICB the case has left is deleted.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tracker import clock
from tracker.dal.case_stream import StreamChange
from tracker.extracts.columns import SCHEMA_VERSION, ChangeType, changes_columns, current_columns
from tracker.extracts.keys import JSON_CONTENT_TYPE, change_key, current_key
from tracker.extracts.ports import ExtractBucket
from tracker.extracts.rows import case_row, encode_json
from tracker.models.case import Case


@dataclass(frozen=True)
class PutObject:
    key: str
    body: bytes
    content_type: str
    version: int | None = None  # a case's latest state (current/): written only over an older version


@dataclass(frozen=True)
class DeleteObject:
    key: str


Operation = PutObject | DeleteObject
LatestCase = Callable[[str], Case | None]
"""The case now in the table for a case id (None once removed): ``CaseStore.get``."""
SETTLE_ROUNDS = 5
"""Times ``current/`` is set again while the case keeps changing under a writer: each round follows a
newer version, which the stream publishes itself anyway, so a few are plenty."""


class CurrentKeptMoving(Exception):
    """The case changed on every round of ``settle_current``: the caller's retry settles it later."""


def _location(case: Case) -> str:
    return current_key(case.region_code, case.icb_code, case.case_id)


def _updated_on(case: Case) -> date:
    return case.updated_at.astimezone(UTC).date()


def change_object(case: Case, change_type: ChangeType, changed_at: datetime) -> PutObject:
    """The ``changes/`` object of a version; ``changed_at`` is fixed for the version, so is the key."""
    row = case_row(
        case,
        changes_columns(),
        as_of=_updated_on(case),  # only due dates are kept, which do not depend on the day
        metadata={"changeType": change_type.value, "changedAt": clock.format_timestamp(changed_at)},
    )
    key = change_key(
        case.case_id,
        case.version,
        changed_at.astimezone(UTC).date(),
        removed=change_type is ChangeType.REMOVED,
    )
    return PutObject(key, encode_json(row), JSON_CONTENT_TYPE)


def current_object(case: Case) -> PutObject:
    row = case_row(case, current_columns(), as_of=_updated_on(case), metadata={})
    return PutObject(_location(case), encode_json(row), JSON_CONTENT_TYPE, version=case.version)


def current_operations(latest: Case | None, locations: set[str]) -> list[Operation]:
    """``current/`` for a case's latest state: its object, then a delete of every other location
    named (all of them once the case is removed)."""
    operations: list[Operation] = []
    others = set(locations)
    if latest is not None:
        current = current_object(latest)
        operations.append(current)
        others.discard(current.key)
    operations.extend(DeleteObject(key) for key in sorted(others))
    return operations


def plan(change: StreamChange, latest: Case | None) -> list[Operation]:
    """The writes and deletes for one case item's stream record, puts first (never zero copies)."""
    operations: list[Operation] = []
    old = Case.model_validate(change.old_record) if change.old_record else None
    new = Case.model_validate(change.new_record) if change.new_record else None
    if new is not None:
        change_type = ChangeType.CREATED if new.version == 1 else ChangeType.UPDATED
        operations.append(change_object(new, change_type, new.updated_at))
    elif old is not None:
        if change.created_at is None:
            raise ValueError("a REMOVE record needs ApproximateCreationDateTime")
        operations.append(change_object(old, ChangeType.REMOVED, change.created_at))

    named = {_location(case) for case in (old, new) if case is not None}
    return operations + current_operations(latest, named)


def apply(store: ExtractBucket, operations: list[Operation]) -> None:
    for operation in operations:
        if isinstance(operation, DeleteObject):
            store.delete(operation.key)
        elif operation.version is None:
            store.put(operation.key, operation.body, operation.content_type, SCHEMA_VERSION)
        else:
            store.put_latest(
                operation.key,
                operation.body,
                operation.content_type,
                SCHEMA_VERSION,
                version=operation.version,
            )


def settle_current(
    store: ExtractBucket, read_latest: Callable[[], Case | None], applied: list[Operation]
) -> list[Operation]:
    """After ``applied`` (a plan made from one read of the case) went out: read the case again and,
    while it has moved on since, set ``current/`` again from the newer state, deleting every location
    met on the way. Returns the operations of the last extra round (none when nothing had moved)."""
    locations = {
        operation.key
        for operation in applied
        if isinstance(operation, DeleteObject) or operation.version is not None
    }
    written = next(
        (op.version for op in applied if isinstance(op, PutObject) and op.version is not None), None
    )
    operations: list[Operation] = []
    for _ in range(SETTLE_ROUNDS):
        latest = read_latest()
        version = latest.version if latest is not None else None
        if version == written:
            return operations
        operations = current_operations(latest, locations)
        apply(store, operations)
        written = version
        locations |= {operation.key for operation in operations}
    raise CurrentKeptMoving("the case kept changing while current/ was being set")


def summary(operations: list[Operation]) -> dict[str, list[str]]:
    """Keys written and deleted, for logs (keys hold ids and codes, never free text)."""
    return {
        "written": [operation.key for operation in operations if isinstance(operation, PutObject)],
        "deleted": [operation.key for operation in operations if isinstance(operation, DeleteObject)],
    }


class ChangePublisher:
    def __init__(self, store: ExtractBucket, latest_case: LatestCase) -> None:
        self._store = store
        self._latest_case = latest_case

    def publish(self, change: StreamChange) -> list[Operation]:
        """Apply one case item's record; returns what was done (keys only are safe to log)."""
        case_id = change.case_id
        if case_id is None:
            raise ValueError("a case record without caseId")
        operations = plan(change, self._latest_case(case_id))
        apply(self._store, operations)
        return operations + settle_current(self._store, lambda: self._latest_case(case_id), operations)
