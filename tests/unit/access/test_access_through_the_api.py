"""Each role against its own, a foreign, a predecessor's and another region's case."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.api import Api
from tracker import clock

EDITOR_QE1 = ("icb_editor", "QE1")  # North West (Y62)
EDITOR_QOP = ("icb_editor", "QOP")  # North West (Y62), a neighbour
EDITOR_QKK = ("icb_editor", "QKK")  # London (Y56)
EDITOR_S1Y5D = ("icb_editor", "S1Y5D")  # East of England: succeeded QHG, QUE and part of QM7
EDITOR_D7T5G = ("icb_editor", "D7T5G")  # East of England: succeeded QH8 and parts of QM7 and QJG
VIEWER_QE1 = ("icb_viewer", "QE1")
VIEWER_S1Y5D = ("icb_viewer", "S1Y5D")
REGIONAL_Y62 = ("regional", "Y62")
REGIONAL_Y61 = ("regional", "Y61")
REGIONAL_Y56 = ("regional", "Y56")
NATIONAL = ("national", "X24")


@pytest.fixture
def cases(api: Api, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """Cases of QE1, QOP, QKK, and of QM7 recorded before it split on 1 April 2026."""
    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2026, 3, 20, 12, 0, tzinfo=UTC))
    predecessor = api.submit(
        synthetic_case(icbCode="QM7", reviewType="DHR", incidentDate="2025-12-01", dateAdded="2026-01-05"),
        identity=("icb_editor", "QM7"),
    )
    assert predecessor.status == 201, predecessor.body
    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    made = {"QM7": predecessor.body}
    for identity, overrides in (
        (EDITOR_QE1, {"reviewType": "DHR"}),
        (EDITOR_QOP, {"icbCode": "QOP"}),
        (EDITOR_QKK, {"icbCode": "QKK"}),
    ):
        response = api.submit(synthetic_case(**overrides), identity=identity)
        assert response.status == 201, response.body
        made[identity[1]] = response.body
    return made


READ_MATRIX = [
    (EDITOR_QE1, {"QE1"}),
    (EDITOR_QOP, {"QOP"}),
    (EDITOR_S1Y5D, {"QM7"}),
    (EDITOR_D7T5G, {"QM7"}),  # a split predecessor's cases go to each successor
    (VIEWER_QE1, {"QE1"}),
    (VIEWER_S1Y5D, {"QM7"}),
    (REGIONAL_Y62, {"QE1", "QOP"}),
    (REGIONAL_Y61, {"QM7"}),
    (REGIONAL_Y56, {"QKK"}),
    (NATIONAL, {"QE1", "QOP", "QKK", "QM7"}),
]


@pytest.mark.parametrize(("identity", "visible"), READ_MATRIX)
def test_read_scope(
    api: Api, cases: dict[str, dict[str, Any]], identity: tuple[str, str], visible: set[str]
) -> None:
    for icb, case in cases.items():
        response = api.get(case["caseId"], identity=identity)
        expected = 200 if icb in visible else 404
        assert response.status == expected, (identity, icb)
        assert (api.history(case["caseId"], identity=identity).status == 200) == (icb in visible)


@pytest.mark.parametrize(("identity", "visible"), READ_MATRIX)
def test_list_scope(
    api: Api, cases: dict[str, dict[str, Any]], identity: tuple[str, str], visible: set[str]
) -> None:
    response = api.list_cases(identity=identity)
    assert response.status == 200
    assert {item["icbCode"] for item in response.body["items"]} == visible


def test_editor_edits_own_and_predecessor_cases_only(api: Api, cases: dict[str, dict[str, Any]]) -> None:
    assert (
        api.patch(cases["QE1"]["caseId"], {"localReference": "A"}, '"1"', identity=EDITOR_QE1).status == 200
    )
    assert (
        api.patch(cases["QM7"]["caseId"], {"localReference": "B"}, '"1"', identity=EDITOR_S1Y5D).status == 200
    )
    assert (
        api.patch(cases["QOP"]["caseId"], {"localReference": "C"}, '"1"', identity=EDITOR_QE1).status == 404
    )
    assert (
        api.patch(cases["QKK"]["caseId"], {"localReference": "D"}, '"1"', identity=EDITOR_QE1).status == 404
    )


@pytest.mark.parametrize("identity", [VIEWER_QE1, NATIONAL])
def test_viewer_and_national_cannot_edit_or_submit(
    api: Api, cases: dict[str, dict[str, Any]], identity: tuple[str, str]
) -> None:
    response = api.patch(cases["QE1"]["caseId"], {"localReference": "X"}, '"1"', identity=identity)
    assert response.status == 403
    assert api.submit(synthetic_case(icbCode=identity[1]), identity=identity).status == 403
    assert api.get(cases["QE1"]["caseId"]).body["version"] == 1


def test_regional_sets_only_the_dhr_acceptance_field_in_its_region(
    api: Api, cases: dict[str, dict[str, Any]]
) -> None:
    field = "regionalChiefNurseContentToAcceptDhrHealthRecs"
    qe1 = cases["QE1"]["caseId"]
    denied = api.patch(qe1, {"localReference": "X"}, '"1"', identity=REGIONAL_Y62)
    assert denied.status == 403
    assert denied.body["errors"][0]["field"] == "localReference"
    assert api.patch(qe1, {field: "YES"}, '"1"', identity=REGIONAL_Y56).status == 404
    accepted = api.patch(qe1, {field: "YES"}, '"1"', identity=REGIONAL_Y62)
    assert accepted.status == 200, accepted.body
    assert accepted.body[field] == "YES"
    assert api.submit(synthetic_case(), identity=REGIONAL_Y62).status == 403


def test_icb_editor_cannot_set_the_regional_field(api: Api, cases: dict[str, dict[str, Any]]) -> None:
    response = api.patch(
        cases["QE1"]["caseId"],
        {"regionalChiefNurseContentToAcceptDhrHealthRecs": "YES"},
        '"1"',
        identity=EDITOR_QE1,
    )
    assert response.status == 403
    assert response.body["errors"][0]["field"] == "regionalChiefNurseContentToAcceptDhrHealthRecs"


def test_editor_cannot_move_a_case_out_of_its_scope(api: Api, cases: dict[str, dict[str, Any]]) -> None:
    response = api.patch(cases["QE1"]["caseId"], {"icbCode": "QOP"}, '"1"', identity=EDITOR_QE1)
    assert response.status == 403
    assert api.get(cases["QE1"]["caseId"]).body["icbCode"] == "QE1"


def test_successor_can_move_a_predecessor_case_to_itself(api: Api, cases: dict[str, dict[str, Any]]) -> None:
    response = api.patch(cases["QM7"]["caseId"], {"icbCode": "S1Y5D"}, '"1"', identity=EDITOR_S1Y5D)
    assert response.status == 200, response.body
    assert response.body["regionCode"] == "Y61"
    # Now an S1Y5D case: D7T5G (the other successor of QM7) no longer sees it.
    assert api.get(cases["QM7"]["caseId"], identity=EDITOR_D7T5G).status == 404


def test_list_icb_filter_outside_scope_is_empty(api: Api, cases: dict[str, dict[str, Any]]) -> None:
    response = api.list_cases(identity=EDITOR_QE1, icbCode="QOP")
    assert response.status == 200
    assert response.body["items"] == []
    regional = api.list_cases(identity=REGIONAL_Y62, icbCode="QKK")
    assert regional.body["items"] == []
    national = api.list_cases(identity=NATIONAL, icbCode="QKK")
    assert [item["icbCode"] for item in national.body["items"]] == ["QKK"]
