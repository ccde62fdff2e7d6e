"""Every name and tunable of the CDK app, defined once.

Table keys and indexes come from ``tracker.dal.schema``, environment variable names from
``tracker.settings``, routes from ``infra.routes``: this module only holds what is the
infrastructure's own. Figures an operator may change per deployment are also context values
(``CONTEXT_*``, read by ``infra.deployment``); the defaults live here.
"""

from pathlib import Path

from aws_cdk import Duration, aws_lambda, aws_logs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_ROOT = PROJECT_ROOT / "functions"
LAYER_SOURCE = PROJECT_ROOT / "layers" / "shared"
LAYER_REQUIREMENTS = LAYER_SOURCE / "requirements.txt"
LAYER_PACKAGE = "tracker"
ROTATION_SOURCE = Path(__file__).resolve().parent / "rotation"

# UK-only hosting: London is the only UK region, so nothing is replicated elsewhere.
REGION = "eu-west-2"
APP_TAGS = {
    "service": "safeguarding-case-review-tracker",
    "owner": "nhs-england",
    "data-classification": "special-category",
}

# Stacks. The account-setup stack holds the account-wide settings a second copy of the app must
# not fight over; it is deployed once per account and region.
ACCOUNT_SETUP_STACK_ID = "ScrtAccountSetup"
STATEFUL_STACK_ID = "ScrtData"
STATELESS_STACK_ID = "ScrtService"

# Lambda platform. The layer's wheels are resolved for the same interpreter and architecture.
RUNTIME = aws_lambda.Runtime.PYTHON_3_13
RUNTIME_PYTHON_VERSION = "3.13"
ARCHITECTURE = aws_lambda.Architecture.ARM_64
PIP_PLATFORM = "manylinux2014_aarch64"
LOG_LEVEL = "INFO"
DEFAULT_MEMORY_MB = 512
DEFAULT_TIMEOUT = Duration.seconds(15)
# Functions that answer callers run with SnapStart: each deploy publishes a version (its snapshot
# taken once) and this alias points at it; API Gateway and the authorizer invoke the alias.
LIVE_ALIAS = "live"

# Context keys (cdk.json or `cdk synth -c key=value`).
CONTEXT_FUNCTIONS_ROOT = "tracker:functionsRoot"
"""Folder holding one sub-folder per function; tests point it at stubs so they need no real code."""
CONTEXT_ALARM_EMAIL = "tracker:alarmEmail"
"""Optional e-mail address subscribed to the alarm topic."""
CONTEXT_SAR_COMPLETION_MONTHS = "tracker:sarCompletionMonths"
"""Months after dateAdded a safeguarding adult review is due (SAR_COMPLETION_MONTHS)."""
CONTEXT_TABLE_INDEXES = "tracker:tableIndexes"
"""How many of the cases table's indexes (tracker.dal.schema.INDEXES, in order) to create: DynamoDB
adds one index per table update, so a table made by an older release gains new ones one deploy at
a time (docs/deploy.md). Default: all."""
CONTEXT_RESERVED_CONCURRENCY = "tracker:reservedConcurrency"
"""JSON object overriding RESERVED_CONCURRENCY per function, e.g. '{"query_cases": 60}'."""
CONTEXT_SERVICE_PAGES = "tracker:servicePages"
"""JSON object of the web app's service-page settings (tracker.settings.WEB_SERVICE_PAGE_SETTINGS),
e.g. '{"WEB_HELP_EMAIL": "help@example.nhs.uk"}': the help mailbox, the approved privacy notice's
address, known accessibility issues. Those not given keep the settings model's defaults."""

# Deploy-time parameters of the service stack: how the identity provider is reached.
PARAM_JWT_ISSUER = "JwtIssuer"
PARAM_JWT_AUDIENCE = "JwtAudience"
PARAM_JWKS_URL = "JwksUrl"
PARAM_ROLE_CLAIM = "RoleClaim"
PARAM_ORG_CLAIM = "OrgClaim"
PARAM_SUB_CLAIM = "SubClaim"
PARAM_NAME_CLAIM = "NameClaim"
# ... and how the web app signs people in with it (OpenID Connect, authorization code with PKCE).
PARAM_WEB_OIDC_CLIENT_ID = "WebOidcClientId"
PARAM_WEB_OIDC_DISCOVERY_URL = "WebOidcDiscoveryUrl"
# GOV.UK Notify template of the weekly overdue digest.
PARAM_NOTIFY_DIGEST_TEMPLATE_ID = "NotifyDigestTemplateId"
PARAM_NOTIFY_REGIONAL_DIGEST_TEMPLATE_ID = "NotifyRegionalDigestTemplateId"

# Business rule the functions read; the CDK app always sets it (SAR_COMPLETION_MONTHS).
SAR_COMPLETION_MONTHS = 6

# API Gateway.
API_NAME = "safeguarding-case-review-tracker"
API_STAGE = "v1"
API_THROTTLE_RATE = 50  # requests per second, steady state, for the whole stage
API_THROTTLE_BURST = 100
# A regional REST API's own endpoint defaults to TLS_1_0. This enhanced policy accepts TLS 1.3 and
# TLS 1.2 with forward-secret AEAD ciphers only; API Gateway takes an enhanced policy only with an
# endpoint access mode, and STRICT refuses requests whose SNI host is not this API's endpoint.
API_SECURITY_POLICY = "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09"
API_ENDPOINT_ACCESS_MODE = "STRICT"

# WAF: limits per caller (bearer token) and a generous ceiling per source address. The forms
# platform sends every user's requests from a few addresses, so the IP limit only stops floods.
WAF_RATE_WINDOW_SECONDS = 300
WAF_RATE_LIMIT_PER_CALLER = 600  # requests per window per Authorization header: 2/s sustained
WAF_RATE_LIMIT_PER_IP = 20_000  # requests per window per source address: above the stage limit
# Requests per window per address without an Authorization header: 5/s sustained, a tenth of the
# stage's 50/s, yet far above a person's browsing (a page and its few cached assets every few seconds).
WAF_RATE_LIMIT_ANONYMOUS_PER_IP = 1_500
WAF_RETRY_AFTER_SECONDS = WAF_RATE_WINDOW_SECONDS
WAF_LOG_GROUP_NAME = "aws-waf-logs-safeguarding-case-review-tracker"
"""Fixed (WAF only logs to groups named aws-waf-logs-*): so it lives in the stateful stack."""

# Reserved concurrency caps each function so one runaway caller cannot starve the others.
# Override per deployment with -c tracker:reservedConcurrency='{"name": n}'.
RESERVED_CONCURRENCY: dict[str, int] = {
    "submit_case": 20,
    "update_case": 20,
    "query_cases": 40,
    "api_docs": 5,
    "authorizer": 40,
    "publish_changes": 10,
    "snapshot_extract": 1,
    "redrive_stream_failures": 1,
    "web_app": 20,
    "icb_contacts": 5,
    "send_reminders": 1,
    "seal_audit": 1,
}
ROTATION_RESERVED_CONCURRENCY = 1
LAMBDA_MIN_UNRESERVED_CONCURRENCY = 100
"""Lambda refuses a reservation that would leave fewer than 100 unreserved executions."""

# The stream consumer (publish_changes).
STREAM_BATCH_SIZE = 25
STREAM_MAX_BATCHING_WINDOW = Duration.seconds(1)
STREAM_RETRY_ATTEMPTS = 5
STREAM_MAX_RECORD_AGE = Duration.hours(6)
STREAM_PARALLELIZATION = 1  # per shard: keeps versions of one case in order
PUBLISH_TIMEOUT = Duration.seconds(60)

# snapshot_extract: daily at 02:00 UTC, after the overnight quiet hours.
SNAPSHOT_SCHEDULE_HOUR = "2"
SNAPSHOT_SCHEDULE_MINUTE = "0"
SNAPSHOT_TIMEOUT = Duration.minutes(10)
SNAPSHOT_MEMORY_MB = 1024
SNAPSHOT_SCHEDULE_RETRIES = 2
SNAPSHOT_SCHEDULE_MAX_EVENT_AGE = Duration.hours(2)
# seal_audit: daily at 00:30 UTC, sealing the UTC day just ended (late writes have landed by then).
AUDIT_SEAL_SCHEDULE_HOUR = "0"
AUDIT_SEAL_SCHEDULE_MINUTE = "30"
AUDIT_SEAL_TIMEOUT = Duration.minutes(5)
AUDIT_SEAL_SCHEDULE_RETRIES = 2
AUDIT_SEAL_SCHEDULE_MAX_EVENT_AGE = Duration.hours(2)
AUDIT_WRITE_FAILURES_MAX_COUNT = 0
"""Any read refused because its audit entry could not be written alarms at once."""
SNAPSHOT_METRIC = "SnapshotsWritten"
# The overview's summary, recomputed hourly by snapshot_extract ({"summaryOnly": true}), so the
# overview is never more than an hour old; two hours without one alarm.
SUMMARY_SCHEDULE_RATE = Duration.hours(1)
SUMMARY_METRIC = "SummariesWritten"
SUMMARY_MAX_SILENCE_HOURS = 2
# Weekly overdue reminders: EventBridge Scheduler, Monday 07:00 London time (BST or GMT).
REMINDER_SCHEDULE = {"minute": "0", "hour": "7", "week_day": "MON"}
REMINDER_TIME_ZONE = "Europe/London"
REMINDER_TIMEOUT = Duration.minutes(5)
REMINDER_SCHEDULE_RETRIES = 3
REMINDER_SCHEDULE_MAX_EVENT_AGE = Duration.hours(6)
REMINDER_FAILURES_METRIC = "ReminderDigestFailures"
REMINDERS_SENT_METRIC = "ReminderDigestsSent"
REMINDER_REFUSED_METRIC = "ReminderRecipientsRefused"
REMINDER_UNCONFIRMED_METRIC = "ReminderRecipientsUnconfirmed"
# Lambda's own retries of a failed asynchronous run (about 1 and 2 minutes later); the ledger
# makes a retry send only what the failed run did not.
REMINDER_ASYNC_RETRIES = 2
SNAPSHOT_REJECTED_METRIC = "SnapshotCasesRejected"
REDRIVE_TIMEOUT = Duration.minutes(15)
SNAPSHOT_MAX_SILENCE_HOURS = 26
"""A day plus two hours' grace: the alarm fires when no snapshot was written for this long."""
DEAD_LETTER_RETENTION = Duration.days(14)

# Reporting buckets (the extracts' own prefixes and columns live in tracker.extracts).
FAILED_RECORDS_METRICS_ID = "FailedStreamRecords"
ATHENA_RESULTS_PREFIX = "athena-results/"

# Retention.
#
# Audit trails (API access logs, WAF logs, S3 server access logs) are kept as long as the records
# whose use they evidence. Source: NHS England, Records Management Code of Practice for Health and
# Social Care (first published August 2021, updated 7 August 2023), Appendix II retention schedule:
# periods are minimums, starting when the record closes; adult health and social care records are
# kept 8 years. docs/deploy.md says how these figures were chosen and who confirms them.
AUDIT_TRAIL_RETENTION_DAYS = 2922  # 8 years; CloudWatch Logs accepts exactly this value
AUDIT_LOG_RETENTION = aws_logs.RetentionDays.EIGHT_YEARS
OPERATIONAL_LOG_RETENTION = aws_logs.RetentionDays.ONE_YEAR  # function logs: no case data
ACCESS_LOG_LANDING_EXPIRY = Duration.days(90)  # S3 logs' landing bucket; the locked copy stays
NONCURRENT_VERSION_EXPIRY = Duration.days(90)
ATHENA_RESULTS_EXPIRY = Duration.days(30)
FAILED_RECORDS_EXPIRY = Duration.days(90)
INFREQUENT_ACCESS_AFTER = Duration.days(90)
# Backups are copies for recovery, not records: their periods are operational. The vault lock's
# bounds are exactly the shortest and longest rule, so no rule can be shortened or lengthened past
# them once the lock is fixed.
BACKUP_DAILY_RETENTION = Duration.days(35)
BACKUP_MONTHLY_RETENTION = Duration.days(365)
BACKUP_VAULT_LOCK_MIN_RETENTION = BACKUP_DAILY_RETENTION
BACKUP_VAULT_LOCK_MAX_RETENTION = BACKUP_MONTHLY_RETENTION
BACKUP_VAULT_LOCK_GRACE = Duration.days(3)
"""Compliance mode: after these days nobody (root included) can remove or change the lock."""

# Glue and Athena.
GLUE_DATABASE = "safeguarding_case_reviews"
GLUE_TABLE_CHANGES = "case_changes"
GLUE_TABLE_CURRENT = "cases_current"
GLUE_TABLE_SNAPSHOT_CASES = "snapshot_cases"
GLUE_TABLE_SNAPSHOT_RECOMMENDATIONS = "snapshot_recommendations"
# Bridge (caseId, providerCode): a dashboard joins it to apply row-level security per provider.
GLUE_TABLE_SNAPSHOT_CASE_PROVIDERS = "snapshot_case_providers"
PARTITION_DATE_FROM = "2026-01-01"
ATHENA_WORKGROUP = "safeguarding-case-reviews"
ATHENA_QUERIES_DIR = Path(__file__).parent / "queries"
ATHENA_NAMED_QUERIES = {
    "cspr_published_late_by_region": "How many CSPRs were published late, by year and region",
    "rapid_review_on_time_by_quarter_region": "Share of rapid reviews on time, per quarter and region",
    "themes_by_quarter": "Themes per quarter of the decision, by review type and region",
    "overdue_recommendations_by_provider": "Overdue recommendations by owning NHS provider",
}
"""Saved Athena queries over the latest snapshot (``infra/queries/<name>.sql``), a dashboard's
starting points: a test runs each with DuckDB against local extracts and compares the overview."""
ATHENA_BYTES_SCANNED_CUTOFF = 10 * 1024**3

# Alarms.
ALARM_PERIOD = Duration.minutes(5)
API_5XX_MAX_COUNT = 5
API_4XX_MAX_COUNT = 100  # per 5 minutes: well above honest validation errors, below a scan
API_401_MAX_COUNT = 25  # per 5 minutes: expired tokens happen; a burst is credential stuffing
API_P90_LATENCY = Duration.seconds(2)
WAF_MAX_BLOCKED = 50  # per 5 minutes
LAMBDA_MAX_ERRORS = 5
LAMBDA_MAX_THROTTLES = 1
TABLE_MAX_THROTTLED_EVENTS = 0
TABLE_MAX_SYSTEM_ERRORS = 0
STREAM_MAX_ITERATOR_AGE = Duration.minutes(15)
STREAM_ITERATOR_AGE_PERIOD = Duration.hours(1)
"""A slow consumer. The metric exists only while the consumer runs, so no data is no alarm; a
consumer that stopped is the stalled-consumer alarm's."""
STREAM_STALL_PERIOD = Duration.hours(1)
STREAM_STALL_PERIODS = 2
"""Stalled: case writes to the table and no publisher invocation in this many consecutive periods
(two, so writes at the end of an hour published at the start of the next are no stall)."""
DASHBOARD_NAME = "SafeguardingCaseReviewTracker"
UNAUTHORIZED_METRIC = "UnauthorizedRequests"

# The cursor signing key: a generated string in Secrets Manager, rotated by a small function.
CURSOR_KEY_LENGTH = 64
CURSOR_KEY_ROTATION = Duration.days(30)

# Explicit cross-stack exports: their names appear in cdk-nag finding ids (IAM5 on object prefixes),
# so they are fixed here rather than generated.
EXPORT_REPORTING_BUCKET_ARN = "ScrtData-ReportingBucketArn"
EXPORT_FAILED_RECORDS_BUCKET_ARN = "ScrtData-FailedStreamRecordsBucketArn"
EXPORT_AUDIT_ARCHIVE_BUCKET_ARN = "ScrtData-AuditArchiveBucketArn"
"""The Object Lock archive the read audit's daily seals go to (fixed: its prefix is in a finding id)."""

# CDK feature flags, set in code so that `cdk synth` and the tests build the same app.
FEATURE_FLAGS: dict[str, object] = {
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    # Without it CDK names every replication role "CDKReplicationRole": IAM names are account-wide,
    # so a second bucket replicating in the account (another app, another copy) would collide.
    "@aws-cdk/aws-s3:setUniqueReplicationRoleName": True,
    "@aws-cdk/aws-apigateway:disableCloudWatchRole": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/core:target-partitions": ["aws"],
    # Strong references: the data stack cannot drop an export the service stack still uses.
    "@aws-cdk/core:defaultCrossStackReferences": "strong",
}
