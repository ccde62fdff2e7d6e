"""Every name and tunable of the CDK app, defined once.

Table keys and indexes come from ``tracker.dal.schema``, environment variable names from
``tracker.config`` and ``tracker.auth.settings``, routes from ``infra.routes``: this module only holds
what is the infrastructure's own.
"""

from pathlib import Path

from aws_cdk import Duration, aws_lambda, aws_logs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_ROOT = PROJECT_ROOT / "functions"
LAYER_SOURCE = PROJECT_ROOT / "layers" / "shared"
LAYER_REQUIREMENTS = LAYER_SOURCE / "requirements.txt"
LAYER_PACKAGE = "tracker"

# UK-only hosting: London is the only UK region, so nothing is replicated elsewhere.
REGION = "eu-west-2"
APP_TAGS = {
    "service": "safeguarding-case-review-tracker",
    "owner": "nhs-england",
    "data-classification": "special-category",
}

STATEFUL_STACK_ID = "ScrtData"
STATELESS_STACK_ID = "ScrtService"

# Lambda platform. The layer's wheels are resolved for the same interpreter and architecture.
RUNTIME = aws_lambda.Runtime.PYTHON_3_13
RUNTIME_PYTHON_VERSION = "3.13"
ARCHITECTURE = aws_lambda.Architecture.ARM_64
PIP_PLATFORM = "manylinux2014_aarch64"
LOG_RETENTION = aws_logs.RetentionDays.ONE_YEAR
LOG_LEVEL = "INFO"
DEFAULT_MEMORY_MB = 512
DEFAULT_TIMEOUT = Duration.seconds(15)

# Context keys (cdk.json or `cdk synth -c key=value`).
CONTEXT_FUNCTIONS_ROOT = "tracker:functionsRoot"
"""Folder holding one sub-folder per function; tests point it at stubs so they need no real code."""
CONTEXT_API_CLOUDWATCH_ROLE = "tracker:apiGatewayCloudWatchRole"
"""Whether the stack sets API Gateway's account-wide CloudWatch role (execution logging needs one)."""
CONTEXT_ALARM_EMAIL = "tracker:alarmEmail"
"""Optional e-mail address subscribed to the alarm topic."""

# Deploy-time parameters of the service stack: how the identity provider is reached.
PARAM_JWT_ISSUER = "JwtIssuer"
PARAM_JWT_AUDIENCE = "JwtAudience"
PARAM_JWKS_URL = "JwksUrl"
PARAM_ROLE_CLAIM = "RoleClaim"
PARAM_ORG_CLAIM = "OrgClaim"
PARAM_SUB_CLAIM = "SubClaim"

# API Gateway.
API_STAGE = "v1"
API_THROTTLE_RATE = 50  # requests per second, steady state, for the whole stage
API_THROTTLE_BURST = 100
WAF_RATE_LIMIT_PER_5_MIN = 1000  # per source IP

# Reserved concurrency caps each function so one runaway caller cannot starve the others.
RESERVED_CONCURRENCY: dict[str, int] = {
    "submit_case": 20,
    "update_case": 20,
    "query_cases": 40,
    "authorizer": 40,
    "publish_changes": 10,
    "snapshot_extract": 1,
}

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

# Reporting buckets (the extracts' own prefixes and columns live in tracker.extracts).
FAILED_RECORDS_METRICS_ID = "FailedStreamRecords"
ATHENA_RESULTS_PREFIX = "athena-results/"

# Retention.
NONCURRENT_VERSION_EXPIRY = Duration.days(90)
ACCESS_LOG_EXPIRY = Duration.days(400)
ATHENA_RESULTS_EXPIRY = Duration.days(30)
FAILED_RECORDS_EXPIRY = Duration.days(90)
INFREQUENT_ACCESS_AFTER = Duration.days(90)
BACKUP_DAILY_RETENTION = Duration.days(35)
BACKUP_MONTHLY_RETENTION = Duration.days(365)

# Glue and Athena.
GLUE_DATABASE = "safeguarding_case_reviews"
GLUE_TABLE_CHANGES = "case_changes"
GLUE_TABLE_CURRENT = "cases_current"
GLUE_TABLE_SNAPSHOT_CASES = "snapshot_cases"
GLUE_TABLE_SNAPSHOT_RECOMMENDATIONS = "snapshot_recommendations"
PARTITION_DATE_FROM = "2026-01-01"
ATHENA_WORKGROUP = "safeguarding-case-reviews"
ATHENA_BYTES_SCANNED_CUTOFF = 10 * 1024**3

# Alarms.
API_5XX_MAX_COUNT = 5
API_P90_LATENCY = Duration.seconds(2)
LAMBDA_MAX_ERRORS = 5
LAMBDA_MAX_THROTTLES = 1
STREAM_MAX_ITERATOR_AGE = Duration.minutes(15)
DASHBOARD_NAME = "SafeguardingCaseReviewTracker"

# The cursor signing key: a generated string in Secrets Manager.
CURSOR_KEY_LENGTH = 64

# Explicit cross-stack exports: their names appear in cdk-nag finding ids (IAM5 on object prefixes),
# so they are fixed here rather than generated.
EXPORT_REPORTING_BUCKET_ARN = "ScrtData-ReportingBucketArn"
EXPORT_FAILED_RECORDS_BUCKET_ARN = "ScrtData-FailedStreamRecordsBucketArn"

# CDK feature flags, set in code so that `cdk synth` and the tests build the same app.
FEATURE_FLAGS: dict[str, object] = {
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    "@aws-cdk/aws-apigateway:disableCloudWatchRole": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/core:target-partitions": ["aws"],
    # Strong references: the data stack cannot drop an export the service stack still uses.
    "@aws-cdk/core:defaultCrossStackReferences": "strong",
}
