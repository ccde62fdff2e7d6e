"""The provider role in the access policy: known codes, its list scope, and the redacted view.

The shipped providers and a code dropped from them: tests/unit/reference/test_reference_providers.py."""

from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.memory import InMemoryCaseStore, InMemoryLedger
from tracker.access import AccessPolicy, Caller, ListScope, is_known_org
from tracker.errors import NotVisible
from tracker.logic.cases import CaseService
from tracker.logic.commands import ListCases, ReadHistory, SubmitCase, UpdateCase, VersionCondition
from tracker.logic.cursor import CursorCodec
from tracker.models.enums import Role
from tracker.reference import ReferenceData, reference_data

EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1")
PROVIDER = Caller(Role.PROVIDER, "RXX", "provider-1")


def _service(reference: ReferenceData, store: InMemoryCaseStore) -> CaseService:
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    ledger = InMemoryLedger()
    return CaseService(store, AccessPolicy(reference), reference, lambda: codec, lambda: ledger)


def _submit(service: CaseService, **overrides: Any) -> Any:
    return service.submit(EDITOR, SubmitCase(synthetic_case(**overrides)))


def test_provider_tokens_are_known_only_for_trusts_of_the_reference_data() -> None:
    assert is_known_org(Role.PROVIDER, "RXX")
    assert not is_known_org(Role.PROVIDER, "ZZ999")  # made up
    assert not is_known_org(Role.PROVIDER, "X24")
    assert not is_known_org(Role.ICB_EDITOR, "RXX")


def test_a_providers_list_scope_is_its_link_partition_only() -> None:
    policy = AccessPolicy(reference_data())
    assert policy.list_scope(PROVIDER) == ListScope(provider_codes=("RXX",))
    assert policy.list_scope(PROVIDER, "QE1") == ListScope(provider_codes=("RXX",), provider_icb_code="QE1")
    assert policy.list_scope(Caller(Role.PROVIDER, "ZZ999", "x")).is_empty  # made up: reads nothing


def test_the_domain_removes_restricted_text_for_a_provider_everywhere(fixed_today: None) -> None:
    store = InMemoryCaseStore()
    service = _submit_and_service(store)
    case_id = next(iter(store.cases))
    seen = service.get(PROVIDER, case_id)
    assert seen.case_information is None and seen.comments is None
    assert seen.model_dump(exclude_none=True).keys().isdisjoint({"case_information", "comments"})
    listed = service.list(PROVIDER, ListCases()).items
    assert [item.case_id for item in listed] == [case_id]
    assert listed[0].case_information is None and listed[0].comments is None
    history = service.history(PROVIDER, ReadHistory(case_id)).items
    assert [entry.case.comments for entry in history] == [None, None]
    assert [entry.case.case_information for entry in history] == [None, None]
    # The store itself still holds the text: the view is the caller's, not the record's.
    assert store.cases[case_id].comments == "Synthetic comment two"
    with pytest.raises(NotVisible):
        service.get(Caller(Role.PROVIDER, "R1A", "p"), case_id)


def _submit_and_service(store: InMemoryCaseStore) -> CaseService:
    service = _service(reference_data(), store)
    case = _submit(service, providersInvolved=["RXX"], comments="Synthetic comment one")
    service.update(
        EDITOR,
        UpdateCase(case.case_id, {"comments": "Synthetic comment two"}, VersionCondition(frozenset({1}))),
    )
    return service
