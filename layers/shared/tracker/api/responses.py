"""Response shapes shared by the API functions, and their OpenAPI descriptions."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel

from tracker import errors
from tracker.error_statuses import ERROR_KINDS, PROBLEM_CONTENT_TYPE
from tracker.errors import DomainError
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


def _refusal(error_type: type[DomainError], description: str) -> dict[int, OpenAPIResponse]:
    """A refusal's OpenAPI response, under the status the one error table gives its kind."""
    return {ERROR_KINDS[error_type].status: _problem(description)}


UNAUTHORIZED = _refusal(errors.Unauthenticated, "No valid bearer token.")
NOT_VISIBLE = _refusal(errors.NotVisible, "No such case, or not one the caller may see.")
NO_CONTACTS = _refusal(errors.NotVisible, "No such ICB, or not one whose contacts the caller may see.")
FORBIDDEN = _refusal(errors.NotAllowed, "The caller may see the case but not do this, or not set this field.")
BAD_REQUEST = _refusal(errors.UnreadableInput, "Malformed JSON, a bad cursor or an unknown query value.")
UNPROCESSABLE = _refusal(errors.InvalidInput, "Well-formed but invalid: `errors` names each field.")
PRECONDITIONS = {
    **_refusal(errors.PreconditionMissing, "If-Match is missing."),
    **_refusal(errors.VersionMismatch, "If-Match does not match the case's current version."),
}
UNSUPPORTED_MEDIA_TYPE = _refusal(
    errors.UnsupportedFormat, "The patch is neither application/merge-patch+json nor application/json."
)
TOO_LARGE = _refusal(errors.TooLarge, "The body is larger than the API accepts.")
CONFLICT = _refusal(errors.InProgress, "A request with this Idempotency-Key is still in progress.")
