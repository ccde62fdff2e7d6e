"""Turning client JSON into a valid ``CaseFields``, or a 422 naming every bad field."""

from typing import Any

from pydantic import ValidationError

from tracker.errors import FieldError, Unprocessable
from tracker.models.case import SERVER_OWNED_FIELDS, CaseFields, case_rule_problems

_VALUE_ERROR_PREFIX = "Value error, "


def field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def field_errors_from_pydantic(error: ValidationError, location: str = "body") -> list[FieldError]:
    """Field errors without the rejected input: it may be restricted text or an identifier."""
    found = []
    for item in error.errors(include_input=False, include_url=False, include_context=False):
        message = item["msg"].removeprefix(_VALUE_ERROR_PREFIX)
        if item["type"] == "extra_forbidden":
            message = "is not a field of the case record"
        found.append(FieldError(field_path(tuple(item["loc"])), message, location))
    return found


def reject_server_owned(body: dict[str, Any]) -> None:
    owned = sorted(SERVER_OWNED_FIELDS & body.keys())
    if owned:
        raise Unprocessable(
            "Server-owned fields cannot be set by a client.",
            [FieldError(name, "is owned by the server and cannot be set") for name in owned],
        )


def validate_case_fields(body: Any) -> CaseFields:
    if not isinstance(body, dict):
        raise Unprocessable("The body must be a JSON object.", [FieldError("", "must be a JSON object")])
    reject_server_owned(body)
    try:
        fields = CaseFields.model_validate(body)
    except ValidationError as error:
        raise Unprocessable("The case record is not valid.", field_errors_from_pydantic(error)) from None
    problems = case_rule_problems(fields)
    if problems:
        raise Unprocessable(
            "The case record breaks a rule.", [FieldError(name, message) for name, message in problems]
        )
    return fields
