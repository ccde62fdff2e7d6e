"""The alarm topic, the dashboard, and the ways a feature asks to be watched.

Features own their alarms: ``CaseApi`` and ``Reporting`` call ``watch_function``, ``alarm`` and
friends with their own metrics and thresholds; this construct only makes every alarm look alike
(name prefix, one evaluation rule, notifications to the encrypted topic, on the dashboard).
Platform-wide watches (the tables, AWS Backup jobs) are here.
"""

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
        self.topic = aws_sns.Topic(
            self,
            "AlarmTopic",
            display_name="Safeguarding Case Review Tracker alarms",
            master_key=key,
            enforce_ssl=True,
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
        iterator age (missing data breaching: a consumer that stopped reading reports nothing)."""
        iterator_age = (
            {
                ALARM: mon.MaxAgeThreshold(
                    max_age_in_millis=constants.STREAM_MAX_ITERATOR_AGE.to_milliseconds(),
                    period=constants.STREAM_ITERATOR_AGE_PERIOD,
                    treat_missing_data_override=aws_cloudwatch.TreatMissingData.BREACHING,
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
        metric: aws_cloudwatch.Metric,
        threshold: float,
        comparison: aws_cloudwatch.ComparisonOperator = GREATER_THAN,
        evaluation_periods: int = 1,
        missing_data: aws_cloudwatch.TreatMissingData = aws_cloudwatch.TreatMissingData.NOT_BREACHING,
        description: str,
    ) -> aws_cloudwatch.Alarm:
        """An alarm that fires when every one of ``evaluation_periods`` datapoints breaches."""
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

    def watch_backup_jobs(self, key: aws_kms.IKey) -> aws_events.Rule:
        """AWS Backup reports each job's end as an event; a failed, aborted or expired job is sent
        to the alarm topic as it happens (there is no job metric to alarm on per vault).

        EventBridge publishes with a role of its own (not as the service principal): the topic
        needs no policy for EventBridge at large, and the role uses the topic's key through SNS."""
        publisher = aws_iam.Role(
            self,
            "BackupJobFailuresPublisher",
            assumed_by=aws_iam.ServicePrincipal(
                "events.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            ),
            description="EventBridge publishes AWS Backup job failures to the alarm topic",
        )
        publisher.add_to_principal_policy(
            aws_iam.PolicyStatement(actions=["sns:Publish"], resources=[self.topic.topic_arn])
        )
        permissions.grant_key(publisher, key, "sns", "kms:GenerateDataKey", "kms:Decrypt")
        acknowledge(
            publisher,
            "This role is EventBridge's for one rule and its policy is that role's alone.",
            f"{HIPAA}-IAMNoInlinePolicy",
            f"{NIST}-IAMNoInlinePolicy",
        )
        return aws_events.Rule(
            self,
            "BackupJobFailures",
            description="AWS Backup jobs that failed, were aborted or expired",
            event_pattern=aws_events.EventPattern(
                source=["aws.backup"],
                detail_type=["Backup Job State Change"],
                detail={"state": BACKUP_FAILURE_STATES},
            ),
            targets=[
                _TopicWithRole(
                    self.topic,
                    publisher,
                    aws_events.RuleTargetInput.from_text(
                        f"AWS Backup job {aws_events.EventField.from_path('$.detail.backupJobId')} "
                        f"{aws_events.EventField.from_path('$.detail.state')} for "
                        f"{aws_events.EventField.from_path('$.detail.resourceArn')}"
                    ),
                )
            ],
        )


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
