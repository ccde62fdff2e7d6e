"""Reporting, end to end (stateless): publish_changes on the table stream with its failure
destination, snapshot_extract on a daily schedule with its dead-letter queue, the operator's
redrive_stream_failures over that failure destination, their grants, alarms and acknowledgements.
The buckets and catalogue they write to are ``ReportingStore``'s.
"""

import jsii
from aws_cdk import (
    Fn,
    aws_cloudwatch,
    aws_events,
    aws_iam,
    aws_kms,
    aws_lambda,
    aws_s3,
)
from constructs import Construct

from infra import constants
from infra.constructs import permissions
from infra.constructs.case_store import CaseStore
from infra.constructs.function import TrackerFunction, app_function_code
from infra.constructs.monitoring import Monitoring
from infra.constructs.scheduled_function import ScheduledFunction
from infra.deployment import DeploymentConfig
from infra.nag import acknowledge, iam5_resource
from infra.routes import PUBLISH_CHANGES, REDRIVE_STREAM_FAILURES, SNAPSHOT_EXTRACT
from tracker import settings
from tracker.dal import schema
from tracker.dal.case_stream import EVENT_SOURCE_FILTER_PATTERN
from tracker.extracts import keys as extract_keys
from tracker.extracts import summary as extract_summary


@jsii.implements(aws_lambda.IEventSourceDlq)
class FailedRecordsBucket:
    """The stream's on-failure destination, granted only what Lambda needs to write there.

    CDK's S3OnFailureDestination grants read, list, delete (versions included), retention and legal
    hold on the bucket; these records are whole case images with restricted text, so the consumer
    may only put objects, list the bucket (Lambda checks it exists) and make data keys for them.
    """

    def __init__(self, bucket: aws_s3.IBucket, key: aws_kms.IKey) -> None:
        self.bucket = bucket
        self.key = key

    def bind(
        self, _target: aws_lambda.IEventSourceMapping, target_handler: aws_lambda.IFunction
    ) -> aws_lambda.DlqDestinationConfig:
        role = target_handler.role
        if role is None:
            raise ValueError("the stream consumer needs an execution role")
        role.add_to_principal_policy(
            aws_iam.PolicyStatement(actions=["s3:PutObject"], resources=[self.bucket.arn_for_objects("*")])
        )
        role.add_to_principal_policy(
            aws_iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn])
        )
        permissions.grant_key(role, self.key, "s3", "kms:GenerateDataKey")
        return aws_lambda.DlqDestinationConfig(destination=self.bucket.bucket_arn)


class Reporting(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        store: CaseStore,
        data_key: aws_kms.IKey,
        reporting_key: aws_kms.IKey,
        log_key: aws_kms.IKey,
        layer: aws_lambda.ILayerVersion,
        config: DeploymentConfig,
        monitoring: Monitoring,
    ) -> None:
        super().__init__(scope, construct_id)
        # Imported by fixed export names, so grants on their prefixes have stable cdk-nag ids.
        self.extracts = aws_s3.Bucket.from_bucket_attributes(
            self,
            "ExtractsBucket",
            bucket_arn=Fn.import_value(constants.EXPORT_REPORTING_BUCKET_ARN),
            encryption_key=reporting_key,
        )
        self.failed_records = aws_s3.Bucket.from_bucket_attributes(
            self,
            "FailedStreamRecordsBucket",
            bucket_arn=Fn.import_value(constants.EXPORT_FAILED_RECORDS_BUCKET_ARN),
            encryption_key=data_key,
        )
        environment = {
            settings.CASES_TABLE_NAME: store.cases_table.table_name,
            settings.REPORTING_BUCKET_NAME: self.extracts.bucket_name,
            settings.SAR_COMPLETION_MONTHS: str(config.sar_completion_months),
        }
        self._publisher(store, data_key, reporting_key, log_key, layer, config, environment)
        self._snapshot(store, data_key, reporting_key, log_key, layer, config, environment)
        self._redrive(store, data_key, reporting_key, log_key, layer, config, environment)
        self._alarms(monitoring, store)

    def _publisher(
        self,
        store: CaseStore,
        data_key: aws_kms.IKey,
        reporting_key: aws_kms.IKey,
        log_key: aws_kms.IKey,
        layer: aws_lambda.ILayerVersion,
        config: DeploymentConfig,
        environment: dict[str, str],
    ) -> None:
        self.publish = TrackerFunction(
            self,
            name=PUBLISH_CHANGES,
            description="Writes changes/ and current/ extracts from the cases table stream",
            code=app_function_code(config.functions_root, PUBLISH_CHANGES),
            layer=layer,
            log_key=log_key,
            reserved_concurrency=config.reserved_concurrency[PUBLISH_CHANGES],
            environment=environment,
            timeout=constants.PUBLISH_TIMEOUT,
        )
        self.publish.acknowledge_synchronous(
            "by the table stream's event source mapping, whose on-failure destination is the "
            "failed-records bucket"
        )
        role = self.publish.role
        permissions.grant_table_read(role, store.cases_table, data_key)
        # One object per case version under changes/; current/ holds the latest version of each
        # case, and moving a case (region or ICB changed) deletes its old current/ object.
        permissions.grant_objects_put(
            role, self.extracts, reporting_key, extract_keys.CHANGES_PREFIX, extract_keys.CURRENT_PREFIX
        )
        permissions.grant_objects_delete(role, self.extracts, extract_keys.CURRENT_PREFIX)
        # current/ is written only over an older version: the stored one is read first (maybe absent).
        permissions.grant_objects_read(role, self.extracts, f"{extract_keys.CURRENT_PREFIX}*")
        acknowledge(
            role,
            "publish_changes writes objects under its own two prefixes and deletes under current/ "
            "only: one object per case version or case, named at run time.",
            *(
                iam5_resource(f"{constants.EXPORT_REPORTING_BUCKET_ARN}/{prefix}*")
                for prefix in (extract_keys.CHANGES_PREFIX, extract_keys.CURRENT_PREFIX)
            ),
        )
        # The mapping and its grants spelt out (not DynamoEventSource): CDK's stream grant would let
        # the role decrypt with the table's key directly, not only through DynamoDB.
        stream_arn = store.cases_table.table_stream_arn
        if stream_arn is None:
            raise ValueError("the cases table needs its stream")
        role.add_to_principal_policy(
            aws_iam.PolicyStatement(
                actions=["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                resources=[stream_arn],
            )
        )
        role.add_to_principal_policy(
            aws_iam.PolicyStatement(actions=["dynamodb:ListStreams"], resources=["*"])
        )
        acknowledge(
            role,
            "dynamodb:ListStreams, like X-Ray's PutTraceSegments and PutTelemetryRecords, supports no "
            "resource-level permission: Resource * is the only form AWS accepts.",
            iam5_resource("*"),
        )
        permissions.grant_key(role, data_key, "dynamodb", "kms:Decrypt")
        self.event_source = aws_lambda.EventSourceMapping(
            self,
            "CaseChanges",
            target=self.publish.function,
            event_source_arn=stream_arn,
            starting_position=aws_lambda.StartingPosition.TRIM_HORIZON,
            batch_size=constants.STREAM_BATCH_SIZE,
            max_batching_window=constants.STREAM_MAX_BATCHING_WINDOW,
            bisect_batch_on_error=True,
            report_batch_item_failures=True,
            retry_attempts=constants.STREAM_RETRY_ATTEMPTS,
            max_record_age=constants.STREAM_MAX_RECORD_AGE,
            parallelization_factor=constants.STREAM_PARALLELIZATION,
            on_failure=FailedRecordsBucket(self.failed_records, data_key),
            support_s3_on_failure_destination=True,
            # Only case items reach the publisher: the one pattern the publisher's tests check
            # against real stream records (history items and counters never cost an invocation).
            filters=[aws_lambda.FilterCriteria.filter(EVENT_SOURCE_FILTER_PATTERN)],
        )
        # The role's grants must exist before Lambda validates the mapping.
        self.event_source.node.add_dependency(role)
        acknowledge(
            role,
            "The stream's on-failure destination writes one object per failed batch, named by Lambda "
            "at run time, into the failed-records bucket (put only: no read, list of objects or delete).",
            iam5_resource(f"{constants.EXPORT_FAILED_RECORDS_BUCKET_ARN}/*"),
        )

    def _snapshot(
        self,
        store: CaseStore,
        data_key: aws_kms.IKey,
        reporting_key: aws_kms.IKey,
        log_key: aws_kms.IKey,
        layer: aws_lambda.ILayerVersion,
        config: DeploymentConfig,
        environment: dict[str, str],
    ) -> None:
        # The schedules invoke the snapshot asynchronously: invocations that fail after Lambda's
        # retries, and events EventBridge cannot deliver, land in its dead-letter queue.
        self.snapshot = ScheduledFunction(
            self,
            name=SNAPSHOT_EXTRACT,
            description="Writes the daily whole-collection snapshot under snapshots/",
            dead_letters_id="SnapshotDeadLetters",
            config=config,
            layer=layer,
            log_key=log_key,
            environment=environment,
            timeout=constants.SNAPSHOT_TIMEOUT,
            memory_size=constants.SNAPSHOT_MEMORY_MB,
        )
        role = self.snapshot.role
        permissions.grant_table_read(role, store.cases_table, data_key, schema.INDEXES)
        permissions.grant_objects_put(role, self.extracts, reporting_key, extract_keys.SNAPSHOTS_PREFIX)
        # It streams each table in parts and aborts the upload when the run fails.
        role.add_to_principal_policy(
            aws_iam.PolicyStatement(
                actions=["s3:AbortMultipartUpload"],
                resources=[self.extracts.arn_for_objects(f"{extract_keys.SNAPSHOTS_PREFIX}*")],
            )
        )
        acknowledge(
            role,
            "snapshot_extract writes objects under snapshots/ only, one folder per day.",
            iam5_resource(f"{constants.EXPORT_REPORTING_BUCKET_ARN}/{extract_keys.SNAPSHOTS_PREFIX}*"),
        )
        self.schedule = self.snapshot.schedule(
            "DailySnapshot",
            description="Daily whole-collection snapshot of the case reviews",
            schedule=aws_events.Schedule.cron(
                hour=constants.SNAPSHOT_SCHEDULE_HOUR, minute=constants.SNAPSHOT_SCHEDULE_MINUTE
            ),
            retry_attempts=constants.SNAPSHOT_SCHEDULE_RETRIES,
            max_event_age=constants.SNAPSHOT_SCHEDULE_MAX_EVENT_AGE,
        )
        # The overview's summary alone, hourly: the same function, its own flag and metric.
        self.summary_schedule = self.snapshot.schedule(
            "HourlySummary",
            description="Hourly overview summary of the case reviews (no tables)",
            schedule=aws_events.Schedule.rate(constants.SUMMARY_SCHEDULE_RATE),
            event={extract_summary.SUMMARY_ONLY: True},
            retry_attempts=constants.SNAPSHOT_SCHEDULE_RETRIES,
            # A late hourly run is overtaken by the next one.
            max_event_age=constants.SUMMARY_SCHEDULE_RATE,
        )

    def _redrive(
        self,
        store: CaseStore,
        data_key: aws_kms.IKey,
        reporting_key: aws_kms.IKey,
        log_key: aws_kms.IKey,
        layer: aws_lambda.ILayerVersion,
        config: DeploymentConfig,
        environment: dict[str, str],
    ) -> None:
        """Run by an operator after the StreamFailedRecords alarm: republishes the named cases."""
        self.redrive = TrackerFunction(
            self,
            name=REDRIVE_STREAM_FAILURES,
            description="Operator-invoked: republishes the cases of stream batches that failed for good",
            code=app_function_code(config.functions_root, REDRIVE_STREAM_FAILURES),
            layer=layer,
            log_key=log_key,
            reserved_concurrency=config.reserved_concurrency[REDRIVE_STREAM_FAILURES],
            environment={**environment, settings.FAILED_RECORDS_BUCKET_NAME: self.failed_records.bucket_name},
            timeout=constants.REDRIVE_TIMEOUT,
        )
        self.redrive.acknowledge_synchronous("by an operator, who reads its answer and its logs")
        role = self.redrive.role
        permissions.grant_table_read(role, store.cases_table, data_key)
        permissions.grant_objects_put(
            role, self.extracts, reporting_key, extract_keys.CHANGES_PREFIX, extract_keys.CURRENT_PREFIX
        )
        permissions.grant_objects_delete(role, self.extracts, extract_keys.CURRENT_PREFIX)
        # current/ is written only over an older version: the stored one is read first (maybe absent).
        permissions.grant_objects_read(role, self.extracts, f"{extract_keys.CURRENT_PREFIX}*")
        # It reads each failure record and deletes it once its cases are republished: the records
        # hold whole case images, which should not outlive their use.
        role.add_to_principal_policy(
            aws_iam.PolicyStatement(
                actions=["s3:GetObject", "s3:DeleteObject"],
                resources=[self.failed_records.arn_for_objects("*")],
            )
        )
        role.add_to_principal_policy(
            aws_iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.failed_records.bucket_arn])
        )
        permissions.grant_key(role, data_key, "s3", "kms:Decrypt")
        acknowledge(
            role,
            "redrive_stream_failures reads and deletes the failure records Lambda names at run time, and "
            "rewrites extracts under changes/ and current/ only, like publish_changes.",
            iam5_resource(f"{constants.EXPORT_FAILED_RECORDS_BUCKET_ARN}/*"),
            *(
                iam5_resource(f"{constants.EXPORT_REPORTING_BUCKET_ARN}/{prefix}*")
                for prefix in (extract_keys.CHANGES_PREFIX, extract_keys.CURRENT_PREFIX)
            ),
        )

    def _alarms(self, monitoring: Monitoring, store: CaseStore) -> None:
        monitoring.watch_function(self.publish, watch_iterator_age=True)
        # A stalled consumer reports no iterator age at all: alarm when cases are written (each
        # change is one transaction on the table; contacts changes are too, and rare) while the
        # publisher is never invoked, hour after hour.
        monitoring.alarm(
            self,
            "StreamConsumerStalled",
            metric=aws_cloudwatch.MathExpression(
                expression="IF(FILL(writes, 0) > 0 AND FILL(invocations, 0) == 0, 1, 0)",
                using_metrics={
                    "writes": aws_cloudwatch.Metric(
                        namespace="AWS/DynamoDB",
                        metric_name="SuccessfulRequestLatency",
                        dimensions_map={
                            "TableName": store.cases_table.table_name,
                            "Operation": "TransactWriteItems",
                        },
                        statistic="SampleCount",
                        period=constants.STREAM_STALL_PERIOD,
                    ),
                    "invocations": aws_cloudwatch.Metric(
                        namespace="AWS/Lambda",
                        metric_name="Invocations",
                        dimensions_map={"FunctionName": self.publish.function.function_name},
                        statistic="Sum",
                        period=constants.STREAM_STALL_PERIOD,
                    ),
                },
                period=constants.STREAM_STALL_PERIOD,
                label="Hours with case writes and no publisher invocation",
            ),
            threshold=0,
            evaluation_periods=constants.STREAM_STALL_PERIODS,
            description="Cases were written but publish_changes never ran: the stream's event source "
            "mapping is stalled (disabled, or refused the stream or its key); the extracts fall behind.",
        )
        # A once-a-day job: one error is the day's snapshot failing.
        monitoring.watch_function(self.snapshot, max_errors=0)
        monitoring.watch_function(self.redrive, max_errors=0)

        def lambda_metric(function: TrackerFunction, name: str) -> aws_cloudwatch.Metric:
            return aws_cloudwatch.Metric(
                namespace="AWS/Lambda",
                metric_name=name,
                dimensions_map={"FunctionName": function.function.function_name},
                statistic="Sum",
                period=constants.ALARM_PERIOD,
            )

        monitoring.alarm(
            self,
            "StreamFailureDestinationUndelivered",
            metric=lambda_metric(self.publish, "DestinationDeliveryFailures"),
            threshold=0,
            description="Lambda could not write a failed stream batch to the failed-records bucket: "
            "those changes are lost from the extracts until replayed.",
        )
        monitoring.alarm(
            self,
            "StreamFailedRecords",
            metric=aws_cloudwatch.Metric(
                namespace="AWS/S3",
                metric_name="PutRequests",
                dimensions_map={
                    "BucketName": self.failed_records.bucket_name,
                    "FilterId": constants.FAILED_RECORDS_METRICS_ID,
                },
                statistic="Sum",
                period=constants.ALARM_PERIOD,
            ),
            threshold=0,
            description="publish_changes gave up on a stream batch: it is in the failed-records bucket.",
        )
        monitoring.alarm(
            self,
            "SnapshotDeadLetters",
            metric=self.snapshot.dead_letters.metric_approximate_number_of_messages_visible(
                statistic="Maximum", period=constants.ALARM_PERIOD
            ),
            threshold=0,
            description="A snapshot invocation or schedule event failed for good: see the dead-letter queue.",
        )
        monitoring.alarm(
            self,
            "SnapshotCasesRejected",
            metric=monitoring.service_metric(constants.SNAPSHOT_REJECTED_METRIC),
            threshold=0,
            description="The snapshot left out case items the model rejects: the dashboards miss them.",
        )
        monitoring.alarm(
            self,
            "NoFreshSummary",
            metric=monitoring.service_metric(constants.SUMMARY_METRIC),
            threshold=1,
            comparison=aws_cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=constants.SUMMARY_MAX_SILENCE_HOURS,
            missing_data=aws_cloudwatch.TreatMissingData.BREACHING,
            description=f"No overview summary in {constants.SUMMARY_MAX_SILENCE_HOURS} hours: the overview "
            "is older than it says it may be.",
        )
        monitoring.alarm(
            self,
            "NoSnapshot",
            metric=monitoring.service_metric(constants.SNAPSHOT_METRIC),
            threshold=1,
            comparison=aws_cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=constants.SNAPSHOT_MAX_SILENCE_HOURS,
            missing_data=aws_cloudwatch.TreatMissingData.BREACHING,
            description=f"No snapshot written in {constants.SNAPSHOT_MAX_SILENCE_HOURS} hours.",
        )
