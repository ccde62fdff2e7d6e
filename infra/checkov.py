"""Checkov's findings this app accepts, each with its reason, in one place.

Constructs call ``acknowledge_checkov(resource, CHECK_ID)`` on the one resource a finding is
about; the reason written into the template (``Metadata.checkov.skip``, which checkov reads) is
the one below. tests/infra/test_infra_checkov.py runs checkov over the synthesized templates:
no failed check, and every acknowledgement here is used.
"""

from aws_cdk import CfnResource

from infra.routes import ROUTES, WEB_APP

LAMBDA_OUTSIDE_VPC = "CKV_AWS_117"
LAMBDA_ENVIRONMENT_NOT_CMK_ENCRYPTED = "CKV_AWS_173"
LAMBDA_WITHOUT_DLQ = "CKV_AWS_116"
API_METHOD_WITHOUT_AUTH = "CKV_AWS_59"
API_STAGE_WITHOUT_CACHE = "CKV_AWS_120"
BUCKET_WITHOUT_ACCESS_LOGGING = "CKV_AWS_18"


def _methods(public: bool) -> str:
    """The routes without a gateway authorizer, public ones or the web app's, as "GET /path, ..."."""
    return ", ".join(
        f"{route.method} {route.path}"
        for route in ROUTES
        if not route.authorized and (route.function == WEB_APP) is not public
    )


REASONS: dict[str, str] = {
    LAMBDA_OUTSIDE_VPC: (
        "No VPC, by decision (docs/decisions.md): there is no private resource to reach. Every "
        "function calls AWS APIs over TLS with IAM signatures, and three also reach the internet over "
        "TLS: `authorizer` fetches the identity provider's JWKS, `web_app` calls the identity "
        "provider's discovery, token and key endpoints, `send_reminders` calls GOV.UK Notify. Outside "
        "a VPC that egress is not limited to those hosts; limiting it would take a VPC with NAT "
        "gateways, an egress firewall and interface endpoints (docs/deploy.md gives the cost)."
    ),
    LAMBDA_ENVIRONMENT_NOT_CMK_ENCRYPTED: (
        "The environment holds resource names, the secret's ARN and claim names, never a secret (the "
        "cursor key is read from Secrets Manager); Lambda encrypts it at rest with its own key."
    ),
    LAMBDA_WITHOUT_DLQ: (
        "Invoked synchronously (API Gateway, Secrets Manager rotation) or by a stream event source "
        "mapping with its own on-failure destination; a dead-letter queue only serves asynchronous "
        "invocations."
    ),
    API_METHOD_WITHOUT_AUTH: (
        f"No gateway authorizer, by design. Public, serving no case data: ({_methods(public=True)}), the "
        "health check answered by the gateway itself, the documents by a function with no data "
        f"access. The web app's routes ({_methods(public=False)}) carry a browser's sealed session "
        "cookie, not a bearer token: the web app authenticates each request itself (without a "
        "session a page redirects to sign-in; every form post needs the session's CSRF token). ANY on "
        "each path only answers 405 from a mock: no function runs."
    ),
    API_STAGE_WITHOUT_CACHE: (
        "Responses are per caller and carry special category data: an API cache would hold them "
        "outside the access checks, so caching stays off."
    ),
    BUCKET_WITHOUT_ACCESS_LOGGING: (
        "This bucket holds the S3 server access logs themselves (or their locked archive); logging "
        "it into another log bucket would only move the question one bucket along."
    ),
}


def acknowledge_checkov(resource: CfnResource, *check_ids: str) -> None:
    """Skip each named check on this one resource, with the reason from ``REASONS``."""
    existing = resource.get_metadata("checkov") or {}
    skips = list(existing.get("skip", []))
    for check_id in check_ids:
        skips.append({"id": check_id, "comment": REASONS[check_id]})
    resource.add_metadata("checkov", {"skip": skips})
