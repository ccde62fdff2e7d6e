"""Names of the environment variables every function reads, defined once.

The CDK app sets them on each function and the local stack sets them on its process.
"""

import os

CASES_TABLE_ENV = "CASES_TABLE_NAME"
IDEMPOTENCY_TABLE_ENV = "IDEMPOTENCY_TABLE_NAME"
REPORTING_BUCKET_ENV = "REPORTING_BUCKET_NAME"
CURSOR_KEY_ENV = "CURSOR_SIGNING_KEY"  # local stack and tests: the key itself
CURSOR_KEY_SECRET_ENV = "CURSOR_SIGNING_KEY_SECRET_ARN"  # noqa: S105 - a variable name, not a secret; AWS: a Secrets Manager secret holding it
IDEMPOTENCY_TTL_ENV = "IDEMPOTENCY_TTL_SECONDS"
SERVICE_NAME = "safeguarding-case-review-tracker"
METRICS_NAMESPACE = "SafeguardingCaseReviewTracker"

DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


def cases_table_name() -> str:
    return required(CASES_TABLE_ENV)


def idempotency_table_name() -> str:
    return required(IDEMPOTENCY_TABLE_ENV)


def idempotency_ttl_seconds() -> int:
    return int(os.environ.get(IDEMPOTENCY_TTL_ENV, DEFAULT_IDEMPOTENCY_TTL_SECONDS))
