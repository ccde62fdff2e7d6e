"""The alarm topic, the dashboard, and the ways a feature asks to be watched.

Features own their alarms: ``CaseApi`` and ``Reporting`` call ``watch_function``, ``alarm`` and
friends with their own metrics and thresholds; this construct only makes every alarm look alike
(name prefix, one evaluation rule, notifications to the encrypted topic, on the dashboard).
Platform-wide watches (the tables, AWS Backup jobs, the generated keys' rotations) are here.
"""

from collections.abc import Sequence

import cdk_monitoring_constructs as mon
import jsii
from aws_cdk import (
    Duration,
    Stack,
    aws_cloudwatch,
    aws_cloudwatch_actions,
    aws_dynamodb,
    aws_events,
    aws_iam,
    aws_kms,
    aws_secretsmanager,
    aws_sns,
    aws_sns_subscriptions,
)
from aws_cdk.interfaces import aws_events as events_refs
from constructs import Construct

from infra import constants
from infra.constructs import permissions
from infra.constructs.function import TrackerFunction
from infra.nag import HIPAA, NIST, acknowledge
from tracker import settings

ALARM = "Critical"  # the disambiguator every facade alarm here uses
ALARM_NAME_PREFIX = "Scrt"
BACKUP_FAILURE_STATES = ["FAILED", "ABORTED", "EXPIRED"]
GREATER_THAN = aws_cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD


class Monitoring(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, key: aws_kms.IKey, alarm_email: str | None
    ) -> None:
        super().__init__(scope, construct_id)
        self._key = key
        self._event_publisher: aws_iam.Role | None = None
        self.topic = aws_sns.Topic(
            self,
            "AlarmTopic",
            display_name="Safeguarding Case Review Tracker alarms",
            master_key=key,
            enforce_ssl=True,
        )
        # enforce_ssl gives the topic a policy, and a topic policy replaces SNS's default one: without
        # this statement CloudWatch may not publish, and no alarm notifies anyone. Alarms of this
        # account only; the key policy admits the same (infra.constructs.keys).
        stack = Stack.of(self)
        alarms_of_this_account = f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:*"
        self.topic.add_to_resource_policy(
            aws_iam.PolicyStatement(
                sid="CloudWatchAlarmsOfThisAccountPublish",
                principals=[aws_iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": alarms_of_this_account},
                },
            )
        )
        if alarm_email:
            self.topic.add_subscription(aws_sns_subscriptions.EmailSubscription(alarm_email))
        self._action = aws_cloudwatch_actions.SnsAction(self.topic)

        self.facade = mon.MonitoringFacade(
            self,
            "Facade",
            alarm_factory_defaults=mon.AlarmFactoryDefaults(
                alarm_name_prefix=ALARM_NAME_PREFIX,
                actions_enabled=True,
                action=mon.SnsAlarmActionStrategy(on_alarm_topic=self.topic, on_ok_topic=self.topic),
                datapoints_to_alarm=1,
            ),
            dashboard_factory=mon.DefaultDashboardFactory(
                self,
                "Dashboards",
                dashboard_name_prefix=constants.DASHBOARD_NAME,
                create_dashboard=True,
                create_alarm_dashboard=False,
                create_summary_dashboard=False,
            ),
        )
        self.facade.add_large_header("Safeguarding Case Review Tracker")

    def watch_function(
        self,
        function: TrackerFunction,
        *,
        max_errors: int = constants.LAMBDA_MAX_ERRORS,
        watch_iterator_age: bool = False,
    ) -> None:
        """Errors above ``max_errors`` and any throttle in 5 minutes; for a stream consumer, the
        iterator age (a slow consumer: no data, as in a quiet hour, is no alarm); for a function
        with a dead-letter queue, any failure to write to it."""
        iterator_age = (
            {
                ALARM: mon.MaxAgeThreshold(
                    max_age_in_millis=constants.STREAM_MAX_ITERATOR_AGE.to_milliseconds(),
                    period=constants.STREAM_ITERATOR_AGE_PERIOD,
                    treat_missing_data_override=aws_cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            }
            if watch_iterator_age
            else None
        )
        self.facade.monitor_lambda_function(
            lambda_function=function.function,
            human_readable_name=function.name,
            alarm_friendly_name=function.name,
            add_fault_count_alarm={ALARM: mon.ErrorCountThreshold(max_error_count=max_errors)},
            add_throttles_count_alarm={
                ALARM: mon.ErrorCountThreshold(max_error_count=constants.LAMBDA_MAX_THROTTLES)
            },
            add_max_iterator_age_alarm=iterator_age,
        )
        if function.dead_letter_queue is not None:
            self.alarm(
                function,
                f"{function.node.id}DeadLetterUndelivered",
                metric=aws_cloudwatch.Metric(
                    namespace="AWS/Lambda",
                    metric_name="DeadLetterErrors",
                    dimensions_map={"FunctionName": function.function.function_name},
                    statistic="Sum",
                    period=constants.ALARM_PERIOD,
                ),
                threshold=0,
                description=f"A failed {function.name} invocation could not be written to its dead-letter "
                "queue: the event is lost.",
            )

    @staticmethod
    def service_metric(name: str) -> aws_cloudwatch.Metric:
        """An hourly sum of a metric the functions emit with Powertools (its service dimension)."""
        return aws_cloudwatch.Metric(
            namespace=settings.METRICS_NAMESPACE,
            metric_name=name,
            dimensions_map={"service": settings.SERVICE_NAME},
            statistic="Sum",
            period=Duration.hours(1),
        )

    def alarm(
        self,
        scope: Construct,
        construct_id: str,
        *,
        metric: aws_cloudwatch.Metric | aws_cloudwatch.MathExpression,
        threshold: float,
        comparison: aws_cloudwatch.ComparisonOperator = GREATER_THAN,
        evaluation_periods: int = 1,
        missing_data: aws_cloudwatch.TreatMissingData = aws_cloudwatch.TreatMissingData.NOT_BREACHING,
        description: str,
    ) -> aws_cloudwatch.Alarm:
        """An alarm that fires when every one of ``evaluation_periods`` datapoints breaches (a metric
        or a metric-math expression)."""
        alarm = aws_cloudwatch.Alarm(
            scope,
            f"{construct_id}Alarm",
            alarm_name=f"{ALARM_NAME_PREFIX}-{construct_id}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=evaluation_periods,
            treat_missing_data=missing_data,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.facade.monitor_custom(
            human_readable_name=construct_id,
            alarm_friendly_name=construct_id,
            metric_groups=[mon.CustomMetricGroup(title=construct_id, metrics=[metric])],
        )
        return alarm

    def watch_table(self, table: aws_dynamodb.ITableV2, name: str) -> None:
        """Any throttled request or DynamoDB system error on the table."""
        self.facade.monitor_dynamo_table(
            table=table,
            human_readable_name=name,
            alarm_friendly_name=name,
            add_read_throttled_events_count_alarm={
                ALARM: mon.ThrottledEventsThreshold(
                    max_throttled_events_threshold=constants.TABLE_MAX_THROTTLED_EVENTS
                )
            },
            add_write_throttled_events_count_alarm={
                ALARM: mon.ThrottledEventsThreshold(
                    max_throttled_events_threshold=constants.TABLE_MAX_THROTTLED_EVENTS
                )
            },
            add_system_error_count_alarm={
                ALARM: mon.ErrorCountThreshold(max_error_count=constants.TABLE_MAX_SYSTEM_ERRORS)
            },
        )

    def watch_backup_jobs(self) -> aws_events.Rule:
        """AWS Backup reports each job's end as an event; a failed, aborted or expired job is sent
        to the alarm topic as it happens (there is no job metric to alarm on per vault)."""
        return self._forward_events(
            "BackupJobFailures",
            description="AWS Backup jobs that failed, were aborted or expired",
            event_pattern=aws_events.EventPattern(
                source=["aws.backup"],
                detail_type=["Backup Job State Change"],
                detail={"state": BACKUP_FAILURE_STATES},
            ),
            message=aws_events.RuleTargetInput.from_text(
                f"AWS Backup job {aws_events.EventField.from_path('$.detail.backupJobId')} "
                f"{aws_events.EventField.from_path('$.detail.state')} for "
                f"{aws_events.EventField.from_path('$.detail.resourceArn')}"
            ),
        )

    def watch_rotations(
        self, rotation_function: TrackerFunction, secrets: Sequence[aws_secretsmanager.ISecret]
    ) -> aws_events.Rule:
        """The rotation function's errors and throttles, and each failed rotation of ``secrets``:
        Secrets Manager reports it as a RotationFailed event (its own failures too, such as a
        function it could not invoke, which no function metric shows)."""
        self.watch_function(rotation_function, max_errors=0)
        return self._forward_events(
            "RotationFailures",
            description="Secrets Manager could not rotate one of the generated keys",
            event_pattern=aws_events.EventPattern(
                source=["aws.secretsmanager"],
                detail_type=["AWS Service Event via CloudTrail"],
                detail={
                    "eventSource": ["secretsmanager.amazonaws.com"],
                    "eventName": ["RotationFailed"],
                    "additionalEventData": {"SecretId": [secret.secret_arn for secret in secrets]},
                },
            ),
            message=aws_events.RuleTargetInput.from_text(
                "Secrets Manager could not rotate "
                f"{aws_events.EventField.from_path('$.detail.additionalEventData.SecretId')}: see "
                f"{rotation_function.name}'s logs"
            ),
        )

    def _forward_events(
        self,
        construct_id: str,
        *,
        description: str,
        event_pattern: aws_events.EventPattern,
        message: aws_events.RuleTargetInput,
    ) -> aws_events.Rule:
        """A rule sending each matching event to the alarm topic as it happens."""
        return aws_events.Rule(
            self,
            construct_id,
            description=description,
            event_pattern=event_pattern,
            targets=[_TopicWithRole(self.topic, self._publisher(), message)],
        )

    def _publisher(self) -> aws_iam.Role:
        """The role EventBridge publishes to the alarm topic with, one for every rule here.

        EventBridge publishes with a role of its own (not as the service principal): the topic
        needs no policy for EventBridge at large, and the role uses the topic's key through SNS."""
        if self._event_publisher is None:
            publisher = aws_iam.Role(
                self,
                "EventPublisher",
                assumed_by=aws_iam.ServicePrincipal(
                    "events.amazonaws.com",
                    conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
                ),
                description="EventBridge publishes Backup and Secrets Manager failures to the alarm topic",
            )
            publisher.add_to_principal_policy(
                aws_iam.PolicyStatement(actions=["sns:Publish"], resources=[self.topic.topic_arn])
            )
            permissions.grant_key(publisher, self._key, "sns", "kms:GenerateDataKey", "kms:Decrypt")
            acknowledge(
                publisher,
                "This role is EventBridge's for this construct's rules and its policy is that role's alone.",
                f"{HIPAA}-IAMNoInlinePolicy",
                f"{NIST}-IAMNoInlinePolicy",
            )
            self._event_publisher = publisher
        return self._event_publisher


@jsii.implements(aws_events.IRuleTarget)
class _TopicWithRole:
    """An SNS target published with a given role, granted nothing more (CDK's SnsTopic target
    would also grant the role the topic's key directly, not only through SNS)."""

    def __init__(
        self, topic: aws_sns.ITopic, role: aws_iam.IRole, message: aws_events.RuleTargetInput
    ) -> None:
        self.topic, self.role, self.message = topic, role, message

    def bind(self, rule: events_refs.IRuleRef, id: str | None = None) -> aws_events.RuleTargetConfig:
        del rule, id  # the target is the same whichever rule binds it
        return aws_events.RuleTargetConfig(arn=self.topic.topic_arn, role=self.role, input=self.message)
