"""A region's reminder contacts (issue 20 item 5): kept by the regional team of that region alone, in
the same store, versions and history as an ICB's, and never confused with an ICB's."""

from typing import Any

import pytest

from tests.support.reminders import InMemoryContactStore
from tracker.access import AccessPolicy, Caller
from tracker.errors import InvalidInput, NotAllowed, NotVisible, VersionMismatch
from tracker.logic.commands import ReadContactsHistory, ReplaceContacts, VersionCondition
from tracker.logic.contacts import ContactService
from tracker.logic.cursor import CursorCodec
from tracker.models.contacts import RegionContacts
from tracker.models.enums import Role
from tracker.reference import reference_data

REGIONAL = Caller(Role.REGIONAL, "Y62", "regional-1")
OTHER_REGION = Caller(Role.REGIONAL, "Y56", "regional-2")
NATIONAL = Caller(Role.NATIONAL, "X24", "national-1")
EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1")  # an ICB of Y62
VIEWER = Caller(Role.ICB_VIEWER, "QE1", "viewer-1")
PROVIDER = Caller(Role.PROVIDER, "RXX", "provider-1")
ADDRESSES = ["regional.lead@nhs.example", "regional.team@nhs.example"]


@pytest.fixture
def store() -> InMemoryContactStore:
    return InMemoryContactStore()


@pytest.fixture
def service(store: InMemoryContactStore, fixed_today: None) -> ContactService:
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    return ContactService(store, AccessPolicy(reference_data()), lambda: codec)


def put(service: ContactService, body: Any, expected: int = 0, caller: Caller = REGIONAL) -> RegionContacts:
    return service.replace_region(
        caller, ReplaceContacts(caller.org, body, VersionCondition(frozenset({expected})))
    )


def test_the_regional_team_records_its_regions_contacts_with_versions_and_history(
    service: ContactService,
) -> None:
    empty = service.get_region(REGIONAL, "Y62")
    assert (empty.region_code, empty.emails, empty.version) == ("Y62", [], 0)
    saved = put(service, {"emails": ADDRESSES})
    assert isinstance(saved, RegionContacts)
    assert (saved.region_code, saved.emails, saved.version) == ("Y62", ADDRESSES, 1)
    assert saved.updated_by == REGIONAL.audit_name
    again = put(service, {"emails": ADDRESSES[:1]}, expected=1)
    assert again.version == 2
    history = service.region_history(REGIONAL, ReadContactsHistory("Y62", 10)).items
    assert [(change.version, change.before, change.after) for change in history] == [
        (1, [], ADDRESSES),
        (2, ADDRESSES, ADDRESSES[:1]),
    ]
    assert service.recipients("Y62") == ADDRESSES[:1]


def test_a_stale_or_invalid_change_writes_nothing(service: ContactService) -> None:
    put(service, {"emails": ADDRESSES})
    with pytest.raises(VersionMismatch):
        put(service, {"emails": ADDRESSES[:1]}, expected=0)
    with pytest.raises(InvalidInput):
        put(service, {"emails": ["not an address"]}, expected=1)
    assert service.get_region(REGIONAL, "Y62").emails == ADDRESSES


@pytest.mark.parametrize(
    ("caller", "refusal"),
    [
        (OTHER_REGION, NotVisible),
        (EDITOR, NotVisible),
        (VIEWER, NotVisible),
        (PROVIDER, NotVisible),
        (NATIONAL, NotAllowed),  # sees the region's cases, does not keep its contacts
    ],
)
def test_nobody_but_the_regional_team_reads_or_changes_them(
    service: ContactService, caller: Caller, refusal: type[Exception]
) -> None:
    put(service, {"emails": ADDRESSES})
    with pytest.raises(refusal):
        service.get_region(caller, "Y62")
    with pytest.raises(refusal):
        service.region_history(caller, ReadContactsHistory("Y62", 10))
    with pytest.raises(refusal):
        service.replace_region(caller, ReplaceContacts("Y62", {"emails": ADDRESSES[:1]}, None))
    assert service.get_region(REGIONAL, "Y62").emails == ADDRESSES


def test_a_region_is_never_read_as_an_icb_nor_an_icb_as_a_region(service: ContactService) -> None:
    put(service, {"emails": ADDRESSES})
    with pytest.raises(NotVisible):
        service.get(REGIONAL, "Y62")  # the ICB route with a region's code
    with pytest.raises(NotVisible):
        service.get_region(REGIONAL, "QE1")  # the region route with an ICB's code
    with pytest.raises(NotVisible):
        service.get_region(Caller(Role.ICB_EDITOR, "QE1", "e"), "QE1")


def test_the_policy_answers_who_keeps_a_regions_contacts() -> None:
    policy = AccessPolicy(reference_data())
    assert policy.can_edit_region_contacts(REGIONAL, "Y62")
    assert not policy.can_edit_region_contacts(OTHER_REGION, "Y62")
    assert not policy.can_edit_region_contacts(NATIONAL, "Y62")
    assert not policy.can_edit_region_contacts(EDITOR, "Y62")
    assert not policy.can_edit_region_contacts(REGIONAL, "QE1")


def test_region_and_icb_codes_never_share_a_key() -> None:
    # One store and one reminder ledger hold both, keyed by the organisation's code.
    reference = reference_data()
    assert not reference.region_codes & set(reference.icbs)
