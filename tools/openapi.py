"""Generates the API's OpenAPI 3.1 document (dev-only: never shipped to Lambda).

Each API function has its own resolver, so no single Lambda sees every route. This merges the
resolvers' schemas (Powertools ``OpenAPIMerge``), adds what the resolvers cannot know (request
bodies, which the handlers read themselves so that 404/403/428/412 come before 422; the problem
schema; the bearer scheme; required headers) and writes ``tracker/api/openapi.json``, which ships
in the layer and is served as it is.

    python -m tools.openapi --write      (``make openapi``)
"""

import argparse
import importlib
import json
from typing import Any

from tracker.api.openapi_document import DOCUMENT_PATH
from tracker.logic.cases import MAX_IDEMPOTENCY_KEY_LENGTH
from tracker.logic.commands import MAX_PAGE_SIZE, NO_OWNING_PROVIDER

API_FUNCTIONS = ("submit_case", "update_case", "query_cases", "icb_contacts")
TITLE = "Safeguarding Case Review Tracker API"
VERSION = "1.0.0"
DESCRIPTION = (
    "NHS England's API for integrated care boards to record safeguarding case reviews and keep them up "
    "to date until publication. JSON with camelCase names; dates `YYYY-MM-DD`; times ISO 8601 UTC. "
    "Errors are RFC 9457 problem details (`application/problem+json`); `type` is a relative URI under "
    "`/problems/`. No patient-identifiable data may be sent: free text holding an NHS number or a full "
    "postcode is refused."
)


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "examples": ["/problems/validation-error"]},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "correlationId": {"type": "string", "description": "On 500 only: quote it to the service desk."},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "in", "detail"],
                    "properties": {
                        "field": {"type": "string", "examples": ["recommendations[0].dueDate"]},
                        "in": {"type": "string", "enum": ["body", "query", "header", "path"]},
                        "pointer": {"type": "string", "examples": ["/recommendations/0/dueDate"]},
                        "detail": {"type": "string"},
                    },
                },
            },
        },
    }


def _query_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """What each query parameter accepts. The handlers read them as plain strings (so a bad value
    is a 400 naming it, after the caller is known); the document states what they accept."""
    from tracker.models.case import ODS_CODE_PATTERN, Timeliness
    from tracker.reference import reference_data

    page_size = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
    icb_codes = sorted(reference_data().icbs)  # former ICBs too: any known code filters
    day = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    states = "|".join(state.value for state in Timeliness)
    return {
        ("/cases", "reviewType"): {"$ref": "#/components/schemas/ReviewType"},
        ("/cases", "status"): {"$ref": "#/components/schemas/CaseStatus"},
        ("/cases", "stage"): {"$ref": "#/components/schemas/Stage"},
        ("/cases", "icbCode"): {"type": "string", "enum": icb_codes},
        ("/cases", "overdue"): {"type": "string", "enum": ["true", "false"]},
        ("/cases", "updatedSince"): {
            "anyOf": [
                {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                {
                    "type": "string",
                    "format": "date-time",
                    "pattern": (
                        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
                        r"(Z|[+-][0-9]{2}:[0-9]{2})$"
                    ),
                },
            ]
        },
        ("/cases", "decidedFrom"): day,
        ("/cases", "decidedTo"): day,
        ("/cases", "timeliness"): {"type": "string", "pattern": f"^({states})(,({states}))*$"},
        ("/cases", "theme"): {"$ref": "#/components/schemas/Theme"},
        ("/cases", "learningMethod"): {"$ref": "#/components/schemas/DisseminationMethod"},
        ("/cases", "learnedFrom"): day,
        ("/cases", "learnedTo"): day,
        ("/cases", "recommendationStatus"): {"$ref": "#/components/schemas/RecommendationStatus"},
        ("/cases", "recommendationTheme"): {"$ref": "#/components/schemas/Theme"},
        # Any ODS code (a trust dropped from the reference data keeps its code on its cases), or NONE.
        ("/cases", "recommendationOwner"): {"type": "string", "pattern": ODS_CODE_PATTERN},
        ("/cases", "recommendationOverdue"): {"type": "string", "enum": ["true", "false"]},
        ("/cases", "limit"): page_size,
        ("/cases", "cursor"): {"type": "string", "minLength": 1},
        ("/cases/{caseId}/history", "limit"): page_size,
        ("/cases/{caseId}/history", "cursor"): {"type": "string", "minLength": 1},
        ("/icbs/{icbCode}/contacts/history", "limit"): page_size,
        ("/icbs/{icbCode}/contacts/history", "cursor"): {"type": "string", "minLength": 1},
        ("/regions/{regionCode}/contacts/history", "limit"): page_size,
        ("/regions/{regionCode}/contacts/history", "cursor"): {"type": "string", "minLength": 1},
        ("/cases/{caseId}/access", "limit"): page_size,
        ("/cases/{caseId}/access", "cursor"): {"type": "string", "minLength": 1},
    }


QUERY_DESCRIPTIONS = {
    ("/cases", "decidedFrom"): "Cases whose decision to review (`dateAdded`) is on or after this date.",
    ("/cases", "decidedTo"): "Cases whose decision to review (`dateAdded`) is on or before this date.",
    ("/cases", "timeliness"): (
        "Cases whose review's deadline stands, today, in any of these states (comma-separated), as "
        "`deadlines.timeliness` says."
    ),
    ("/cases", "theme"): "Cases naming this theme among their themes.",
    ("/cases", "learningMethod"): "Cases with a learning event shared this way (and in the dates given).",
    ("/cases", "learnedFrom"): "Cases with a learning event on or after this date (of the method given).",
    ("/cases", "learnedTo"): "Cases with a learning event on or before this date (of the method given).",
    ("/cases", "recommendationStatus"): (
        "Cases with a recommendation of this status; every recommendation filter holds on the same one."
    ),
    ("/cases", "recommendationTheme"): "Cases with a recommendation on this theme.",
    ("/cases", "recommendationOwner"): (
        f"Cases with a recommendation owned by this NHS provider (ODS code), or `{NO_OWNING_PROVIDER}`: "
        "naming none. Narrows the caller's cases; never shows others."
    ),
    ("/cases", "recommendationOverdue"): (
        "Cases with a recommendation overdue today (`true`: past its due date and not complete) or not."
    ),
}
"""What the list's filters behind the overview's figures mean (the handler's signature names the
older ones; these are added here from ``tracker.api.requests``' reading of them)."""


def _type_query_parameters(paths: dict[str, Any]) -> None:
    for (path, name), schema in _query_schemas().items():
        parameters = paths[path]["get"].setdefault("parameters", [])
        found = [p for p in parameters if p["in"] == "query" and p["name"] == name]
        if not found:
            found = [{"in": "query", "name": name, "required": False}]
            parameters.append(found[0])
        for parameter in found:
            parameter["schema"] = schema
            if (path, name) in QUERY_DESCRIPTIONS:
                parameter["description"] = QUERY_DESCRIPTIONS[(path, name)]


def build_document() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    from infra.routes import ROUTES
    from tracker.api.schemas import CaseList, ContactsHistory, Health, History
    from tracker.models.case import CaseFields
    from tracker.models.contacts import ContactsDocument

    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        security_schemes={"bearer": HTTPBearer(bearerFormat="JWT")},
        security=[{"bearer": []}],
        on_conflict="error",
    )
    for name in API_FUNCTIONS:
        app = importlib.import_module(f"functions.{name}.handler").app
        merge.add_schema(app.get_openapi_schema(title=TITLE, version=VERSION))
    document: dict[str, Any] = json.loads(merge.get_openapi_json_schema())

    components = document.setdefault("components", {}).setdefault("schemas", {})
    fields_schema = CaseFields.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
    for name, definition in fields_schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components["CaseFields"] = fields_schema
    components["Problem"] = _problem_schema()
    required_fields = set(fields_schema.get("required", []))
    merge_patch_schema = {
        "description": "Any subset of the case fields; null removes an optional field (RFC 7396).",
        "type": "object",
        "properties": {
            # A required field can be changed but not removed; an optional one may be null.
            name: definition if name in required_fields else {"anyOf": [definition, {"type": "null"}]}
            for name, definition in fields_schema["properties"].items()
        },
        "additionalProperties": False,
    }
    paths = document["paths"]
    # Powertools documents its own 422 body on every route; ours are problem+json, listed per route.
    for item in paths.values():
        for operation in item.values():
            responses = operation.get("responses", {})
            if "HTTPValidationError" in json.dumps(responses.get("422", {})):
                del responses["422"]
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        components.pop(unused, None)
    paths["/cases"]["post"]["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CaseFields"}}},
    }
    paths["/cases/{caseId}"]["patch"]["requestBody"] = {
        "required": True,
        "content": {
            "application/merge-patch+json": {"schema": merge_patch_schema},
            "application/json": {"schema": merge_patch_schema},
        },
    }
    # The page envelopes always name nextCursor (a wrap serializer adds it), which hides their
    # fields from the serialization schema: describe them by their fields instead.
    contacts_schema = ContactsDocument.model_json_schema(by_alias=True)
    components["ContactsDocument"] = contacts_schema
    for contacts_path in ("/icbs/{icbCode}/contacts", "/regions/{regionCode}/contacts"):
        paths[contacts_path]["put"]["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ContactsDocument"}}},
        }
    for name, model in (("CaseList", CaseList), ("History", History), ("ContactsHistory", ContactsHistory)):
        envelope = model.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
        for inner_name, definition in envelope.pop("$defs", {}).items():
            components.setdefault(inner_name, definition)
        envelope["required"] = sorted({*envelope.get("required", []), "nextCursor"})
        components[name] = envelope
    _type_query_parameters(paths)
    # An ICB code in a path has an ODS code's shape (the route table's pattern; others are no route).
    for path, item in paths.items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] == "icbCode" and path.startswith("/icbs/"):
                    parameter["schema"] = {
                        "type": "string",
                        "pattern": "^[A-Z0-9]{3,5}$",
                        "examples": ["QE1"],
                    }
    for parameter in paths["/cases"]["post"].get("parameters", []):
        if parameter["name"].lower() == "idempotency-key":
            parameter["schema"] = {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY_LENGTH}
    for parameter in [
        *paths["/cases/{caseId}"]["patch"].get("parameters", []),
        *paths["/icbs/{icbCode}/contacts"]["put"].get("parameters", []),
    ]:
        if parameter["name"].lower() == "if-match":
            # Read by the handler itself so that 404 and 403 win over 428, but always needed.
            parameter["required"] = True
    # /health is answered by API Gateway itself (a mock integration): described here, from the
    # route table's body, since no resolver serves it.
    health_route = next(route for route in ROUTES if route.path == "/health")
    components.setdefault("Health", Health.model_json_schema(by_alias=True))
    paths["/health"] = {
        "get": {
            "summary": "Liveness (answered by the gateway, no function runs)",
            "tags": ["Service"],
            "operationId": "health_get",
            "security": [],
            "responses": {
                "200": {
                    "description": "The service is up.",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Health"},
                            "example": json.loads(health_route.mock_response or "{}"),
                        }
                    },
                }
            },
        }
    }
    return document


def render_document() -> str:
    return json.dumps(build_document(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write the document into the layer")
    arguments = parser.parse_args()
    document = render_document()
    if arguments.write:
        DOCUMENT_PATH.write_text(document, encoding="utf-8")
        print(f"wrote {DOCUMENT_PATH}")
    else:
        print(document, end="")


if __name__ == "__main__":
    main()
