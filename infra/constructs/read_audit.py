"""Who has seen a case: the read audit's table (stateful) and what uses it (stateless).

- ``ReadAuditStore``: a table of its own, keys and indexes from ``tracker.dal.schema``, with
  point-in-time recovery, deletion protection and a retained removal policy; entries expire (its
  time-to-live) only after the retention the settings give (Records Management Code of Practice).
- ``ReadAudit``: the functions that read cases (query_cases, web_app) may only add entries
  (``PutItem``, which the code conditions on the entry not existing; no UpdateItem, DeleteItem or
  BatchWriteItem) and Query a case's entries; the daily ``seal_audit`` Queries a day's entries and
  writes its seal into the Object Lock archive under ``access-seals/``; an alarm fires on any read
  refused because its entry could not be written.
"""

from aws_cdk import (
    Fn,
    RemovalPolicy,
    aws_cloudwatch,
    aws_dynamodb,
    aws_events,
    aws_iam,
    aws_kms,
    aws_lambda,
    aws_s3,
)
from constructs import Construct

from infra import constants
from infra.constructs import permissions
from infra.constructs.function import TrackerFunction
from infra.constructs.monitoring import Monitoring
from infra.constructs.scheduled_function import ScheduledFunction
from infra.deployment import DeploymentConfig
from infra.nag import HIPAA, NIST, acknowledge, iam5_resource
from infra.routes import SEAL_AUDIT
from tracker import settings
from tracker.dal import schema
from tracker.dal.audit import SEAL_PREFIX

APPEND_ONLY_ACTIONS = ("dynamodb:PutItem",)
"""All a function may write to the audit: a new entry (the code refuses overwriting one)."""
QUERY_ACTIONS = ("dynamodb:Query",)


def _string_attribute(name: str) -> aws_dynamodb.Attribute:
    return aws_dynamodb.Attribute(name=name, type=aws_dynamodb.AttributeType.STRING)


class ReadAuditStore(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: aws_kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.key = key
        self.table = aws_dynamodb.TableV2(
            self,
            "AuditTable",
            partition_key=_string_attribute(schema.AUDIT_PARTITION_KEY),
            billing=aws_dynamodb.Billing.on_demand(),
            encryption=aws_dynamodb.TableEncryptionV2.customer_managed_key(key),
            time_to_live_attribute=schema.AUDIT_TTL_ATTRIBUTE,
            global_secondary_indexes=[
                aws_dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name=index.name,
                    partition_key=_string_attribute(index.partition_key),
                    sort_key=_string_attribute(index.sort_key),
                    projection_type=aws_dynamodb.ProjectionType.ALL,
                )
                for index in schema.AUDIT_INDEXES
            ],
            point_in_time_recovery_specification=aws_dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.table,
            "The audit's own evidence against loss or change is point-in-time recovery and the daily "
            "seals, kept under Object Lock in the archive for the audit retention; entries are never "
            "updated, so a backup would hold nothing the seals do not prove.",
            f"{HIPAA}-DynamoDBInBackupPlan",
            f"{NIST}-DynamoDBInBackupPlan",
        )


class ReadAudit(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        store: ReadAuditStore,
        readers: list[TrackerFunction],
        log_key: aws_kms.IKey,
        layer: aws_lambda.ILayerVersion,
        config: DeploymentConfig,
        monitoring: Monitoring,
    ) -> None:
        super().__init__(scope, construct_id)
        # The archive (stateful, SSE-S3) by its fixed export name, as the reporting buckets are.
        archive = aws_s3.Bucket.from_bucket_attributes(
            self, "ArchiveBucket", bucket_arn=Fn.import_value(constants.EXPORT_AUDIT_ARCHIVE_BUCKET_ARN)
        )
        table = store.table
        for reader in readers:
            reader.function.add_environment(settings.AUDIT_TABLE_NAME, table.table_name)
            reader.role.add_to_principal_policy(
                aws_iam.PolicyStatement(actions=list(APPEND_ONLY_ACTIONS), resources=[table.table_arn])
            )
            reader.role.add_to_principal_policy(
                aws_iam.PolicyStatement(
                    actions=list(QUERY_ACTIONS),
                    resources=[f"{table.table_arn}/index/{schema.AUDIT_BY_CASE_INDEX.name}"],
                )
            )
            permissions.grant_key(
                reader.role,
                store.key,
                "dynamodb",
                *permissions.KEY_DECRYPT_ACTIONS,
                *permissions.KEY_ENCRYPT_ACTIONS,
            )
        self._seal(store, archive, log_key, layer, config)
        self._alarms(monitoring)

    def _seal(
        self,
        store: ReadAuditStore,
        archive: aws_s3.IBucket,
        log_key: aws_kms.IKey,
        layer: aws_lambda.ILayerVersion,
        config: DeploymentConfig,
    ) -> None:
        self.seal = ScheduledFunction(
            self,
            name=SEAL_AUDIT,
            description="Seals the day's read audit entries (a hash chain) into the Object Lock archive",
            dead_letters_id="SealDeadLetters",
            config=config,
            layer=layer,
            log_key=log_key,
            environment={
                settings.AUDIT_TABLE_NAME: store.table.table_name,
                settings.AUDIT_ARCHIVE_BUCKET_NAME: archive.bucket_name,
            },
            timeout=constants.AUDIT_SEAL_TIMEOUT,
        )
        role = self.seal.role
        role.add_to_principal_policy(
            aws_iam.PolicyStatement(
                actions=list(QUERY_ACTIONS),
                resources=[f"{store.table.table_arn}/index/{schema.AUDIT_BY_DAY_INDEX.name}"],
            )
        )
        permissions.grant_key(role, store.key, "dynamodb", *permissions.KEY_DECRYPT_ACTIONS)
        # A seal is put with its own retention (compliance mode) and written once (If-None-Match).
        role.add_to_principal_policy(
            aws_iam.PolicyStatement(
                actions=["s3:PutObject", "s3:PutObjectRetention", "s3:GetObject"],
                resources=[archive.arn_for_objects(f"{SEAL_PREFIX}*")],
            )
        )
        acknowledge(
            role,
            "seal_audit writes one seal a day under access-seals/ only (the key names the day).",
            iam5_resource(f"{constants.EXPORT_AUDIT_ARCHIVE_BUCKET_ARN}/{SEAL_PREFIX}*"),
        )
        self.schedule = self.seal.schedule(
            "DailySeal",
            description="Daily seal of the read audit's entries of the UTC day just ended",
            schedule=aws_events.Schedule.cron(
                hour=constants.AUDIT_SEAL_SCHEDULE_HOUR, minute=constants.AUDIT_SEAL_SCHEDULE_MINUTE
            ),
            retry_attempts=constants.AUDIT_SEAL_SCHEDULE_RETRIES,
            max_event_age=constants.AUDIT_SEAL_SCHEDULE_MAX_EVENT_AGE,
        )

    def _alarms(self, monitoring: Monitoring) -> None:
        monitoring.watch_function(self.seal)
        monitoring.alarm(
            self,
            "SealDeadLetters",
            metric=self.seal.dead_letters.metric_approximate_number_of_messages_visible(
                statistic="Maximum", period=constants.ALARM_PERIOD
            ),
            threshold=0,
            description=(
                "A day's read audit was not sealed (the seal failed for good): its entries are not yet "
                "tamper-evident. See the dead-letter queue, then run the seal for that day."
            ),
        )
        monitoring.alarm(
            self,
            "AuditWriteFailures",
            metric=aws_cloudwatch.Metric(
                namespace=settings.METRICS_NAMESPACE,
                metric_name=settings.AUDIT_WRITE_FAILED_METRIC,
                dimensions_map={"service": settings.SERVICE_NAME},
                statistic="Sum",
                period=constants.ALARM_PERIOD,
            ),
            threshold=constants.AUDIT_WRITE_FAILURES_MAX_COUNT,
            description=(
                "Reads of cases are being refused (503): their audit entries cannot be written to the "
                "read audit's table."
            ),
        )
