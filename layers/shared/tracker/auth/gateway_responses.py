"""The bodies API Gateway itself answers with (no handler runs), as RFC 9457 problem documents.

The CDK app sets these as gateway responses; the local stack answers with the same bodies.
Keys are API Gateway ``ResponseType`` names.
"""

import json

PROBLEM_JSON = "application/problem+json"


def _problem(status: int, title: str, detail: str) -> str:
    return json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail})


GATEWAY_RESPONSES: dict[str, tuple[int, str]] = {
    # No token, or a token that is not valid (the authorizer raised "Unauthorized").
    "UNAUTHORIZED": (401, _problem(401, "Unauthorized", "A valid bearer token is required.")),
    # A valid token whose role or organisation is not allowed (the authorizer returned Deny).
    "ACCESS_DENIED": (403, _problem(403, "Forbidden", "This identity is not allowed to use the API.")),
    # No resource or method matches: API Gateway's default is 403 "Missing Authentication Token".
    "MISSING_AUTHENTICATION_TOKEN": (404, _problem(404, "Not Found", "No such resource or method.")),
    # The authorizer failed (for example the identity provider's keys could not be fetched).
    "AUTHORIZER_FAILURE": (
        500,
        _problem(500, "Internal Server Error", "The request could not be authorised."),
    ),
    "AUTHORIZER_CONFIGURATION_ERROR": (
        500,
        _problem(500, "Internal Server Error", "The request could not be authorised."),
    ),
}


METHOD_NOT_ALLOWED = (
    405,
    _problem(405, "Method Not Allowed", "This resource does not take this method: see the Allow header."),
)
"""Answered by a mock integration on each resource for a method it does not serve (RFC 9110)."""
