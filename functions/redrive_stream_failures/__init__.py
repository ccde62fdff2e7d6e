"""Republishes the cases of stream batches that exhausted their retries (run by an operator)."""

from tracker import settings

# What this function cannot run without (a test checks the CDK environment against it).
REQUIRED_SETTINGS = frozenset(
    {
        settings.CASES_TABLE_NAME,
        settings.REPORTING_BUCKET_NAME,
        settings.FAILED_RECORDS_BUCKET_NAME,
        settings.SAR_COMPLETION_MONTHS,
    }
)
