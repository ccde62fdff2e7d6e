"""ICB contacts in the domain: who may read and change them, validation, versions and history."""

from typing import Any

import pytest

from tests.support.reminders import InMemoryContactStore
from tracker.access import AccessPolicy, Caller
from tracker.errors import (
    InvalidInput,
    NotAllowed,
    NotVisible,
    PreconditionMissing,
    UnreadableInput,
    VersionMismatch,
)
from tracker.logic.commands import ReadContactsHistory, ReplaceContacts, Unreadable, VersionCondition
from tracker.logic.contacts import ContactService
from tracker.logic.cursor import CursorCodec
from tracker.models.enums import Role
from tracker.reference import reference_data

EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1")
VIEWER = Caller(Role.ICB_VIEWER, "QE1", "viewer-1")
OTHER_EDITOR = Caller(Role.ICB_EDITOR, "QOP", "editor-2")
REGIONAL = Caller(Role.REGIONAL, "Y62", "regional-1")  # QE1's region
OTHER_REGION = Caller(Role.REGIONAL, "Y56", "regional-2")
NATIONAL = Caller(Role.NATIONAL, "X24", "national-1")
PROVIDER = Caller(Role.PROVIDER, "RXX", "provider-1")
ADDRESSES = ["lead.one@nhs.example", "lead.two@nhs.example"]


def version(number: int) -> VersionCondition:
    return VersionCondition(versions=frozenset({number}))


@pytest.fixture
def store() -> InMemoryContactStore:
    return InMemoryContactStore()


@pytest.fixture
def service(store: InMemoryContactStore, fixed_today: None) -> ContactService:
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    return ContactService(store, AccessPolicy(reference_data()), lambda: codec)


def put(
    service: ContactService, body: Any, expected: int | None = 0, caller: Caller = EDITOR, icb: str = "QE1"
) -> Any:
    condition = version(expected) if expected is not None else None
    return service.replace(caller, ReplaceContacts(icb, body, condition))


def test_none_recorded_reads_as_version_zero_and_the_first_put_records_version_one(
    service: ContactService,
) -> None:
    empty = service.get(EDITOR, "QE1")
    assert (empty.emails, empty.version) == ([], 0)
    saved = put(service, {"emails": ADDRESSES})
    assert (saved.emails, saved.version, saved.updated_by) == (ADDRESSES, 1, "icb_editor:QE1:editor-1")
    assert service.get(VIEWER, "QE1").emails == ADDRESSES


def test_history_records_who_when_before_and_after(service: ContactService) -> None:
    put(service, {"emails": ADDRESSES})
    put(service, {"emails": ["lead.three@nhs.example"]}, expected=1)
    put(service, {"emails": ["lead.three@nhs.example"]}, expected=2)  # unchanged: no new version
    page = service.history(VIEWER, ReadContactsHistory("QE1"))
    assert [(c.version, c.before, c.after) for c in page.items] == [
        (1, [], ADDRESSES),
        (2, ADDRESSES, ["lead.three@nhs.example"]),
    ]
    assert all(change.changed_by == "icb_editor:QE1:editor-1" for change in page.items)
    first = service.history(VIEWER, ReadContactsHistory("QE1", limit=1))
    assert len(first.items) == 1 and first.next_cursor
    rest = service.history(VIEWER, ReadContactsHistory("QE1", limit=1, cursor=first.next_cursor))
    assert [c.version for c in rest.items] == [2] and rest.next_cursor is None


@pytest.mark.parametrize(
    ("caller", "icb", "error"),
    [
        (OTHER_EDITOR, "QE1", NotVisible),  # another ICB: as if it had none
        (OTHER_REGION, "QE1", NotVisible),
        (PROVIDER, "QE1", NotVisible),
        (EDITOR, "QXX", NotVisible),  # not an ICB at all
        (REGIONAL, "QE1", NotAllowed),  # sees the ICB's cases, does not keep its contacts
        (NATIONAL, "QE1", NotAllowed),
    ],
)
def test_who_may_not_read(service: ContactService, caller: Caller, icb: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        service.get(caller, icb)
    with pytest.raises(error):
        service.history(caller, ReadContactsHistory(icb))


def test_a_viewer_reads_but_may_not_change(service: ContactService, store: InMemoryContactStore) -> None:
    with pytest.raises(NotAllowed):
        put(service, {"emails": ADDRESSES}, caller=VIEWER)
    with pytest.raises(NotVisible):  # another ICB's editor: 404 before anything else
        put(service, Unreadable(UnreadableInput("bad", [])), expected=None, caller=OTHER_EDITOR)
    assert store.current == {}


def test_a_successors_editor_manages_its_predecessors_contacts(service: ContactService) -> None:
    reference = reference_data()
    successor = next(code for code, icb in reference.icbs.items() if icb.predecessors)
    predecessor = reference.icbs[successor].predecessors[0]
    editor = Caller(Role.ICB_EDITOR, successor, "successor-editor")
    saved = put(service, {"emails": ADDRESSES}, caller=editor, icb=predecessor)
    assert saved.icb_code == predecessor and saved.version == 1
    # ... but the predecessor's staff (had they a token) do not manage the successor's.
    with pytest.raises(NotVisible):
        service.get(Caller(Role.ICB_EDITOR, predecessor, "old"), successor)


def test_if_match_is_required_and_must_be_current(
    service: ContactService, store: InMemoryContactStore
) -> None:
    with pytest.raises(PreconditionMissing):
        put(service, {"emails": ADDRESSES}, expected=None)
    put(service, {"emails": ADDRESSES})
    with pytest.raises(VersionMismatch):
        put(service, {"emails": ["lead.three@nhs.example"]}, expected=0)
    assert store.current["QE1"].emails == ADDRESSES


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"emails": []}, ["emails"]),
        ({"emails": [f"lead{n}@nhs.example" for n in range(11)]}, ["emails"]),
        ({"emails": ["lead.one@nhs.example", "not-an-address"]}, ["emails[1]"]),
        ({"emails": ["lead.one@nhs.example", "Lead.One@NHS.example"]}, ["emails[1]"]),
        ({"emails": ["lead@nhs"]}, ["emails[0]"]),
        ({"emails": ["a b@nhs.example"]}, ["emails[0]"]),
        ({"emails": [7]}, ["emails[0]"]),
        ({"emails": [" lead.one@nhs.example"]}, ["emails[0]"]),  # taken as written, not trimmed
        ({"emails": ["a" * 65 + "@nhs.example"]}, ["emails[0]"]),  # local part over 64
        ({"emails": ["lead..one@nhs.example"]}, ["emails[0]"]),
        ({"emails": ADDRESSES, "phone": "x"}, ["phone"]),
        ({}, ["emails"]),
        (["lead.one@nhs.example"], [""]),
    ],
)
def test_bad_contacts_are_invalid_naming_the_field_and_change_nothing(
    service: ContactService, store: InMemoryContactStore, body: Any, fields: list[str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        put(service, body)
    assert [error.field for error in refused.value.errors] == fields
    assert store.current == {}
