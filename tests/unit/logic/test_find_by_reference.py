"""A case found by its reference (``QE1-2026-0075``), as a reader of the case would find it: a case
the caller may not read is answered exactly as one that does not exist. And the worklist's filters
that no index serves (both DHR types, a DHR question waiting, a region, a search)."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.memory import InMemoryCaseStore, InMemoryLedger
from tracker import clock
from tracker.access import AccessPolicy, Caller
from tracker.errors import NotVisible
from tracker.logic.cases import CaseService
from tracker.logic.commands import Awaiting, ListCases, SubmitCase, UpdateCase, VersionCondition
from tracker.logic.cursor import CursorCodec
from tracker.models.case import Case
from tracker.models.enums import DHR_REVIEW_TYPES, ReviewType, Role
from tracker.reference import reference_data

EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1")
OTHER_ICB_EDITOR = Caller(Role.ICB_EDITOR, "QKK", "editor-2")  # a London ICB (Y56)
REGIONAL = Caller(Role.REGIONAL, "Y62", "regional-1")  # QE1's region
OTHER_REGION = Caller(Role.REGIONAL, "Y56", "regional-2")
NATIONAL = Caller(Role.NATIONAL, "X24", "national-1")
PROVIDER = Caller(Role.PROVIDER, "RXX", "provider-1")


@pytest.fixture
def service(fixed_today: None) -> CaseService:
    reference = reference_data()
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    ledger = InMemoryLedger()
    return CaseService(InMemoryCaseStore(), AccessPolicy(reference), reference, lambda: codec, lambda: ledger)


def _submit(service: CaseService, caller: Caller = EDITOR, **overrides: Any) -> Case:
    return service.submit(caller, SubmitCase(document=synthetic_case(**overrides)))


def test_a_reference_finds_its_case_in_any_letter_case(service: CaseService) -> None:
    _submit(service)
    wanted = _submit(service)

    assert service.find_by_reference(EDITOR, wanted.reference).case_id == wanted.case_id
    assert service.find_by_reference(EDITOR, f"  {wanted.reference.lower()} ").case_id == wanted.case_id
    assert service.find_by_reference(REGIONAL, wanted.reference).case_id == wanted.case_id
    assert service.find_by_reference(NATIONAL, wanted.reference).case_id == wanted.case_id


@pytest.mark.parametrize(
    "caller", [OTHER_ICB_EDITOR, OTHER_REGION, PROVIDER], ids=["icb", "region", "provider"]
)
def test_a_case_the_caller_may_not_read_is_not_found(service: CaseService, caller: Caller) -> None:
    case = _submit(service)

    with pytest.raises(NotVisible) as hidden:
        service.find_by_reference(caller, case.reference)
    with pytest.raises(NotVisible) as missing:
        service.find_by_reference(caller, "QE1-2026-9999")
    assert hidden.value.detail == missing.value.detail  # the same answer: existence is not revealed


@pytest.mark.parametrize("text", ["", "QE1", "QE1-2026", "not a reference", "QE1-2026-00x1"])
def test_text_that_is_no_reference_is_not_found(service: CaseService, text: str) -> None:
    _submit(service)
    with pytest.raises(NotVisible):
        service.find_by_reference(EDITOR, text)


def test_a_provider_finds_a_case_naming_it_without_restricted_text(service: CaseService) -> None:
    case = _submit(service, providersInvolved=["RXX"])

    found = service.find_by_reference(PROVIDER, case.reference)

    assert found.case_id == case.case_id and found.case_information is None


def test_a_case_moved_within_its_lineage_is_found_by_its_reference(
    service: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recorded by QM7 before it was abolished (1 April 2026), moved by its successor S1Y5D."""
    fixed_now = clock.now_utc()
    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    abolished_editor = Caller(Role.ICB_EDITOR, "QM7", "editor-qm7")
    case = _submit(
        service, abolished_editor, icbCode="QM7", dateAdded="2026-03-01", incidentDate="2026-02-01"
    )
    monkeypatch.setattr(clock, "now_utc", lambda: fixed_now)
    successor_editor = Caller(Role.ICB_EDITOR, "S1Y5D", "editor-s1")
    patch = {"icbCode": "S1Y5D"}
    moved = service.update(
        successor_editor, UpdateCase(case.case_id, patch, VersionCondition(frozenset({1})))
    )
    assert (case.reference.split("-")[0], moved.icb_code) == ("QM7", "S1Y5D")

    for caller in (successor_editor, NATIONAL, Caller(Role.REGIONAL, "Y61", "regional-y61")):
        assert service.find_by_reference(caller, case.reference).case_id == case.case_id


def test_a_reference_nobody_recorded_reads_its_lineage_never_the_whole_scope(
    service: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    _submit(service)
    store = service._store  # the reads it is asked for are what this test is about
    read: list[Any] = []
    every_read = store.cases_in_scope

    def recorded_read(scope: Any, *args: Any, **kwargs: Any) -> Any:
        read.append(scope)
        return every_read(scope, *args, **kwargs)

    monkeypatch.setattr(store, "cases_in_scope", recorded_read)

    with pytest.raises(NotVisible):
        service.find_by_reference(NATIONAL, "QE1-2026-9999")
    assert [scope.icb_codes for scope in read] == [("QE1",)]

    read.clear()
    with pytest.raises(NotVisible):
        service.find_by_reference(NATIONAL, "QM7-2026-9999")
    rest_of_lineage = tuple(sorted(reference_data().lineage("QM7") - {"QM7"}))
    assert len(rest_of_lineage) == 8
    assert [(scope.icb_codes, scope.region_codes) for scope in read] == [
        (("QM7",), ()),
        (rest_of_lineage, ()),
    ]

    read.clear()
    with pytest.raises(NotVisible):
        service.find_by_reference(PROVIDER, "QM7-2026-9999")
    assert [(scope.provider_codes, scope.provider_icb_code) for scope in read] == [
        (("RXX",), "QM7"),  # the recorded ICB's cases among its links
        (("RXX",), None),  # then its links once, not once for each ICB of the lineage
    ]

    read.clear()
    for caller in (NATIONAL, PROVIDER):
        with pytest.raises(NotVisible):
            service.find_by_reference(caller, "ABC-2026-0001")  # an ICB nobody knows
    assert read == []


def test_the_reference_of_a_stored_id_only_for_a_caller_who_may_read_it(service: CaseService) -> None:
    case = _submit(service)

    assert service.reference_of(EDITOR, case.case_id) == case.reference
    assert service.reference_of(OTHER_ICB_EDITOR, case.case_id) is None
    assert service.reference_of(EDITOR, "not-an-id") is None


# -- the worklist's filters -------------------------------------------------------------------------


def _references(service: CaseService, caller: Caller, query: ListCases) -> set[str]:
    return {case.reference for case in service.list(caller, query).items}


def test_both_dhr_types_at_once(service: CaseService) -> None:
    dhr = _submit(service, reviewType="DHR")
    child = _submit(service, reviewType="DHR_CHILD")
    _submit(service, reviewType="SAR")

    assert _references(service, EDITOR, ListCases(review_types=DHR_REVIEW_TYPES)) == {
        dhr.reference,
        child.reference,
    }
    # Both must hold: one type within the pair narrows it; one outside it leaves nothing.
    narrowed = ListCases(review_types=DHR_REVIEW_TYPES, review_type=ReviewType.DHR)
    assert _references(service, EDITOR, narrowed) == {dhr.reference}
    assert (
        _references(service, EDITOR, ListCases(review_types=DHR_REVIEW_TYPES, review_type=ReviewType.SAR))
        == set()
    )


def _answer(service: CaseService, caller: Caller, case: Case, **patch: Any) -> Case:
    current = service.get(caller, case.case_id)
    return service.update(
        caller, UpdateCase(case.case_id, patch, VersionCondition(frozenset({current.version})))
    )


def test_a_dhr_waits_for_the_icb_then_for_the_region(service: CaseService) -> None:
    unanswered = _submit(service, reviewType="DHR")
    pending = _submit(service, reviewType="DHR_CHILD", icbChiefNurseAssuredDhrHealthRecs="PENDING")
    assured = _submit(service, reviewType="DHR", icbChiefNurseAssuredDhrHealthRecs="YES")
    not_assured = _submit(service, reviewType="DHR", icbChiefNurseAssuredDhrHealthRecs="NO")
    answered = _submit(service, reviewType="DHR", icbChiefNurseAssuredDhrHealthRecs="YES")
    _answer(service, REGIONAL, answered, regionalChiefNurseContentToAcceptDhrHealthRecs="YES")
    _submit(service, reviewType="SAR")

    for caller in (EDITOR, REGIONAL, NATIONAL):
        assert _references(service, caller, ListCases(awaiting=Awaiting.ICB_DHR_ANSWER)) == {
            unanswered.reference,
            pending.reference,
        }
        assert _references(service, caller, ListCases(awaiting=Awaiting.REGIONAL_ANSWER)) == {
            assured.reference
        }
    assert not_assured.reference not in _references(
        service, REGIONAL, ListCases(awaiting=Awaiting.REGIONAL_ANSWER)
    )
    assert _references(service, OTHER_REGION, ListCases(awaiting=Awaiting.REGIONAL_ANSWER)) == set()


def test_a_closed_dhr_waits_for_nobody(service: CaseService) -> None:
    _submit(
        service,
        reviewType="DHR",
        icbChiefNurseAssuredDhrHealthRecs="YES",
        status="CLOSED",
        stage="CLOSED",
        reportSignedOffDate="2026-06-01",
    )
    assert _references(service, REGIONAL, ListCases(awaiting=Awaiting.REGIONAL_ANSWER)) == set()


def test_a_region_filter_narrows_the_national_list_and_never_widens_a_regional_one(
    service: CaseService,
) -> None:
    london = _submit(service)  # QE1 is in the North West (Y62)
    elsewhere = _submit(service, OTHER_ICB_EDITOR, icbCode="QKK")

    assert _references(service, NATIONAL, ListCases(region_code="Y62")) == {london.reference}
    assert _references(service, NATIONAL, ListCases()) == {london.reference, elsewhere.reference}
    # Another region's filter gives a regional team nothing, not that region's cases.
    assert _references(service, REGIONAL, ListCases(region_code=elsewhere.region_code)) == set()
    assert _references(service, EDITOR, ListCases(region_code=elsewhere.region_code)) == set()
    assert _references(service, NATIONAL, ListCases(region_code="Y62", icb_code="QKK")) == set()


def test_search_by_reference_or_by_part_of_a_local_reference(service: CaseService) -> None:
    first = _submit(service, localReference="Synthetic LR-0042")
    second = _submit(service, localReference="Synthetic LR-0077")

    assert _references(service, EDITOR, ListCases(search=second.reference.lower())) == {second.reference}
    assert _references(service, EDITOR, ListCases(search="lr-0042")) == {first.reference}
    assert _references(service, EDITOR, ListCases(search="synthetic")) == {first.reference, second.reference}
    assert _references(service, OTHER_ICB_EDITOR, ListCases(search=first.reference)) == set()
    # A reference with another filter that the case fails: not listed.
    assert (
        _references(service, EDITOR, ListCases(search=first.reference, review_type=ReviewType.SAR)) == set()
    )
