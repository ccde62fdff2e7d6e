"""Dashboard and alarms (cdk-monitoring-constructs), sent to an encrypted SNS topic."""

from collections.abc import Mapping

import cdk_monitoring_constructs as mon
from aws_cdk import (
    Duration,
    aws_apigateway,
    aws_cloudwatch,
    aws_kms,
    aws_lambda,
    aws_s3,
    aws_sns,
    aws_sns_subscriptions,
)
from constructs import Construct

from infra import constants

ALARM = "Critical"  # the disambiguator every alarm here uses


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: aws_apigateway.RestApi,
        functions: Mapping[str, aws_lambda.IFunction],
        stream_consumer: str,
        failed_records: aws_s3.IBucket,
        key: aws_kms.IKey,
        alarm_email: str | None,
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

        self.facade = mon.MonitoringFacade(
            self,
            "Facade",
            alarm_factory_defaults=mon.AlarmFactoryDefaults(
                alarm_name_prefix="Scrt",
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
        self.facade.monitor_api_gateway(
            api=api,
            api_stage=api.deployment_stage.stage_name,
            human_readable_name="Case API",
            alarm_friendly_name="Api",
            add5_xx_fault_count_alarm={
                ALARM: mon.ErrorCountThreshold(max_error_count=constants.API_5XX_MAX_COUNT)
            },
            add_latency_p90_alarm={ALARM: mon.LatencyThreshold(max_latency=constants.API_P90_LATENCY)},
        )
        for name, function in functions.items():
            iterator_age = (
                {
                    ALARM: mon.MaxAgeThreshold(
                        max_age_in_millis=constants.STREAM_MAX_ITERATOR_AGE.to_milliseconds()
                    )
                }
                if name == stream_consumer
                else None
            )
            self.facade.monitor_lambda_function(
                lambda_function=function,
                human_readable_name=name,
                alarm_friendly_name=name,
                add_fault_count_alarm={
                    ALARM: mon.ErrorCountThreshold(max_error_count=constants.LAMBDA_MAX_ERRORS)
                },
                add_throttles_count_alarm={
                    ALARM: mon.ErrorCountThreshold(max_error_count=constants.LAMBDA_MAX_THROTTLES)
                },
                add_max_iterator_age_alarm=iterator_age,
            )

        # Every object in the failed-records bucket is a batch the publisher gave up on.
        failed_puts = aws_cloudwatch.Metric(
            namespace="AWS/S3",
            metric_name="PutRequests",
            dimensions_map={
                "BucketName": failed_records.bucket_name,
                "FilterId": constants.FAILED_RECORDS_METRICS_ID,
            },
            statistic="Sum",
            period=Duration.minutes(5),
            label="Failed stream batches written",
        )
        self.facade.monitor_custom(
            human_readable_name="Stream failure destination",
            alarm_friendly_name="StreamFailures",
            metric_groups=[
                mon.CustomMetricGroup(
                    title="Failed stream records",
                    metrics=[
                        mon.CustomMetricWithAlarm(
                            metric=failed_puts,
                            alarm_friendly_name="FailedStreamRecords",
                            add_alarm={
                                ALARM: mon.CustomThreshold(
                                    threshold=0,
                                    comparison_operator=aws_cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                                    treat_missing_data_override=aws_cloudwatch.TreatMissingData.NOT_BREACHING,
                                )
                            },
                        )
                    ],
                )
            ],
        )
