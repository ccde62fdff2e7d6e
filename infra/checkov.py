"""Checkov's findings this app accepts, each with its reason, in one place.

Constructs call ``acknowledge_checkov(resource, CHECK_ID)`` on the one resource a finding is
about; the reason written into the template (``Metadata.checkov.skip``, which checkov reads) is
the one below. tests/infra/test_infra_checkov.py runs checkov over the synthesized templates:
no failed check, and every acknowledgement here is used.
"""

from aws_cdk import CfnResource

LAMBDA_OUTSIDE_VPC = "CKV_AWS_117"
LAMBDA_ENVIRONMENT_NOT_CMK_ENCRYPTED = "CKV_AWS_173"
LAMBDA_WITHOUT_DLQ = "CKV_AWS_116"
API_METHOD_WITHOUT_AUTH = "CKV_AWS_59"
API_STAGE_WITHOUT_CACHE = "CKV_AWS_120"
BUCKET_WITHOUT_ACCESS_LOGGING = "CKV_AWS_18"

REASONS: dict[str, str] = {
    LAMBDA_OUTSIDE_VPC: (
        "The functions reach only AWS APIs (DynamoDB, S3, Secrets Manager) over TLS with IAM "
        "authentication, plus the identity provider's public JWKS endpoint: a VPC would add NAT cost "
        "and cold-start time without reducing exposure."
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
        "Public by design: the health check (answered by the gateway itself) and the OpenAPI "
        "document and Swagger UI (served by a function with no data access); no case data."
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
