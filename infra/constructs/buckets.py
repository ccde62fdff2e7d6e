"""The one way this app makes a bucket: private, TLS-only, versioned, encrypted, retained."""

from collections.abc import Sequence

from aws_cdk import RemovalPolicy, aws_kms, aws_s3
from constructs import Construct

from infra.nag import HIPAA, NIST, acknowledge

REPLICATION_REASON = (
    "UK-only hosting: eu-west-2 is AWS's only UK region, so cross-region replication would move "
    "special category data out of the UK. Versioning, KMS and (for the tables) PITR and AWS Backup "
    "cover recovery inside the region."
)


def private_bucket(
    scope: Construct,
    construct_id: str,
    *,
    key: aws_kms.IKey | None,
    access_logs: aws_s3.IBucket | None,
    log_prefix: str,
    lifecycle_rules: Sequence[aws_s3.LifecycleRule],
    metrics: Sequence[aws_s3.BucketMetrics] = (),
    object_lock_retention: aws_s3.ObjectLockRetention | None = None,
    replication_rules: Sequence[aws_s3.ReplicationRule] = (),
) -> aws_s3.Bucket:
    bucket = aws_s3.Bucket(
        scope,
        construct_id,
        encryption=aws_s3.BucketEncryption.KMS if key else aws_s3.BucketEncryption.S3_MANAGED,
        encryption_key=key,
        bucket_key_enabled=key is not None,
        block_public_access=aws_s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=aws_s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        minimum_tls_version=1.2,
        versioned=True,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=log_prefix if access_logs else None,
        lifecycle_rules=list(lifecycle_rules),
        metrics=list(metrics) or None,
        object_lock_enabled=True if object_lock_retention else None,
        object_lock_default_retention=object_lock_retention,
        replication_rules=list(replication_rules) or None,
        removal_policy=RemovalPolicy.RETAIN,
    )
    if not replication_rules:
        acknowledge(
            bucket,
            REPLICATION_REASON,
            f"{HIPAA}-S3BucketReplicationEnabled",
            f"{NIST}-S3BucketReplicationEnabled",
        )
    return bucket
