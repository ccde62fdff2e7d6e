"""Who made a change is recorded as a person too: the name from the caller's identity beside the
identifier the audit keeps (issue 19 item 6). The name is the server's, never the client's."""

from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.memory import InMemoryCaseStore, InMemoryLedger
from tracker.access import AccessPolicy, Caller
from tracker.dal.items import history_item
from tracker.errors import InvalidInput
from tracker.logic.cases import CaseService
from tracker.logic.commands import ReadHistory, SubmitCase, UpdateCase, VersionCondition
from tracker.logic.cursor import CursorCodec
from tracker.models.case import Case, HistoryEntry
from tracker.models.enums import Role
from tracker.reference import reference_data

NAMED = Caller(Role.ICB_EDITOR, "QE1", "editor-1", name="Alex Example")
OTHER_NAMED = Caller(Role.ICB_EDITOR, "QE1", "editor-2", name="Sam Sample")
UNNAMED = Caller(Role.ICB_EDITOR, "QE1", "forms-platform-client")


@pytest.fixture
def store() -> InMemoryCaseStore:
    return InMemoryCaseStore()


@pytest.fixture
def service(store: InMemoryCaseStore, fixed_today: None) -> CaseService:
    reference = reference_data()
    codec = CursorCodec(b"unit-test-cursor-key-0123456789")
    ledger = InMemoryLedger()
    return CaseService(store, AccessPolicy(reference), reference, lambda: codec, lambda: ledger)


def update(service: CaseService, caller: Caller, case: Case, body: dict[str, Any]) -> Case:
    return service.update(caller, UpdateCase(case.case_id, body, VersionCondition(frozenset({case.version}))))


def test_a_recorded_case_names_the_person_beside_the_identifier(service: CaseService) -> None:
    case = service.submit(NAMED, SubmitCase(synthetic_case()))

    assert case.created_by == case.updated_by == NAMED.audit_name
    assert case.created_by_name == case.updated_by_name == "Alex Example"
    [entry] = service.history(NAMED, ReadHistory(case.case_id, 10)).items
    assert (entry.changed_by, entry.changed_by_name) == (NAMED.audit_name, "Alex Example")


def test_a_change_names_who_made_it_and_keeps_who_recorded_it(service: CaseService) -> None:
    case = service.submit(NAMED, SubmitCase(synthetic_case()))

    changed = update(service, OTHER_NAMED, case, {"localReference": "LR-1"})

    assert (changed.created_by_name, changed.updated_by_name) == ("Alex Example", "Sam Sample")
    assert changed.updated_by == OTHER_NAMED.audit_name
    entries = service.history(NAMED, ReadHistory(case.case_id, 10)).items
    assert [entry.changed_by_name for entry in entries] == ["Alex Example", "Sam Sample"]


def test_a_caller_without_a_name_records_none_and_leaves_no_earlier_name_behind(
    service: CaseService,
) -> None:
    case = service.submit(NAMED, SubmitCase(synthetic_case()))

    changed = update(service, UNNAMED, case, {"localReference": "LR-2"})

    assert changed.updated_by == UNNAMED.audit_name
    assert changed.updated_by_name is None  # not the previous editor's name
    assert changed.created_by_name == "Alex Example"
    latest = service.history(NAMED, ReadHistory(case.case_id, 10)).items[-1]
    assert latest.changed_by_name is None


@pytest.mark.parametrize("field", ["updatedByName", "createdByName"])
def test_a_client_cannot_write_a_name(service: CaseService, field: str) -> None:
    case = service.submit(NAMED, SubmitCase(synthetic_case()))

    with pytest.raises(InvalidInput):
        update(service, NAMED, case, {field: "Someone Else"})
    with pytest.raises(InvalidInput):
        service.submit(NAMED, SubmitCase(synthetic_case(**{field: "Someone Else"})))


def test_the_history_item_keeps_the_name_of_its_version(service: CaseService) -> None:
    case = service.submit(NAMED, SubmitCase(synthetic_case()))
    record = case.model_dump(mode="json", exclude_none=True, exclude={"deadlines"})

    item = history_item(record, ["status"])

    assert item["changedByName"] == "Alex Example"
    read_back = HistoryEntry.model_validate(
        {
            k: v
            for k, v in item.items()
            if k in {"version", "changedAt", "changedBy", "changedByName", "changedFields", "case"}
        }
    )
    assert read_back.changed_by_name == "Alex Example"


def test_a_history_item_without_a_name_has_no_name_attribute(service: CaseService) -> None:
    case = service.submit(UNNAMED, SubmitCase(synthetic_case()))
    record = case.model_dump(mode="json", exclude_none=True, exclude={"deadlines"})

    assert "changedByName" not in history_item(record, ["status"])


def test_a_save_that_changes_nothing_makes_no_version(service: CaseService, store: InMemoryCaseStore) -> None:
    case = service.submit(NAMED, SubmitCase(synthetic_case()))

    same = update(service, OTHER_NAMED, case, {"status": case.status.value})

    assert same.version == case.version
    assert same.updated_by_name == "Alex Example"
    assert len(store.history[case.case_id]) == 1
