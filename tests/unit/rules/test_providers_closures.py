"""Provider closures: the shipped file, which trusts are open on a day, and the rule that a closed
code is accepted only for an incident before its closure."""

import shutil
from datetime import date
from pathlib import Path

from tests.conftest import synthetic_case
from tracker.models.case import CaseFields
from tracker.reference import CLOSURES_FILE, DEFAULT_REFERENCE_DIR, PROVIDERS_FILE, load_reference_data
from tracker.rules.providers import closed_provider_problems

SHIPPED = load_reference_data(DEFAULT_REFERENCE_DIR)
MERGED_YEARS_AGO = ("RW3", "RJF", "RXH", "RC1", "RLN")


def _fields(**overrides: object) -> CaseFields:
    return CaseFields.model_validate(synthetic_case(**overrides))


def test_the_shipped_file_lists_21_closures_each_with_open_successors() -> None:
    assert len(SHIPPED.closures) == 21
    manchester = SHIPPED.closure("RW3")
    assert manchester is not None
    assert (manchester.closed_on, manchester.successors) == (date(2017, 10, 1), ("R0A",))
    assert SHIPPED.closure("RW6") is not None and SHIPPED.closure("RW6").successors == ("R0A", "RM3")  # type: ignore[union-attr]
    assert SHIPPED.closure("RXL") is None  # open
    for closure in SHIPPED.closures.values():
        for successor in closure.successors:
            assert SHIPPED.provider(successor) is not None
            assert SHIPPED.closure(successor) is None, f"{closure.code}'s successor {successor} is closed"


def test_only_open_trusts_are_offered_and_closed_ones_keep_their_names() -> None:
    open_codes = {provider.code for provider in SHIPPED.open_providers(date(2026, 12, 5))}
    assert open_codes.isdisjoint(MERGED_YEARS_AGO)
    assert {"R0A", "RTG", "RYR", "RC9", "R0B", "RXL"} <= open_codes
    assert len(open_codes) == len(SHIPPED.providers) - 21
    # Known still, so an old case names them: by name, and as a code the rules recognise.
    assert all(code in SHIPPED.provider_codes for code in MERGED_YEARS_AGO)
    burton = SHIPPED.provider("RJF")
    assert burton is not None and burton.name == "BURTON HOSPITALS NHS FOUNDATION TRUST"


def test_a_trust_is_offered_until_the_day_it_closes() -> None:
    assert "RAP" in {provider.code for provider in SHIPPED.open_providers(date(2024, 12, 31))}
    assert "RAP" not in {provider.code for provider in SHIPPED.open_providers(date(2025, 1, 1))}


def test_a_closed_code_keeps_its_name_when_a_replacement_providers_file_drops_it(tmp_path: Path) -> None:
    for source in DEFAULT_REFERENCE_DIR.glob("*.csv"):
        shutil.copy(source, tmp_path / source.name)
    providers = (tmp_path / PROVIDERS_FILE).read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / PROVIDERS_FILE).write_text(
        "".join(line for line in providers if not line.startswith("RW3,")), encoding="utf-8"
    )
    replaced = load_reference_data(tmp_path)
    manchester = replaced.provider("RW3")
    assert manchester is not None
    assert manchester.name == "CENTRAL MANCHESTER UNIVERSITY HOSPITALS NHS FOUNDATION TRUST"
    assert "RW3" in replaced.provider_codes
    assert (tmp_path / CLOSURES_FILE).exists()


def test_a_closed_code_is_accepted_only_for_an_incident_before_the_closure() -> None:
    before = _fields(incidentDate="2017-09-30", dateAdded="2017-10-20", providersInvolved=["RW3"])
    on_the_day = _fields(incidentDate="2017-10-01", dateAdded="2017-10-20", providersInvolved=["RXL", "RW3"])
    assert closed_provider_problems(before, SHIPPED) == []
    problems = closed_provider_problems(on_the_day, SHIPPED)
    assert [problem.field for problem in problems] == ["providersInvolved[1]"]
    detail = problems[0].detail
    assert "RW3" in detail and "1 October 2017" in detail and "R0A" in detail
    assert "Manchester University NHS Foundation Trust" in detail  # the published merger, in words


def test_a_recommendations_owning_provider_is_held_to_the_same_rule() -> None:
    recommendation = {
        "recommendationId": "R1",
        "theme": "NEGLECT",
        "text": "Synthetic recommendation text",
        "owner": "Synthetic owner",
        "dueDate": "2027-06-01",
        "status": "IN_PROGRESS",
        "ownerProviderCode": "RW6",
    }
    fields = _fields(providersInvolved=["RW6"], recommendations=[recommendation])
    problems = closed_provider_problems(fields, SHIPPED)
    assert [problem.field for problem in problems] == [
        "providersInvolved[0]",
        "recommendations[0].ownerProviderCode",
    ]
    assert "R0A or RM3" in problems[1].detail  # both successors, in words


def test_a_closed_code_the_case_already_carries_is_kept() -> None:
    fields = _fields(providersInvolved=["RC1", "RQ8"])
    assert [problem.field for problem in closed_provider_problems(fields, SHIPPED)] == [
        "providersInvolved[0]",
        "providersInvolved[1]",
    ]
    kept = closed_provider_problems(fields, SHIPPED, already_named=frozenset({"RC1"}))
    assert [problem.field for problem in kept] == ["providersInvolved[1]"]
