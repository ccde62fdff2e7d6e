"""The committed OpenAPI document is the one the code generates (run `make openapi` to refresh)."""

import json

from tools.openapi import render_document
from tracker.api.openapi_document import DOCUMENT_PATH


def test_committed_document_is_current() -> None:
    assert DOCUMENT_PATH.read_text(encoding="utf-8") == render_document(), "stale: run `make openapi`"


def test_document_covers_every_route_of_the_route_table() -> None:
    from infra.routes import ROUTES, WEB_APP

    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    # The web app's pages are HTML for people, not part of the JSON API the document describes.
    served_by_api = {
        (route.method, route.path)
        for route in ROUTES
        if route.path not in ("/openapi.json", "/docs") and route.function != WEB_APP
    }
    assert documented == served_by_api
    assert not any(path.startswith("/app") for path in document["paths"])


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


def test_if_match_is_declared_required_on_patch() -> None:
    """The handler reads it itself (so 404 and 403 come first), but callers must send it."""
    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    parameters = document["paths"]["/cases/{caseId}"]["patch"]["parameters"]
    (if_match,) = [parameter for parameter in parameters if parameter["name"].lower() == "if-match"]
    assert if_match["in"] == "header" and if_match["required"] is True


def test_history_is_paged_like_lists() -> None:
    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    history = document["paths"]["/cases/{caseId}/history"]["get"]
    assert {parameter["name"] for parameter in history["parameters"]} >= {"limit", "cursor"}
    for envelope in ("History", "CaseList"):
        schema = document["components"]["schemas"][envelope]
        assert {"items", "nextCursor"} <= set(schema["properties"]) and "nextCursor" in schema["required"]
