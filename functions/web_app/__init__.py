"""The tracker web app: server-rendered pages under /app/, signed in by OpenID Connect."""

from tracker import settings

# What this function cannot run without (a test checks the CDK environment against it). The
# session key and the client secret come from Secrets Manager on AWS (their *_SECRET_ARN settings);
# a public client with PKCE alone needs no client secret. Every page's read of a case is recorded in
# the read audit, so its table is required.
REQUIRED_SETTINGS = frozenset(
    {
        settings.CASES_TABLE_NAME,
        settings.IDEMPOTENCY_TABLE_NAME,
        settings.AUDIT_TABLE_NAME,
        settings.REPORTING_BUCKET_NAME,
        settings.CURSOR_SIGNING_KEY_SECRET_ARN,
        settings.SAR_COMPLETION_MONTHS,
        settings.WEB_BASE_URL,
        settings.WEB_OIDC_DISCOVERY_URL,
        settings.WEB_OIDC_CLIENT_ID,
        settings.WEB_SESSION_KEY_SECRET_ARN,
    }
)
