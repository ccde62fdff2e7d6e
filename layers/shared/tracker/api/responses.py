"""Response shapes shared by the API functions, and their OpenAPI descriptions."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel

from tracker.error_statuses import PROBLEM_CONTENT_TYPE
from tracker.models.case import Case


def json_response(status: int, model: BaseModel, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=model.model_dump_json(exclude_none=True),
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def case_response(status: int, case: Case, extra_headers: dict[str, str] | None = None) -> Response[str]:
    return json_response(status, case, {"ETag": f'"{case.version}"', **(extra_headers or {})})


def _problem(description: str) -> OpenAPIResponse:
    return {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def ok(description: str, model: type[BaseModel]) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": model}}}


UNAUTHORIZED: dict[int, OpenAPIResponse] = {401: _problem("No valid bearer token.")}
NOT_VISIBLE: dict[int, OpenAPIResponse] = {404: _problem("No such case, or not one the caller may see.")}
NO_CONTACTS: dict[int, OpenAPIResponse] = {
    404: _problem("No such ICB, or not one whose contacts the caller may see.")
}
FORBIDDEN: dict[int, OpenAPIResponse] = {
    403: _problem("The caller may see the case but not do this, or not set this field.")
}
BAD_REQUEST: dict[int, OpenAPIResponse] = {
    400: _problem("Malformed JSON, a bad cursor or an unknown query value.")
}
UNPROCESSABLE: dict[int, OpenAPIResponse] = {
    422: _problem("Well-formed but invalid: `errors` names each field.")
}
PRECONDITIONS: dict[int, OpenAPIResponse] = {
    428: _problem("If-Match is missing."),
    412: _problem("If-Match does not match the case's current version."),
}
UNSUPPORTED_MEDIA_TYPE: dict[int, OpenAPIResponse] = {
    415: _problem("The patch is neither application/merge-patch+json nor application/json.")
}
TOO_LARGE: dict[int, OpenAPIResponse] = {413: _problem("The body is larger than the API accepts.")}
CONFLICT: dict[int, OpenAPIResponse] = {
    409: _problem("A request with this Idempotency-Key is still in progress.")
}
