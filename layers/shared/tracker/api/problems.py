"""RFC 9457 ``application/problem+json`` responses: a domain error rendered with the status and
title the one error table (``tracker.error_statuses``) gives its kind."""

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from tracker.error_statuses import PROBLEM_CONTENT_TYPE, kind_of
from tracker.errors import COMMAND, DomainError, FieldError
from tracker.logic.commands import EXPECTED_VERSION, IDEMPOTENCY_KEY

PROBLEM_TYPE_BASE = "/problems/"  # relative URI references; documented in the OpenAPI description


# Where the JSON API carries the parts of a command that are not the document.
COMMAND_PARTS_ON_THE_WIRE: dict[str, tuple[str, str]] = {
    EXPECTED_VERSION: ("If-Match", "header"),
    IDEMPOTENCY_KEY: ("Idempotency-Key", "header"),
}
MAX_ERRORS_LISTED = 100
"""However many fields are wrong, a problem names at most this many: the body stays small."""


def problem(
    status: int,
    title: str,
    detail: str,
    slug: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response[str]:
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE_BASE}{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        listed = errors[:MAX_ERRORS_LISTED]
        if len(errors) > MAX_ERRORS_LISTED:
            listed = [*listed, FieldError("", f"and {len(errors) - MAX_ERRORS_LISTED} more errors")]
        body["errors"] = [error.as_dict() for error in listed]
    body.update(extensions)
    return Response(
        status_code=status,
        content_type=PROBLEM_CONTENT_TYPE,
        body=json.dumps(body),
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _on_the_wire(error: FieldError) -> FieldError:
    if error.location != COMMAND or error.field not in COMMAND_PARTS_ON_THE_WIRE:
        return error
    name, location = COMMAND_PARTS_ON_THE_WIRE[error.field]
    return FieldError(name, error.detail, location)


def problem_from_error(error: DomainError) -> Response[str]:
    kind = kind_of(error)
    return problem(kind.status, kind.title, error.detail, kind.slug, [_on_the_wire(e) for e in error.errors])
