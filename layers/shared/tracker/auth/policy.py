"""API Gateway REQUEST authorizer results: IAM policy documents and the context handed to handlers."""

from typing import Any

ALLOW = "Allow"
DENY = "Deny"

# Keys of requestContext.authorizer that the case handlers read.
CONTEXT_ROLE = "role"
CONTEXT_ORG = "org"
CONTEXT_SUB = "sub"
CONTEXT_NAME = "name"
"""The person's name (``ClaimNames.person_name``), or the empty string: a context holds no null."""


def api_wide_resource(method_arn: str) -> str:
    """``arn:...:apiId/stage/*/*`` from a method ARN.

    Were API Gateway to cache results (``AUTHORIZER_CACHE_SECONDS`` above 0), a cached result
    would answer every route, so the policy covers the whole API, not only the method that
    happened to be called first.
    """
    parts = method_arn.split("/")
    if len(parts) < 2:
        return method_arn
    return f"{parts[0]}/{parts[1]}/*/*"


def authorizer_result(
    principal_id: str, effect: str, method_arn: str, context: dict[str, str] | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": api_wide_resource(method_arn)}
            ],
        },
    }
    if context:
        result["context"] = context
    return result
