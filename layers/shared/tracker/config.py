"""Former home of the environment variable names, kept while the local stack moves over.

Every name now lives in ``tracker.settings``; this module only re-exports the old names.
"""

from tracker.settings import (
    CASES_TABLE_NAME as CASES_TABLE_ENV,
)
from tracker.settings import (
    CURSOR_SIGNING_KEY as CURSOR_KEY_ENV,
)
from tracker.settings import (
    CURSOR_SIGNING_KEY_SECRET_ARN as CURSOR_KEY_SECRET_ENV,
)
from tracker.settings import (
    IDEMPOTENCY_TABLE_NAME as IDEMPOTENCY_TABLE_ENV,
)
from tracker.settings import (
    METRICS_NAMESPACE,
    SERVICE_NAME,
)
from tracker.settings import (
    REPORTING_BUCKET_NAME as REPORTING_BUCKET_ENV,
)

__all__ = [
    "CASES_TABLE_ENV",
    "CURSOR_KEY_ENV",
    "CURSOR_KEY_SECRET_ENV",
    "IDEMPOTENCY_TABLE_ENV",
    "METRICS_NAMESPACE",
    "REPORTING_BUCKET_ENV",
    "SERVICE_NAME",
]
