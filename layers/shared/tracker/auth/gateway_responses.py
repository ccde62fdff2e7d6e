"""The answers API Gateway gives by itself (no handler runs), as RFC 9457 problem documents: one
table for the CDK app, which templates each from API Gateway's own message, and for the local
gateway, which writes the same document with that message filled in.

Keys are API Gateway ``ResponseType`` names.
"""

import json
from dataclasses import dataclass

MESSAGE_VARIABLE = "$context.error.messageString"
"""API Gateway's message for the error, already a quoted JSON string (``null`` when it has none)."""


@dataclass(frozen=True)
class GatewayProblem:
    status: int | None  # None: DEFAULT_4XX and DEFAULT_5XX, which keep the status of what they stand for
    title: str
    message: str | None = None
    """What API Gateway sends in ``$context.error.message`` when the local gateway plays this answer:
    None is its ``null`` (an authorizer that raised), or a message that varies with the request,
    for an answer the local gateway never gives."""

    def _fields(self, detail: str) -> str:
        # Gateway response templates have no status variable: the defaults name the class of error only.
        status = f'"status":{self.status},' if self.status is not None else ""
        return f'{{"type":"about:blank","title":{json.dumps(self.title)},{status}"detail":{detail}}}'

    def template(self) -> str:
        """The deployed gateway response's mapping template."""
        return self._fields(MESSAGE_VARIABLE)

    def body(self) -> str:
        """The template as API Gateway fills it in with ``message``: the local gateway's body."""
        return self._fields(json.dumps(self.message))


GATEWAY_PROBLEMS: dict[str, GatewayProblem] = {
    # No token, or a token that is not valid (the authorizer raised "Unauthorized").
    "UNAUTHORIZED": GatewayProblem(401, "Unauthorized", "Unauthorized"),
    # A valid token whose role or organisation is not allowed (the authorizer returned Deny).
    "ACCESS_DENIED": GatewayProblem(
        403, "Forbidden", "User is not authorized to access this resource with an explicit deny"
    ),
    "WAF_FILTERED": GatewayProblem(403, "Forbidden", "Forbidden"),
    # No resource or method matches: API Gateway's default is 403; a client expects 404.
    "MISSING_AUTHENTICATION_TOKEN": GatewayProblem(404, "Not Found", "Missing Authentication Token"),
    "BAD_REQUEST_BODY": GatewayProblem(400, "Bad Request", "Invalid request body"),
    "BAD_REQUEST_PARAMETERS": GatewayProblem(400, "Bad Request"),  # names the missing parameters
    "THROTTLED": GatewayProblem(429, "Too Many Requests", "Too Many Requests"),
    "QUOTA_EXCEEDED": GatewayProblem(429, "Too Many Requests", "Limit Exceeded"),
    "REQUEST_TOO_LARGE": GatewayProblem(413, "Content Too Large", "Request Too Long"),
    # The authorizer raised something else, or returned no policy: API Gateway's message is null.
    "AUTHORIZER_FAILURE": GatewayProblem(500, "Internal Server Error"),
    "AUTHORIZER_CONFIGURATION_ERROR": GatewayProblem(500, "Internal Server Error"),
    "INTEGRATION_FAILURE": GatewayProblem(502, "Bad Gateway"),
    "INTEGRATION_TIMEOUT": GatewayProblem(504, "Gateway Timeout", "Endpoint request timed out"),
    "DEFAULT_4XX": GatewayProblem(None, "Client Error"),
    # A function that raised, or answered malformed or over Lambda's limit: 502 on AWS.
    "DEFAULT_5XX": GatewayProblem(None, "Server Error", "Internal server error"),
}

GATEWAY_RESPONSES: dict[str, tuple[int, str]] = {
    name: (problem.status, problem.body()) for name, problem in GATEWAY_PROBLEMS.items() if problem.status
}
"""Status and body of each answer that names its status, as the local gateway and the WAF give it."""

METHOD_NOT_ALLOWED = (
    405,
    GatewayProblem(
        405, "Method Not Allowed", "This resource does not take this method: see the Allow header."
    ).body(),
)
"""Answered by a mock integration on each resource for a method it does not serve (RFC 9110)."""
