"""Weekly schedule -> each ICB's overdue digest through GOV.UK Notify, at most once per ISO week."""

from tracker import settings

# What this function cannot run without (a test checks the CDK environment against it).
REQUIRED_SETTINGS = frozenset(
    {
        settings.CASES_TABLE_NAME,
        settings.SAR_COMPLETION_MONTHS,
        settings.NOTIFY_API_KEY_SECRET_ARN,
        settings.NOTIFY_DIGEST_TEMPLATE_ID,
        settings.WEB_BASE_URL,
    }
)
