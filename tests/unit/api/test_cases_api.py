"""Every route and status code of the contract, through the real handlers over moto."""

import io
import json
import logging
from typing import Any

import pytest

from tests.conftest import synthetic_case
from tests.support.api import Api


def submitted(api: Api, **overrides: Any) -> dict[str, Any]:
    response = api.submit(synthetic_case(**overrides))
    assert response.status == 201, response.body
    return dict(response.body)


def test_submit_returns_201_location_etag_and_server_fields(api: Api) -> None:
    response = api.submit(synthetic_case())
    assert response.status == 201
    case = response.body
    assert response.headers["Location"] == f"/cases/{case['caseId']}"
    assert response.etag == '"1"'
    assert case["version"] == 1
    assert case["regionCode"] == "Y62"
    assert case["reference"] == "QE1-2026-0001"
    assert case["createdBy"] == case["updatedBy"] == "icb_editor:QE1:user-QE1"
    assert case["createdAt"].endswith("Z")
    assert case["deadlines"]["publicationDue"] == "2026-08-02"
    assert case["deadlines"]["overdue"] is True


def test_references_are_sequential_per_icb(api: Api) -> None:
    first, second = submitted(api), submitted(api)
    other = api.submit(synthetic_case(icbCode="QOP"), identity=("icb_editor", "QOP")).body
    assert [first["reference"], second["reference"], other["reference"]] == [
        "QE1-2026-0001",
        "QE1-2026-0002",
        "QOP-2026-0001",
    ]


def test_get_returns_the_case_with_etag(api: Api) -> None:
    case = submitted(api)
    response = api.get(case["caseId"])
    assert response.status == 200
    assert response.etag == '"1"'
    assert response.body == case


def test_unknown_case_is_404_problem(api: Api) -> None:
    response = api.get("00000000-0000-4000-8000-000000000000")
    assert response.status == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.body["type"] == "/problems/not-found"
    assert response.body["status"] == 404


@pytest.mark.parametrize("route", ["submit", "get", "list", "history", "reference"])
def test_no_identity_is_401(api: Api, route: str) -> None:
    calls = {
        "submit": lambda: api.submit(synthetic_case(), identity=None),
        "get": lambda: api.get("any", identity=None),
        "list": lambda: api.list_cases(identity=None),
        "history": lambda: api.history("any", identity=None),
        "reference": lambda: api.get_path("/reference/icbs", identity=None),
    }
    response = calls[route]()
    assert response.status == 401
    assert response.body["title"] == "Unauthorized"


def test_identity_with_unknown_org_is_401(api: Api) -> None:
    assert api.submit(synthetic_case(), identity=("icb_editor", "NOPE")).status == 401
    assert api.list_cases(identity=("regional", "QE1")).status == 401
    assert api.list_cases(identity=("superuser", "X24")).status == 401


def test_patch_with_if_match_updates_and_bumps_version(api: Api) -> None:
    case = submitted(api)
    response = api.patch(
        case["caseId"], {"stage": "REPORT_SIGNED_OFF", "reportSignedOffDate": "2026-11-20"}, '"1"'
    )
    assert response.status == 200, response.body
    assert response.etag == '"2"'
    assert response.body["stage"] == "REPORT_SIGNED_OFF"
    assert response.body["createdAt"] == case["createdAt"]
    assert response.body["reference"] == case["reference"]


def test_patch_null_removes_an_optional_field(api: Api) -> None:
    case = submitted(api)
    response = api.patch(case["caseId"], {"caseInformation": None}, '"1"')
    assert response.status == 200
    assert "caseInformation" not in response.body


def test_patch_accepts_application_json(api: Api) -> None:
    case = submitted(api)
    response = api.patch(case["caseId"], {"localReference": "LR-7"}, '"1"', content_type="application/json")
    assert response.status == 200
    assert response.body["localReference"] == "LR-7"


def test_patch_without_if_match_is_428_and_changes_nothing(api: Api) -> None:
    case = submitted(api)
    response = api.patch(case["caseId"], {"stage": "PUBLISHED"}, None)
    assert response.status == 428
    assert response.body["errors"][0]["field"] == "If-Match"
    assert api.get(case["caseId"]).body == case


def test_stale_if_match_is_412_and_changes_nothing(api: Api) -> None:
    case = submitted(api)
    assert api.patch(case["caseId"], {"localReference": "A"}, '"1"').status == 200
    response = api.patch(case["caseId"], {"localReference": "B"}, '"1"')
    assert response.status == 412
    assert api.get(case["caseId"]).body["localReference"] == "A"


def test_malformed_json_patch_is_400(api: Api) -> None:
    case = submitted(api)
    response = api.patch(case["caseId"], None, '"1"', raw_body="{not json")
    assert response.status == 400
    assert response.body["type"] == "/problems/bad-request"


def test_malformed_json_submit_is_400_not_5xx(api: Api) -> None:
    response = api.submit(None, raw_body='{"icbCode": ')
    assert response.status == 400
    assert api.table_items() == []


def test_invalid_patch_is_422_naming_the_field_and_changes_nothing(api: Api) -> None:
    case = submitted(api)
    response = api.patch(case["caseId"], {"themes": [], "reportUrl": "ftp://example.org/r"}, '"1"')
    assert response.status == 422
    assert [error["field"] for error in response.body["errors"]] == ["themes", "reportUrl"]
    assert api.get(case["caseId"]).body == case


@pytest.mark.parametrize("field", ["caseId", "version", "regionCode", "createdAt", "updatedBy", "reference"])
def test_server_owned_fields_cannot_be_patched(api: Api, field: str) -> None:
    case = submitted(api)
    response = api.patch(case["caseId"], {field: "Y56"}, '"1"')
    assert response.status == 422
    assert response.body["errors"][0]["field"] == field


def test_patch_array_body_is_422(api: Api) -> None:
    case = submitted(api)
    assert api.patch(case["caseId"], ["stage"], '"1"').status == 422


def test_precedence_404_before_403_before_428_before_412_before_400_before_422(api: Api) -> None:
    case = submitted(api)
    case_id = case["caseId"]
    foreign = ("icb_editor", "QOP")
    viewer = ("icb_viewer", "QE1")
    # Not visible: 404 whatever else is wrong.
    assert api.patch(case_id, None, None, identity=foreign, raw_body="{bad").status == 404
    # Visible but not allowed: 403 before the missing If-Match and the malformed body.
    assert api.patch(case_id, None, None, identity=viewer, raw_body="{bad").status == 403
    # Allowed: 428 before the malformed body.
    assert api.patch(case_id, None, None, raw_body="{bad").status == 428
    # 412 before the malformed body.
    assert api.patch(case_id, None, '"7"', raw_body="{bad").status == 412
    # 400 before an invalid value.
    assert api.patch(case_id, None, '"1"', raw_body="{bad").status == 400
    assert api.patch(case_id, {"status": "NOPE"}, '"1"').status == 422


def test_submit_for_another_icb_is_403_even_with_an_invalid_body(api: Api) -> None:
    response = api.submit({"icbCode": "QOP", "themes": []})
    assert response.status == 403
    assert response.body["errors"][0]["field"] == "icbCode"
    assert api.table_items() == []


def test_submit_invalid_is_422_and_writes_nothing(api: Api) -> None:
    response = api.submit(synthetic_case(themes=[], reportUrl="http://insecure.example"))
    assert response.status == 422
    assert {error["field"] for error in response.body["errors"]} == {"themes", "reportUrl"}
    assert all(error["in"] == "body" for error in response.body["errors"])
    assert api.table_items() == []


def test_identity_of_an_abolished_icb_is_401(api: Api) -> None:
    # QM7 split on 1 April 2026: its staff now act for a successor, under the successor's code.
    assert api.submit(synthetic_case(icbCode="QM7"), identity=("icb_editor", "QM7")).status == 401
    assert api.list_cases(identity=("icb_viewer", "QM7")).status == 401


def test_submit_setting_the_regional_only_field_is_403(api: Api) -> None:
    body = synthetic_case(reviewType="DHR", regionalChiefNurseContentToAcceptDhrHealthRecs="YES")
    response = api.submit(body)
    assert response.status == 403
    assert response.body["errors"][0]["field"] == "regionalChiefNurseContentToAcceptDhrHealthRecs"
    assert api.table_items() == []


@pytest.mark.parametrize("identity", [("icb_viewer", "QE1"), ("regional", "Y62"), ("national", "X24")])
def test_submit_by_a_role_that_cannot_submit_is_403_before_400(api: Api, identity: tuple[str, str]) -> None:
    assert api.submit(None, identity=identity, raw_body="{bad").status == 403


@pytest.mark.parametrize("raw_body", ["[" * 100_000, '{"a":' * 5_000 + "1" + "}" * 5_000])
def test_absurdly_nested_json_is_400_not_500(api: Api, raw_body: str) -> None:
    assert api.submit(None, raw_body=raw_body).status == 400
    assert api.submit(None, raw_body=raw_body, headers={"Idempotency-Key": "deep"}).status == 400
    case = submitted(api)
    assert api.patch(case["caseId"], None, '"1"', raw_body=raw_body).status == 400


@pytest.mark.parametrize(
    ("if_match", "status"),
    [("*", 200), ('"0", "1"', 200), ('W/"1"', 412), ('"2"', 412), ("1", 412)],
)
def test_if_match_forms(api: Api, if_match: str, status: int) -> None:
    case = submitted(api)
    assert api.patch(case["caseId"], {"localReference": "X"}, if_match).status == status


def test_no_change_patch_keeps_the_version(api: Api) -> None:
    case = submitted(api)
    response = api.patch(case["caseId"], {"stage": case["stage"]}, '"1"')
    assert response.status == 200
    assert response.etag == '"1"'
    assert len(api.history(case["caseId"]).body["items"]) == 1


def test_history_lists_every_version_oldest_first(api: Api) -> None:
    case = submitted(api)
    api.patch(case["caseId"], {"localReference": "LR-1"}, '"1"')
    api.patch(case["caseId"], {"stage": "REPORT_SIGNED_OFF", "reportSignedOffDate": "2026-11-01"}, '"2"')
    response = api.history(case["caseId"])
    assert response.status == 200
    items = response.body["items"]
    assert [item["version"] for item in items] == [1, 2, 3]
    assert items[1]["changedFields"] == ["localReference"]
    assert items[2]["changedFields"] == ["reportSignedOffDate", "stage"]
    assert items[2]["changedBy"] == "icb_editor:QE1:user-QE1"
    assert items[0]["case"]["version"] == 1 and "localReference" not in items[0]["case"]
    assert items[2]["case"] == api.get(case["caseId"]).body


def test_history_of_invisible_case_is_404(api: Api) -> None:
    case = submitted(api)
    assert api.history(case["caseId"], identity=("icb_editor", "QOP")).status == 404


def test_reference_icbs_lists_current_and_former_with_successors(api: Api) -> None:
    response = api.get_path("/reference/icbs")
    assert response.status == 200
    by_code = {item["icbCode"]: item for item in response.body["items"]}
    assert len([item for item in by_code.values() if item["current"]]) == 36
    assert by_code["QM7"]["current"] is False
    assert by_code["QM7"]["successorIcbCodes"] == ["D7T5G", "S1Y5D"]
    assert by_code["S1Y5D"]["regionCode"] == "Y61"


def test_health_needs_no_identity_and_answers_as_documented(api: Api) -> None:
    from tracker.api.schemas import Health

    response = api.get_path("/health", identity=None)
    assert response.status == 200
    assert Health.model_validate(response.body) == Health(status="ok")


def test_openapi_and_docs_are_served(api: Api) -> None:
    document = api.get_path("/openapi.json", identity=None)
    assert document.status == 200
    assert {"/cases", "/cases/{caseId}", "/cases/{caseId}/history", "/reference/icbs"} <= set(
        document.body["paths"]
    )
    docs = api.get_path("/docs", identity=None)
    assert docs.status == 200
    assert "SwaggerUIBundle" in docs.body


def test_unknown_route_is_404_problem(api: Api) -> None:
    response = api.get_path("/nothing-here")
    assert response.status == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def test_internal_error_is_500_without_internals(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.api.resolver import logger
    from tracker.dal.cases import DynamoCaseStore

    def explode(*_: Any, **__: Any) -> None:
        raise RuntimeError("secret-internal-detail canary-text")

    monkeypatch.setattr(DynamoCaseStore, "create", explode)
    stream = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(stream)
    try:
        response = api.submit(synthetic_case(comments="canary-restricted"))
    finally:
        handler.setStream(previous)
    assert response.status == 500
    body = json.dumps(response.body)
    assert "secret-internal-detail" not in body and "Traceback" not in body
    assert response.body["correlationId"]
    logs = stream.getvalue()
    assert response.body["correlationId"] in logs
    assert "canary" not in logs


def test_patch_with_another_media_type_is_415(api: Api) -> None:
    case = submitted(api)
    response = api.patch(case["caseId"], {"localReference": "X"}, '"1"', content_type="text/plain")
    assert response.status == 415
    assert response.body["errors"][0]["field"] == "Content-Type"
    charset = api.patch(
        case["caseId"], {"localReference": "X"}, '"1"', content_type="application/json; charset=utf-8"
    )
    assert charset.status == 200


@pytest.mark.parametrize("case_id", ["not-a-uuid", "x" * 3000, "00000000-0000-4000-8000-00000000000G"])
def test_malformed_case_ids_are_404(api: Api, case_id: str) -> None:
    assert api.get(case_id).status == 404
    assert api.patch(case_id, {"localReference": "X"}, '"1"').status == 404


def test_an_empty_submit_body_is_400_like_an_empty_patch(api: Api) -> None:
    assert api.submit(None, raw_body="").status == 400
    case = api.submit(synthetic_case()).body
    assert api.patch(case["caseId"], None, '"1"', raw_body="").status == 400
    assert len(api.table_items()) == 3  # the case, its first version and its reference counter
