"""GET /cases/{caseId}/access reads the access log of the audited case service, the only case
service the API is given (composition builds none without the audit): no fallback answers "no such
case" for a service without an access log, which would hide a wiring fault behind a false 404."""

import pytest

from tests.conftest import synthetic_case
from tests.support.api import Api
from tracker import composition

EDITOR = ("icb_editor", "QE1")
VIEWER = ("icb_viewer", "QE1")


def _submitted(api: Api) -> str:
    response = api.submit(synthetic_case(), identity=EDITOR)
    assert response.status == 201, response.body
    return str(response.body["caseId"])


def test_the_access_log_is_the_audited_services(api: Api) -> None:
    case_id = _submitted(api)
    assert api.get(case_id, identity=VIEWER).status == 200
    response = api.get_path(f"/cases/{case_id}/access", identity=EDITOR)
    assert response.status == 200, response.body
    assert [(item["role"], item["org"]) for item in response.body["items"]] == [("icb_viewer", "QE1")]


def test_a_case_service_without_an_access_log_is_a_fault_not_a_missing_case(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = _submitted(api)
    # Never built so (composition audits every case service it builds): were it, the route must fail
    # loudly, not tell the ICB's editor that the case does not exist.
    monkeypatch.setattr(composition, "api_case_service", composition.case_service)
    response = api.get_path(f"/cases/{case_id}/access", identity=EDITOR)
    assert response.status == 500
    assert response.headers["Content-Type"] == "application/problem+json"
