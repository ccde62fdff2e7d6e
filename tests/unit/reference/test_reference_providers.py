"""Providers in the reference data: the shipped trusts, and a code dropped from the reference data,
which stays on the case that names it but cannot be added again.

The provider role's access: tests/unit/access/test_access_of_providers.py."""

import dataclasses

import pytest

from tests.support.memory import InMemoryCaseStore
from tests.unit.access.test_access_of_providers import EDITOR, _service, _submit
from tracker.errors import InvalidInput
from tracker.logic.commands import UpdateCase, VersionCondition
from tracker.reference import DEFAULT_REFERENCE_DIR, load_reference_data, reference_data


def test_the_shipped_providers_are_the_239_trusts() -> None:
    data = load_reference_data(DEFAULT_REFERENCE_DIR)
    assert len(data.provider_codes) == 239
    provider = data.provider("RXX")
    assert provider is not None and provider.name == "SURREY AND BORDERS PARTNERSHIP NHS FOUNDATION TRUST"
    assert data.provider("QE1") is None  # an ICB is not a provider


def test_a_code_dropped_from_the_reference_data_stays_on_its_case_but_cannot_be_added(
    fixed_today: None,
) -> None:
    store = InMemoryCaseStore()
    case = _submit(_service(reference_data(), store), providersInvolved=["RXX", "R0A"])
    full = reference_data()
    merged_away = dataclasses.replace(
        full, providers={code: p for code, p in full.providers.items() if code != "R0A"}
    )
    service = _service(merged_away, store)
    changed = service.update(
        EDITOR,
        UpdateCase(
            case.case_id,
            {"stage": "PUBLISHED", "publicationDate": "2026-07-01"},
            VersionCondition(frozenset({1})),
        ),
    )
    assert changed.providers_involved == ["RXX", "R0A"]
    other = _submit(service)
    with pytest.raises(InvalidInput) as refused:
        service.update(
            EDITOR,
            UpdateCase(other.case_id, {"providersInvolved": ["R0A"]}, VersionCondition(frozenset({1}))),
        )
    assert [error.field for error in refused.value.errors] == ["providersInvolved[0]"]
    assert store.get(other.case_id) is not None and store.get(other.case_id).version == 1  # type: ignore[union-attr]
