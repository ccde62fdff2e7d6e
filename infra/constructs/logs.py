"""Log groups as every log here must be: encrypted with the operations key and kept when the stack goes."""

from aws_cdk import RemovalPolicy, aws_kms, aws_logs
from constructs import Construct

from infra import constants


def audit_log_group(
    scope: Construct, construct_id: str, log_key: aws_kms.IKey, log_group_name: str | None = None
) -> aws_logs.LogGroup:
    """Who did what (API access, WAF decisions): kept for the audit-trail retention period."""
    return _log_group(scope, construct_id, log_key, constants.AUDIT_LOG_RETENTION, log_group_name)


def operational_log_group(scope: Construct, construct_id: str, log_key: aws_kms.IKey) -> aws_logs.LogGroup:
    """A function's own logs (no case data is logged): kept a year."""
    return _log_group(scope, construct_id, log_key, constants.OPERATIONAL_LOG_RETENTION, None)


def _log_group(
    scope: Construct,
    construct_id: str,
    log_key: aws_kms.IKey,
    retention: aws_logs.RetentionDays,
    log_group_name: str | None,
) -> aws_logs.LogGroup:
    # Retained: logs are evidence. A retained group in the stateless stack never has a fixed name,
    # so destroying and redeploying that stack never meets "already exists".
    return aws_logs.LogGroup(
        scope,
        construct_id,
        log_group_name=log_group_name,
        encryption_key=log_key,
        retention=retention,
        removal_policy=RemovalPolicy.RETAIN,
    )
