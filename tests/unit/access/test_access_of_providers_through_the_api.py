"""The provider role through the API: only the cases naming it, never restricted text."""

import json
from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.api import Api

OWN = ("provider", "RXX")  # Surrey and Borders Partnership NHS FT (a public ODS code)
OTHER = ("provider", "R1A")
SECRET = "Synthetic restricted note 7Q"
COMMENT = "Synthetic restricted comment 4K"


def submitted(api: Api, **overrides: Any) -> dict[str, Any]:
    icb = overrides.get("icbCode", "QE1")
    body = synthetic_case(caseInformation=SECRET, comments=COMMENT, **overrides)
    response = api.submit(body, identity=("icb_editor", icb))
    assert response.status == 201, response.body
    return dict(response.body)


def test_a_provider_reads_a_case_naming_it_without_restricted_text(api: Api) -> None:
    case = submitted(api, providersInvolved=["RXX", "R0A"])
    response = api.get(case["caseId"], identity=OWN)
    assert response.status == 200
    assert response.body["providersInvolved"] == ["RXX", "R0A"]
    assert "caseInformation" not in response.body and "comments" not in response.body
    assert SECRET not in json.dumps(response.body) and COMMENT not in json.dumps(response.body)
    assert response.etag == '"1"'
    # The ICB still reads everything.
    assert api.get(case["caseId"]).body["caseInformation"] == SECRET


def test_another_provider_or_a_case_naming_none_is_not_found(api: Api) -> None:
    named = submitted(api, providersInvolved=["RXX"])
    unnamed = submitted(api)
    assert api.get(named["caseId"], identity=OTHER).status == 404
    assert api.get(unnamed["caseId"], identity=OWN).status == 404
    assert api.history(named["caseId"], identity=OTHER).status == 404
    assert api.history(unnamed["caseId"], identity=OWN).status == 404
    assert api.list_cases(identity=OTHER).body["items"] == []


def test_a_providers_list_holds_only_its_cases_newest_first_without_restricted_text(api: Api) -> None:
    first = submitted(api, providersInvolved=["RXX"])
    submitted(api, providersInvolved=["R1A"])
    submitted(api)
    second = submitted(api, providersInvolved=["R0A", "RXX"], icbCode="QOP")
    response = api.list_cases(identity=OWN)
    assert response.status == 200
    listed = [item["caseId"] for item in response.body["items"]]
    assert sorted(listed) == sorted([second["caseId"], first["caseId"]])
    everything = [item["caseId"] for item in api.list_cases(identity=("national", "X24")).body["items"]]
    assert listed == [case_id for case_id in everything if case_id in listed]  # the same order
    assert SECRET not in json.dumps(response.body) and COMMENT not in json.dumps(response.body)
    only_qop = api.list_cases(identity=OWN, icbCode="QOP").body["items"]
    assert [item["caseId"] for item in only_qop] == [second["caseId"]]


def test_a_providers_list_pages_and_filters_over_its_links(api: Api) -> None:
    cases = [submitted(api, providersInvolved=["RXX"]) for _ in range(3)]
    api.patch(cases[0]["caseId"], {"stage": "REPORT_SIGNED_OFF", "reportSignedOffDate": "2026-06-01"}, '"1"')
    first = api.list_cases(identity=OWN, limit="2")
    assert len(first.body["items"]) == 2 and first.body["nextCursor"]
    rest = api.list_cases(identity=OWN, limit="2", cursor=first.body["nextCursor"])
    seen = [item["caseId"] for item in first.body["items"] + rest.body["items"]]
    # The same order as the ICB's own list (the links carry each version's sort key), no repeats.
    assert seen == [item["caseId"] for item in api.list_cases().body["items"]]
    assert sorted(seen) == sorted(case["caseId"] for case in cases)
    assert rest.body["nextCursor"] is None
    filtered = api.list_cases(identity=OWN, stage="REPORT_SIGNED_OFF").body["items"]
    assert [item["caseId"] for item in filtered] == [cases[0]["caseId"]]


def test_one_link_item_per_provider_written_with_the_case_and_removed_with_the_provider(api: Api) -> None:
    case = submitted(api, providersInvolved=["RXX", "R0A"])

    def links() -> set[str]:
        return {
            item["sk"]
            for item in api.table_items()
            if item["pk"] == f"CASE#{case['caseId']}" and item["sk"].startswith("PROVIDER#")
        }

    assert links() == {"PROVIDER#RXX", "PROVIDER#R0A"}
    link = next(item for item in api.table_items() if item.get("sk") == "PROVIDER#RXX")
    assert "caseInformation" not in link and "comments" not in link
    response = api.patch(case["caseId"], {"providersInvolved": ["R0A"]}, '"1"')
    assert response.status == 200, response.body
    assert links() == {"PROVIDER#R0A"}
    # The removed provider loses the case at once: read, history and list.
    assert api.get(case["caseId"], identity=OWN).status == 404
    assert api.history(case["caseId"], identity=OWN).status == 404
    assert api.list_cases(identity=OWN).body["items"] == []
    assert api.get(case["caseId"], identity=("provider", "R0A")).status == 200


def test_history_leaves_restricted_text_out_of_every_version(api: Api) -> None:
    case = submitted(api, providersInvolved=["RXX"])
    api.patch(case["caseId"], {"comments": "Synthetic second restricted comment 9Z"}, '"1"')
    # A stage that needs no date of its own, so the stage is the one field a provider sees change.
    api.patch(case["caseId"], {"caseInformation": None, "stage": "DECISION_PENDING"}, '"2"')
    response = api.history(case["caseId"], identity=OWN)
    assert response.status == 200
    assert [entry["version"] for entry in response.body["items"]] == [1, 2, 3]
    text = json.dumps(response.body)
    for restricted in (SECRET, COMMENT, "Synthetic second restricted comment 9Z"):
        assert restricted not in text
    assert all("comments" not in entry["case"] for entry in response.body["items"])
    # Nor that they changed: version 2 changed only the comments, version 3 the case information too.
    changed = [entry["changedFields"] for entry in response.body["items"]]
    assert changed[1] == []
    assert changed[2] == ["stage"]
    own = [entry["changedFields"] for entry in api.history(case["caseId"]).body["items"]]
    assert own[1] == ["comments"]
    assert sorted(own[2]) == ["caseInformation", "stage"]
    # The ICB's history still holds them.
    assert "Synthetic second restricted comment 9Z" in json.dumps(api.history(case["caseId"]).body)


def test_a_provider_cannot_change_or_submit_cases(api: Api) -> None:
    case = submitted(api, providersInvolved=["RXX"])
    assert api.patch(case["caseId"], {"stage": "PUBLISHED"}, '"1"', identity=OWN).status == 403
    assert api.patch(case["caseId"], {"stage": "PUBLISHED"}, '"1"', identity=OTHER).status == 404
    assert api.submit(synthetic_case(), identity=OWN).status == 403
    assert api.get(case["caseId"]).body["version"] == 1


def test_a_provider_token_for_an_unknown_code_is_refused(api: Api) -> None:
    assert api.list_cases(identity=("provider", "ZZ999")).status == 401  # made up: not a trust
    assert api.list_cases(identity=("provider", "QE1")).status == 401  # an ICB is not a provider


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"providersInvolved": ["RXX", "ZZ999"]}, "providersInvolved[1]"),  # made up: unknown code
        ({"providersInvolved": ["RXX", "RXX"]}, "providersInvolved"),
        ({"providersInvolved": ["rxx"]}, "providersInvolved[0]"),
        ({"providersInvolved": [f"R{n:02d}" for n in range(21)]}, "providersInvolved"),
    ],
)
def test_bad_provider_lists_are_422_naming_the_field_and_create_nothing(
    api: Api, overrides: dict[str, Any], field: str
) -> None:
    response = api.submit(synthetic_case(**overrides))
    assert response.status == 422, response.body
    assert field in [error["field"] for error in response.body["errors"]]
    assert api.list_cases().body["items"] == []


def test_a_recommendations_owner_must_be_a_provider_the_case_names(api: Api) -> None:
    recommendation = {
        "recommendationId": "R1",
        "theme": "NEGLECT",
        "text": "Synthetic recommendation text.",
        "owner": "Synthetic owner",
        "dueDate": "2027-01-10",
        "status": "NOT_STARTED",
        "ownerProviderCode": "R0A",
    }
    refused = api.submit(synthetic_case(providersInvolved=["RXX"], recommendations=[recommendation]))
    assert refused.status == 422
    assert [error["field"] for error in refused.body["errors"]] == ["recommendations[0].ownerProviderCode"]
    accepted = api.submit(synthetic_case(providersInvolved=["RXX", "R0A"], recommendations=[recommendation]))
    assert accepted.status == 201
    assert accepted.body["recommendations"][0]["ownerProviderCode"] == "R0A"
