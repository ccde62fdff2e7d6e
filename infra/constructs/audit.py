"""Audit trails that outlive the service stack and cannot be deleted early (stateful).

- S3 server access logs land in an unlocked bucket (S3 refuses to deliver server access logs to a
  bucket with Object Lock) and are replicated, as they arrive, into an archive bucket with Object
  Lock in compliance mode: no one, root included, can delete or overwrite a log object before
  the audit-trail retention period ends. Deleting from the landing bucket never reaches the
  archive (delete markers are not replicated).
- The WAF log group: WAF only writes to a group named ``aws-waf-logs-*``, a fixed name, so it lives
  here, retained, and the service stack can be destroyed and redeployed without "already exists".
"""

from typing import cast

from aws_cdk import CfnResource, Duration, Stack, aws_kms, aws_logs, aws_s3
from constructs import Construct

from infra import constants
from infra.checkov import BUCKET_WITHOUT_ACCESS_LOGGING, acknowledge_checkov
from infra.constructs.buckets import private_bucket
from infra.constructs.logs import audit_log_group
from infra.nag import AWS_SOLUTIONS, HIPAA, NIST, acknowledge, iam5_resource

AUDIT_RETENTION = Duration.days(constants.AUDIT_TRAIL_RETENTION_DAYS)


class AuditTrails(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, log_key: aws_kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.access_log_archive = private_bucket(
            self,
            "AccessLogArchive",
            key=None,
            access_logs=None,
            log_prefix="",
            object_lock_retention=aws_s3.ObjectLockRetention.compliance(AUDIT_RETENTION),
            lifecycle_rules=[
                # Locked versions survive these rules until their retention ends; then they go.
                aws_s3.LifecycleRule(
                    id="AfterRetention",
                    expiration=AUDIT_RETENTION.plus(Duration.days(1)),
                    noncurrent_version_expiration=Duration.days(1),
                )
            ],
        )
        self.access_logs = private_bucket(
            self,
            "AccessLogs",
            key=None,
            access_logs=None,
            log_prefix="",
            lifecycle_rules=[
                aws_s3.LifecycleRule(
                    id="LandingOnly",
                    expiration=constants.ACCESS_LOG_LANDING_EXPIRY,
                    noncurrent_version_expiration=constants.ACCESS_LOG_LANDING_EXPIRY,
                )
            ],
            replication_rules=[
                aws_s3.ReplicationRule(
                    destination=self.access_log_archive,
                    priority=0,
                    delete_marker_replication=False,
                )
            ],
        )
        replication_role = self.access_logs.node.find_child("ReplicationRole")
        acknowledge(
            replication_role,
            "S3 replication reads every new log object of the landing bucket and writes its replica "
            "into the archive: object keys are named by S3 at delivery time, so both are bucket/*.",
            iam5_resource(f"<{self._logical_id(self.access_logs)}.Arn>/*"),
            iam5_resource(f"<{self._logical_id(self.access_log_archive)}.Arn>/*"),
        )
        acknowledge(
            replication_role,
            "CDK makes this role for the bucket's replication only; its policy is that role's alone.",
            f"{HIPAA}-IAMNoInlinePolicy",
            f"{NIST}-IAMNoInlinePolicy",
        )
        for bucket in (self.access_logs, self.access_log_archive):
            acknowledge(
                bucket,
                "This bucket holds the S3 server access logs themselves (the landing bucket or its "
                "locked archive); logging it into a log bucket would loop.",
                f"{AWS_SOLUTIONS}-S1",
                f"{HIPAA}-S3BucketLoggingEnabled",
                f"{NIST}-S3BucketLoggingEnabled",
            )
            acknowledge(
                bucket,
                "S3 server access logging delivers only to buckets encrypted with SSE-S3, and the "
                "archive keeps the encryption of the objects it replicates.",
                f"{HIPAA}-S3DefaultEncryptionKMS",
                f"{NIST}-S3DefaultEncryptionKMS",
            )
            acknowledge_checkov(cast(CfnResource, bucket.node.default_child), BUCKET_WITHOUT_ACCESS_LOGGING)

        self.waf_logs: aws_logs.LogGroup = audit_log_group(
            self, "WafLogs", log_key, constants.WAF_LOG_GROUP_NAME
        )

    @staticmethod
    def _logical_id(bucket: aws_s3.Bucket) -> str:
        return Stack.of(bucket).resolve(cast(CfnResource, bucket.node.default_child).logical_id)
