"""RFC 9457 ``application/problem+json`` responses."""

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from tracker.errors import DomainError, FieldError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "/problems/"  # relative URI references; documented in the OpenAPI description


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
        body["errors"] = [error.as_dict() for error in errors]
    body.update(extensions)
    return Response(
        status_code=status,
        content_type=PROBLEM_CONTENT_TYPE,
        body=json.dumps(body),
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def problem_from_error(error: DomainError) -> Response[str]:
    return problem(error.status, error.title, error.detail, error.slug, error.errors)
