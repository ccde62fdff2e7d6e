"""The committed OpenAPI document is the one the code generates (run `make openapi` to refresh)."""

import json

from tracker.api.openapi_document import DOCUMENT_PATH, render_document


def test_committed_document_is_current() -> None:
    assert DOCUMENT_PATH.read_text(encoding="utf-8") == render_document(), "stale: run `make openapi`"


def test_document_covers_every_route_of_the_route_table() -> None:
    from infra.routes import ROUTES

    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    served_by_api = {
        (route.method, route.path) for route in ROUTES if route.path not in ("/openapi.json", "/docs")
    }
    assert documented == served_by_api


def test_request_bodies_and_problems_are_described() -> None:
    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    post = document["paths"]["/cases"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CaseFields"
    }
    patch = document["paths"]["/cases/{caseId}"]["patch"]
    assert set(patch["requestBody"]["content"]) == {"application/merge-patch+json", "application/json"}
    assert set(patch["responses"]) >= {"200", "401", "403", "404", "412", "422", "428"}
    assert "errors" in document["components"]["schemas"]["Problem"]["properties"]
