"""Every environment variable the shared code reads, declared once with its type and default.

The CDK app sets them on each function, the local stack on its own process; nothing else in the
layer reads ``os.environ``. Each function's handler module lists the settings it cannot run
without in ``REQUIRED_SETTINGS``, and a test checks that the CDK environment of every function
provides those and sets nothing this model does not declare.
"""

import os
from collections.abc import Mapping
from datetime import date
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, SecretStr

SERVICE_NAME = "safeguarding-case-review-tracker"
METRICS_NAMESPACE = "SafeguardingCaseReviewTracker"

# Environment variable names. Constants, so the CDK app, the local stack and tests share them.
CASES_TABLE_NAME = "CASES_TABLE_NAME"
IDEMPOTENCY_TABLE_NAME = "IDEMPOTENCY_TABLE_NAME"
IDEMPOTENCY_TTL_SECONDS = "IDEMPOTENCY_TTL_SECONDS"
REPORTING_BUCKET_NAME = "REPORTING_BUCKET_NAME"
FAILED_RECORDS_BUCKET_NAME = "FAILED_RECORDS_BUCKET_NAME"
CURSOR_SIGNING_KEY = "CURSOR_SIGNING_KEY"  # local stack and tests only
CURSOR_SIGNING_KEY_SECRET_ARN = "CURSOR_SIGNING_KEY_SECRET_ARN"  # noqa: S105 - a variable name
SAR_COMPLETION_MONTHS = "SAR_COMPLETION_MONTHS"
REFERENCE_DIR = "SCRT_REFERENCE_DIR"
JWKS_URL = "JWKS_URL"
JWT_ISSUER = "JWT_ISSUER"
JWT_AUDIENCE = "JWT_AUDIENCE"
ROLE_CLAIM = "ROLE_CLAIM"
ORG_CLAIM = "ORG_CLAIM"
SUB_CLAIM = "SUB_CLAIM"
NAME_CLAIM = "NAME_CLAIM"
JWT_LEEWAY_SECONDS = "JWT_LEEWAY_SECONDS"
JWKS_CACHE_SECONDS = "JWKS_CACHE_SECONDS"
# The tracker web app (functions/web_app): OpenID Connect sign-in and its session cookie.
WEB_BASE_URL = "WEB_BASE_URL"
WEB_OIDC_DISCOVERY_URL = "WEB_OIDC_DISCOVERY_URL"
WEB_OIDC_CLIENT_ID = "WEB_OIDC_CLIENT_ID"
WEB_OIDC_CLIENT_SECRET = "WEB_OIDC_CLIENT_SECRET"  # noqa: S105 - a variable name; local stack and tests only
WEB_OIDC_CLIENT_SECRET_ARN = "WEB_OIDC_CLIENT_SECRET_ARN"  # noqa: S105 - a variable name
WEB_SESSION_KEY = "WEB_SESSION_KEY"  # local stack and tests only
WEB_SESSION_KEY_SECRET_ARN = "WEB_SESSION_KEY_SECRET_ARN"  # noqa: S105 - a variable name
WEB_SESSION_IDLE_SECONDS = "WEB_SESSION_IDLE_SECONDS"
# The web app's service pages (footer): help contact, accessibility statement, privacy notice.
WEB_HELP_EMAIL = "WEB_HELP_EMAIL"
WEB_HELP_HOURS = "WEB_HELP_HOURS"
WEB_ACCESSIBILITY_KNOWN_ISSUES = "WEB_ACCESSIBILITY_KNOWN_ISSUES"
WEB_ACCESSIBILITY_TESTED_ON = "WEB_ACCESSIBILITY_TESTED_ON"
WEB_PRIVACY_CONTROLLER = "WEB_PRIVACY_CONTROLLER"
WEB_PRIVACY_EMAIL = "WEB_PRIVACY_EMAIL"
WEB_PRIVACY_NOTICE_URL = "WEB_PRIVACY_NOTICE_URL"
WEB_SERVICE_PAGE_SETTINGS = (
    WEB_HELP_EMAIL,
    WEB_HELP_HOURS,
    WEB_ACCESSIBILITY_KNOWN_ISSUES,
    WEB_ACCESSIBILITY_TESTED_ON,
    WEB_PRIVACY_CONTROLLER,
    WEB_PRIVACY_EMAIL,
    WEB_PRIVACY_NOTICE_URL,
)
"""What a deployment may set for its service pages (CDK context ``tracker:servicePages``)."""
# Overdue reminders (GOV.UK Notify)
NOTIFY_API_KEY_SECRET_ARN = "NOTIFY_API_KEY_SECRET_ARN"  # noqa: S105 - a variable name
NOTIFY_DIGEST_TEMPLATE_ID = "NOTIFY_DIGEST_TEMPLATE_ID"
NOTIFY_REGIONAL_DIGEST_TEMPLATE_ID = "NOTIFY_REGIONAL_DIGEST_TEMPLATE_ID"
NOTIFY_BASE_URL = "NOTIFY_BASE_URL"
# The read audit (who has seen a case): its table, and the Object Lock archive its daily seals go to.
AUDIT_TABLE_NAME = "AUDIT_TABLE_NAME"
AUDIT_ARCHIVE_BUCKET_NAME = "AUDIT_ARCHIVE_BUCKET_NAME"
AUDIT_RETENTION_DAYS = "AUDIT_RETENTION_DAYS"
AUDIT_SEAL_OBJECT_LOCK = "AUDIT_SEAL_OBJECT_LOCK"
AUDIT_WRITE_FAILED_METRIC = "AuditWriteFailures"
"""Counted each time a read is refused because its audit entry could not be written (alarmed)."""

# Powertools and the Lambda runtime read these themselves; the CDK app may set them too.
PLATFORM_PREFIXES = ("POWERTOOLS_", "AWS_")
PLATFORM_NAMES = frozenset({"LOG_LEVEL"})

DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
DEFAULT_ROLE_CLAIM = "role"
DEFAULT_ORG_CLAIM = "org"
DEFAULT_SUB_CLAIM = "sub"
DEFAULT_NAME_CLAIM = "name"  # OpenID Connect's standard claim for the person's full name (Core 1.0, 5.1)
DEFAULT_JWT_LEEWAY_SECONDS = 30
DEFAULT_JWKS_CACHE_SECONDS = 300
DEFAULT_SAR_COMPLETION_MONTHS = 6
DEFAULT_WEB_SESSION_IDLE_SECONDS = 30 * 60
# How long an entry of the read audit is kept. Source: NHS England, Records Management Code of
# Practice for Health and Social Care 2023, Appendix II retention schedule. The schedule has no row
# for an application's record-access audit trail on its own; audit trails are kept as long as the
# records whose use they evidence, and the cases are records of serious incidents (reviews after a
# death or serious harm), whose row keeps them 20 years. The longest applicable period is chosen
# until the information governance lead confirms it (docs/architecture.md, "Who has seen a case").
DEFAULT_AUDIT_RETENTION_DAYS = 7305  # 20 years
# Placeholders a deployment replaces (example.nhs.uk reaches nobody); the rest are fair defaults.
DEFAULT_WEB_HELP_EMAIL = "scrt-help@example.nhs.uk"
DEFAULT_WEB_HELP_HOURS = "Monday to Friday, 9am to 5pm, except bank holidays"
DEFAULT_WEB_ACCESSIBILITY_TESTED_ON = date(2026, 12, 5)
DEFAULT_WEB_PRIVACY_CONTROLLER = "NHS England"
DEFAULT_WEB_PRIVACY_EMAIL = "scrt-privacy@example.nhs.uk"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class ConfigurationError(RuntimeError):
    """A setting a function needs is missing or invalid: a deployment fault, not a caller's."""


class Settings(BaseModel):
    """The environment, typed. Field aliases are the variable names."""

    model_config = ConfigDict(frozen=True, extra="ignore", validate_by_alias=True, validate_by_name=False)

    cases_table_name: str | None = Field(None, alias=CASES_TABLE_NAME, description="The cases table.")
    idempotency_table_name: str | None = Field(
        None, alias=IDEMPOTENCY_TABLE_NAME, description="Powertools Idempotency table of POST /cases."
    )
    idempotency_ttl_seconds: int = Field(
        DEFAULT_IDEMPOTENCY_TTL_SECONDS,
        alias=IDEMPOTENCY_TTL_SECONDS,
        ge=60,
        description="How long an Idempotency-Key is remembered.",
    )
    reporting_bucket_name: str | None = Field(
        None, alias=REPORTING_BUCKET_NAME, description="The reporting extracts bucket."
    )
    failed_records_bucket_name: str | None = Field(
        None,
        alias=FAILED_RECORDS_BUCKET_NAME,
        description="The stream consumer's on-failure destination (read by the redrive).",
    )
    cursor_signing_key: SecretStr | None = Field(
        None, alias=CURSOR_SIGNING_KEY, description="Cursor HMAC key itself (local stack and tests)."
    )
    cursor_signing_key_secret_arn: str | None = Field(
        None,
        alias=CURSOR_SIGNING_KEY_SECRET_ARN,
        description="Secrets Manager secret holding the cursor HMAC key (AWS).",
    )
    sar_completion_months: int = Field(
        DEFAULT_SAR_COMPLETION_MONTHS,
        alias=SAR_COMPLETION_MONTHS,
        ge=1,
        le=36,
        description="Months after dateAdded a safeguarding adult review is due to complete.",
    )
    reference_dir: str | None = Field(
        None, alias=REFERENCE_DIR, description="Folder of replacement reference data CSV files."
    )
    jwks_url: str | None = Field(None, alias=JWKS_URL, description="Identity provider's JWKS (https).")
    jwt_issuer: str | None = Field(None, alias=JWT_ISSUER, description="Expected iss claim, exactly.")
    jwt_audience: str | None = Field(
        None, alias=JWT_AUDIENCE, description="Expected aud claim (comma-separated for several)."
    )
    role_claim: str = Field(
        DEFAULT_ROLE_CLAIM, alias=ROLE_CLAIM, min_length=1, description="Claim carrying the role."
    )
    org_claim: str = Field(
        DEFAULT_ORG_CLAIM, alias=ORG_CLAIM, min_length=1, description="Claim carrying the org code."
    )
    sub_claim: str = Field(
        DEFAULT_SUB_CLAIM, alias=SUB_CLAIM, min_length=1, description="Claim naming the user."
    )
    name_claim: str = Field(
        DEFAULT_NAME_CLAIM, alias=NAME_CLAIM, min_length=1, description="Claim giving the person's name."
    )
    jwt_leeway_seconds: int = Field(
        DEFAULT_JWT_LEEWAY_SECONDS, alias=JWT_LEEWAY_SECONDS, ge=0, le=300, description="Clock skew allowed."
    )
    jwks_cache_seconds: int = Field(
        DEFAULT_JWKS_CACHE_SECONDS,
        alias=JWKS_CACHE_SECONDS,
        ge=0,
        le=3600,
        description="How long the JWKS document is kept before it is fetched again.",
    )

    # --- the tracker web app -----------------------------------------------------------------
    web_base_url: str | None = Field(
        None,
        alias=WEB_BASE_URL,
        description=(
            "Where the web app's /app/ lives, without it (https://host[/stage]); http only on loopback "
            "(the local stack), where the session cookie cannot be Secure."
        ),
    )
    web_oidc_discovery_url: str | None = Field(
        None, alias=WEB_OIDC_DISCOVERY_URL, description="The identity provider's OpenID configuration."
    )
    web_oidc_client_id: str | None = Field(
        None, alias=WEB_OIDC_CLIENT_ID, description="The web app's client id at the identity provider."
    )
    web_oidc_client_secret: SecretStr | None = Field(
        None, alias=WEB_OIDC_CLIENT_SECRET, description="The client secret itself (local stack and tests)."
    )
    web_oidc_client_secret_arn: str | None = Field(
        None, alias=WEB_OIDC_CLIENT_SECRET_ARN, description="Secrets Manager secret of the client secret."
    )
    web_session_key: SecretStr | None = Field(
        None, alias=WEB_SESSION_KEY, description="Session cookie key itself (local stack and tests)."
    )
    web_session_key_secret_arn: str | None = Field(
        None,
        alias=WEB_SESSION_KEY_SECRET_ARN,
        description="Secrets Manager secret holding the session cookie key (AWS).",
    )
    web_session_idle_seconds: int = Field(
        DEFAULT_WEB_SESSION_IDLE_SECONDS,
        alias=WEB_SESSION_IDLE_SECONDS,
        ge=60,
        le=12 * 60 * 60,
        description="A web session unused this long ends.",
    )

    # --- the web app's service pages (their text is in the templates; these are its variable parts) --
    web_help_email: str = Field(
        DEFAULT_WEB_HELP_EMAIL,
        alias=WEB_HELP_EMAIL,
        pattern=EMAIL_PATTERN,
        description="Where people write for help with the service (the help page and the footer's pages).",
    )
    web_help_hours: str = Field(
        DEFAULT_WEB_HELP_HOURS,
        alias=WEB_HELP_HOURS,
        min_length=1,
        max_length=200,
        description="When the help mailbox is read.",
    )
    web_accessibility_known_issues: str = Field(
        "",
        alias=WEB_ACCESSIBILITY_KNOWN_ISSUES,
        max_length=1000,
        description="Parts of the service that do not meet WCAG 2.2 AA, one a line; empty: none known.",
    )
    web_accessibility_tested_on: date = Field(
        DEFAULT_WEB_ACCESSIBILITY_TESTED_ON,
        alias=WEB_ACCESSIBILITY_TESTED_ON,
        description="When the service was last tested for accessibility (YYYY-MM-DD).",
    )
    web_privacy_controller: str = Field(
        DEFAULT_WEB_PRIVACY_CONTROLLER,
        alias=WEB_PRIVACY_CONTROLLER,
        min_length=1,
        max_length=200,
        description="The data controller the privacy notice names.",
    )
    web_privacy_email: str = Field(
        DEFAULT_WEB_PRIVACY_EMAIL,
        alias=WEB_PRIVACY_EMAIL,
        pattern=EMAIL_PATTERN,
        description="Where people write about their data (the controller's data protection officer).",
    )
    web_privacy_notice_url: str | None = Field(
        None,
        alias=WEB_PRIVACY_NOTICE_URL,
        pattern=r"^https://\S+$",
        description=(
            "The privacy notice the information governance team approved (https); until it is set the "
            "privacy page says its text is the service's default."
        ),
    )

    # --- overdue reminders -------------------------------------------------------------------
    notify_api_key_secret_arn: str | None = Field(
        None,
        alias=NOTIFY_API_KEY_SECRET_ARN,
        description="Secrets Manager secret holding the GOV.UK Notify API key (AWS).",
    )
    notify_digest_template_id: str | None = Field(
        None,
        alias=NOTIFY_DIGEST_TEMPLATE_ID,
        description="The Notify email template of the weekly overdue digest (its id, a UUID).",
    )
    notify_regional_digest_template_id: str | None = Field(
        None,
        alias=NOTIFY_REGIONAL_DIGEST_TEMPLATE_ID,
        description=(
            "The Notify email template of a region's weekly digest of the DHRs waiting for its answer "
            "(its id, a UUID); until it is set no region's digest is sent."
        ),
    )
    notify_base_url: str | None = Field(
        None,
        alias=NOTIFY_BASE_URL,
        description="Notify's API address, if not the public one (tests point it at loopback).",
    )

    # --- the read audit ----------------------------------------------------------------------
    audit_table_name: str | None = Field(
        None, alias=AUDIT_TABLE_NAME, description="The read audit's table (who has seen a case)."
    )
    audit_archive_bucket_name: str | None = Field(
        None, alias=AUDIT_ARCHIVE_BUCKET_NAME, description="The Object Lock archive the daily seals go to."
    )
    audit_retention_days: int = Field(
        DEFAULT_AUDIT_RETENTION_DAYS,
        alias=AUDIT_RETENTION_DAYS,
        ge=DEFAULT_AUDIT_RETENTION_DAYS,  # a deployment may keep entries longer, never shorter
        description="Days an audit entry and a day's seal are kept (Records Management Code of Practice).",
    )
    audit_seal_object_lock: bool = Field(
        True,
        alias=AUDIT_SEAL_OBJECT_LOCK,
        description="Put seals under Object Lock (compliance mode); false only where the engine has none.",
    )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        source = os.environ if environ is None else environ
        # An empty variable means "not set", as the CDK app and shells write it.
        return cls.model_validate({name: value for name, value in source.items() if value.strip()})

    def require(self, name: str) -> str:
        """The value of a setting given by its variable name, or a ConfigurationError naming it."""
        for field_name, field in type(self).model_fields.items():
            if field.alias == name:
                value = getattr(self, field_name)
                if isinstance(value, SecretStr):
                    value = value.get_secret_value()
                if value is None or value == "":
                    raise ConfigurationError(f"environment variable {name} is not set")
                return str(value)
        raise KeyError(name)


def declared_names() -> frozenset[str]:
    """Every variable name the model declares."""
    return frozenset(str(field.alias) for field in Settings.model_fields.values())


def is_platform_setting(name: str) -> bool:
    return name in PLATFORM_NAMES or name.startswith(PLATFORM_PREFIXES)


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The settings of this container, read once on first use."""
    return Settings.from_environ()


def reload() -> Settings:
    """Read the environment again (tests and the local stack change it between runs)."""
    settings.cache_clear()
    return settings()
