"""Reading a history from a given version (``after_version``): the web app opens on the newest
changes and reads only what was saved since a form's version. The JSON API never sets it."""

from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.memory import InMemoryCaseStore, InMemoryLedger
from tests.support.reminders import InMemoryContactStore
from tracker.access import AccessPolicy, Caller
from tracker.errors import NotAllowed, NotVisible, UnreadableInput
from tracker.logic.cases import CaseService
from tracker.logic.commands import (
    ReadContactsHistory,
    ReadHistory,
    ReplaceContacts,
    SubmitCase,
    UpdateCase,
    VersionCondition,
)
from tracker.logic.contacts import ContactService
from tracker.logic.cursor import CursorCodec
from tracker.models.enums import Role
from tracker.reference import reference_data

EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1")
OTHER_EDITOR = Caller(Role.ICB_EDITOR, "QOP", "editor-2")
NATIONAL = Caller(Role.NATIONAL, "X24", "national-1")
BAD_VERSIONS = [-1, True, "3", 2.0]


@pytest.fixture
def service(fixed_today: None) -> CaseService:
    reference = reference_data()
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    ledger = InMemoryLedger()
    return CaseService(InMemoryCaseStore(), AccessPolicy(reference), reference, lambda: codec, lambda: ledger)


@pytest.fixture
def contacts(fixed_today: None) -> ContactService:
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    return ContactService(InMemoryContactStore(), AccessPolicy(reference_data()), lambda: codec)


def _case_with_versions(service: CaseService, count: int) -> str:
    case = service.submit(EDITOR, SubmitCase(synthetic_case()))
    for number in range(1, count):
        change = UpdateCase(
            case.case_id, {"localReference": f"SYN-{number}"}, VersionCondition(frozenset({number}))
        )
        service.update(EDITOR, change)
    return case.case_id


def _contacts_with_versions(contacts: ContactService, count: int) -> None:
    for number in range(count):
        document = {"emails": [f"synthetic.{number}@nhs.example"]}
        contacts.replace(EDITOR, ReplaceContacts("QE1", document, VersionCondition(frozenset({number}))))


def test_a_case_history_reads_from_after_version_and_its_cursor_carries_on(service: CaseService) -> None:
    case_id = _case_with_versions(service, 12)

    page = service.history(EDITOR, ReadHistory(case_id, limit=4, after_version=5))

    assert [entry.version for entry in page.items] == [6, 7, 8, 9]
    assert page.next_cursor is not None
    following = service.history(
        EDITOR, ReadHistory(case_id, limit=4, cursor=page.next_cursor, after_version=5)
    )
    assert [entry.version for entry in following.items] == [10, 11, 12]  # the cursor wins
    assert following.next_cursor is None


def test_a_case_history_after_the_last_version_or_from_zero(service: CaseService) -> None:
    case_id = _case_with_versions(service, 3)
    assert service.history(EDITOR, ReadHistory(case_id, limit=5, after_version=3)).items == []
    from_zero = service.history(EDITOR, ReadHistory(case_id, limit=5, after_version=0))
    assert [entry.version for entry in from_zero.items] == [1, 2, 3]


@pytest.mark.parametrize("bad", BAD_VERSIONS)
def test_a_case_history_refuses_an_after_version_that_is_not_a_version(
    service: CaseService, bad: Any
) -> None:
    case_id = _case_with_versions(service, 2)
    with pytest.raises(UnreadableInput) as raised:
        service.history(EDITOR, ReadHistory(case_id, limit=5, after_version=bad))
    assert [(error.field, error.location) for error in raised.value.errors] == [("afterVersion", "query")]


def test_a_case_not_visible_is_not_found_before_after_version_is_read(service: CaseService) -> None:
    case_id = _case_with_versions(service, 2)
    with pytest.raises(NotVisible):
        service.history(OTHER_EDITOR, ReadHistory(case_id, limit=5, after_version=-1))
    with pytest.raises(NotVisible):
        service.history(OTHER_EDITOR, ReadHistory(case_id, limit=5, after_version=1))


def test_contacts_history_reads_from_after_version_and_its_cursor_carries_on(
    contacts: ContactService,
) -> None:
    _contacts_with_versions(contacts, 7)

    page = contacts.history(EDITOR, ReadContactsHistory("QE1", limit=2, after_version=3))

    assert [change.version for change in page.items] == [4, 5]
    assert page.items[0].before == ["synthetic.2@nhs.example"]
    following = contacts.history(EDITOR, ReadContactsHistory("QE1", limit=2, cursor=page.next_cursor))
    assert [change.version for change in following.items] == [6, 7] and following.next_cursor is None


@pytest.mark.parametrize("bad", BAD_VERSIONS)
def test_contacts_history_refuses_an_after_version_that_is_not_a_version(
    contacts: ContactService, bad: Any
) -> None:
    _contacts_with_versions(contacts, 1)
    with pytest.raises(UnreadableInput) as raised:
        contacts.history(EDITOR, ReadContactsHistory("QE1", limit=5, after_version=bad))
    assert [error.field for error in raised.value.errors] == ["afterVersion"]


@pytest.mark.parametrize(("caller", "error"), [(OTHER_EDITOR, NotVisible), (NATIONAL, NotAllowed)])
def test_contacts_access_is_checked_before_after_version_is_read(
    contacts: ContactService, caller: Caller, error: type[Exception]
) -> None:
    with pytest.raises(error):
        contacts.history(caller, ReadContactsHistory("QE1", limit=5, after_version=-1))
