"""Read-only case routes: lists, a case, its history, reference data."""

from tracker import settings

# What this function cannot run without (a test checks the CDK environment against it): every read
# of a case is recorded in the read audit, so its table is required.
REQUIRED_SETTINGS = frozenset(
    {
        settings.CASES_TABLE_NAME,
        settings.AUDIT_TABLE_NAME,
        settings.CURSOR_SIGNING_KEY_SECRET_ARN,
        settings.SAR_COMPLETION_MONTHS,
    }
)
