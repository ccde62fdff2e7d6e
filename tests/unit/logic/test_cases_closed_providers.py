"""Closed trusts on cases through the domain: accepted for an incident before the closure, refused
(nothing written) after it, and kept on a case that already names one."""

from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.memory import InMemoryCaseStore, InMemoryLedger
from tracker.access import AccessPolicy, Caller
from tracker.errors import InvalidInput
from tracker.logic.cases import CaseService
from tracker.logic.commands import SubmitCase, UpdateCase, VersionCondition
from tracker.logic.cursor import CursorCodec
from tracker.models.enums import Role
from tracker.reference import reference_data

EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1")


def _service(store: InMemoryCaseStore) -> CaseService:
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    ledger = InMemoryLedger()
    return CaseService(store, AccessPolicy(reference_data()), reference_data(), lambda: codec, lambda: ledger)


def _update(service: CaseService, case_id: str, patch: dict[str, Any], version: int = 1) -> Any:
    return service.update(EDITOR, UpdateCase(case_id, patch, VersionCondition(frozenset({version}))))


def test_a_closed_trust_is_accepted_for_an_incident_before_its_closure(fixed_today: None) -> None:
    service = _service(InMemoryCaseStore())
    case = service.submit(
        EDITOR,
        SubmitCase(synthetic_case(incidentDate="2018-06-30", providersInvolved=["RJF", "RXL"])),
    )
    assert case.providers_involved == ["RJF", "RXL"]


def test_a_closed_trust_for_a_later_incident_is_refused_naming_date_and_successor(fixed_today: None) -> None:
    store = InMemoryCaseStore()
    service = _service(store)
    with pytest.raises(InvalidInput) as refused:
        service.submit(EDITOR, SubmitCase(synthetic_case(providersInvolved=["RXL", "RJF"])))
    assert [error.field for error in refused.value.errors] == ["providersInvolved[1]"]
    detail = refused.value.errors[0].detail
    assert "RJF" in detail and "1 July 2018" in detail and "RTG" in detail
    assert store.cases == {}


def test_a_case_naming_a_closed_trust_stays_editable_until_its_incident_date_moves_past_the_closure(
    fixed_today: None,
) -> None:
    store = InMemoryCaseStore()
    service = _service(store)
    case = service.submit(
        EDITOR, SubmitCase(synthetic_case(incidentDate="2017-03-01", providersInvolved=["RW3"]))
    )
    kept = _update(service, case.case_id, {"localReference": "SYN-LOCAL-1"})
    assert kept.version == 2 and kept.providers_involved == ["RW3"]

    with pytest.raises(InvalidInput) as refused:
        _update(service, case.case_id, {"incidentDate": "2019-03-01"}, version=2)
    assert [error.field for error in refused.value.errors] == ["providersInvolved[0]"]
    assert "R0A" in refused.value.errors[0].detail
    assert store.cases[case.case_id].version == 2  # nothing written

    moved = _update(service, case.case_id, {"incidentDate": "2019-03-01", "providersInvolved": ["R0A"]}, 2)
    assert moved.providers_involved == ["R0A"]
