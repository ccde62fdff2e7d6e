"""Weekly overdue reminders: EventBridge Scheduler (Monday 07:00 London time) invokes send_reminders,
which sends each ICB's digest through GOV.UK Notify, at most once per ICB and ISO week.

The function reads each ICB's due cases by Query, claims the ICB's week in the cases table before
sending (so a retry or a second run sends nothing twice), and emits a metric per digest sent and
per failure; a failure, an error or an event that never arrives raises an alarm.
"""

from aws_cdk import (
    CfnParameter,
    Stack,
    TimeZone,
    aws_iam,
    aws_kms,
    aws_lambda,
    aws_scheduler,
    aws_scheduler_targets,
    aws_secretsmanager,
)
from constructs import Construct

from infra import constants
from infra.constructs import permissions
from infra.constructs.case_store import CaseStore
from infra.constructs.function import TrackerFunction, app_function_code
from infra.constructs.monitoring import Monitoring
from infra.constructs.queues import dead_letter_queue
from infra.deployment import DeploymentConfig
from infra.nag import HIPAA, NIST, acknowledge, iam5_resource
from infra.routes import SEND_REMINDERS
from tracker import settings
from tracker.dal import schema


class Reminders(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        store: CaseStore,
        notify_api_key: aws_secretsmanager.ISecret,
        data_key: aws_kms.IKey,
        log_key: aws_kms.IKey,
        layer: aws_lambda.ILayerVersion,
        config: DeploymentConfig,
        monitoring: Monitoring,
        web_base_url: str,
    ) -> None:
        super().__init__(scope, construct_id)
        template_id = CfnParameter(
            Stack.of(self),
            constants.PARAM_NOTIFY_DIGEST_TEMPLATE_ID,
            type="String",
            allowed_pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
            description="GOV.UK Notify template id of the weekly overdue digest (a UUID)",
        )
        regional_template_id = CfnParameter(
            Stack.of(self),
            constants.PARAM_NOTIFY_REGIONAL_DIGEST_TEMPLATE_ID,
            type="String",
            default="",
            allowed_pattern=r"^$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
            description=(
                "GOV.UK Notify template id of a region's weekly digest of the DHRs waiting for its answer "
                "(a UUID); empty: no region's digest is sent"
            ),
        )
        self.dead_letters = dead_letter_queue(self, "DeadLetters", key=log_key, function_name=SEND_REMINDERS)
        self.function = TrackerFunction(
            self,
            name=SEND_REMINDERS,
            description="Weekly: each ICB's overdue digest through GOV.UK Notify, once per ICB and week",
            code=app_function_code(config.functions_root, SEND_REMINDERS),
            layer=layer,
            log_key=log_key,
            reserved_concurrency=config.reserved_concurrency[SEND_REMINDERS],
            environment={
                settings.CASES_TABLE_NAME: store.cases_table.table_name,
                settings.SAR_COMPLETION_MONTHS: str(config.sar_completion_months),
                settings.NOTIFY_API_KEY_SECRET_ARN: notify_api_key.secret_arn,
                settings.NOTIFY_DIGEST_TEMPLATE_ID: template_id.value_as_string,
                settings.NOTIFY_REGIONAL_DIGEST_TEMPLATE_ID: regional_template_id.value_as_string,
                settings.WEB_BASE_URL: web_base_url,
            },
            timeout=constants.REMINDER_TIMEOUT,
            dead_letter_queue=self.dead_letters,
            dead_letter_key=log_key,
        )
        self.function.function.configure_async_invoke(retry_attempts=constants.REMINDER_ASYNC_RETRIES)
        role = self.function.role
        # Reads contacts and due cases by Query; writes only the weeks' ledger items.
        permissions.grant_table_read(role, store.cases_table, data_key, schema.INDEXES)
        permissions.grant_table_write_under(role, store.cases_table, data_key, schema.REMINDER_PK_PREFIX)
        permissions.grant_secret_read(role, notify_api_key, data_key)
        self.schedule = aws_scheduler.Schedule(
            self,
            "Weekly",
            description="Weekly overdue reminders to each ICB's safeguarding contacts",
            schedule=aws_scheduler.ScheduleExpression.cron(
                **constants.REMINDER_SCHEDULE, time_zone=TimeZone.of(constants.REMINDER_TIME_ZONE)
            ),
            target=aws_scheduler_targets.LambdaInvoke(
                self.function.function,
                role=self._scheduler_role(log_key),
                dead_letter_queue=self.dead_letters,
                retry_attempts=constants.REMINDER_SCHEDULE_RETRIES,
                max_event_age=constants.REMINDER_SCHEDULE_MAX_EVENT_AGE,
            ),
        )
        self._alarms(monitoring)

    def _scheduler_role(self, queue_key: aws_kms.IKey) -> aws_iam.Role:
        """The role the schedule invokes the function with, of this account only; it also sends
        undeliverable events to the dead-letter queue, which is encrypted with ``queue_key``."""
        role = aws_iam.Role(
            self,
            "SchedulerRole",
            assumed_by=aws_iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            ),
            description="EventBridge Scheduler invokes send_reminders weekly with this role",
        )
        permissions.grant_key(role, queue_key, "sqs", "kms:GenerateDataKey", "kms:Decrypt")
        acknowledge(
            role,
            "The schedule's own role; the policy inline on it is that role's alone.",
            f"{HIPAA}-IAMNoInlinePolicy",
            f"{NIST}-IAMNoInlinePolicy",
        )
        acknowledge(
            role,
            "lambda:InvokeFunction on the function's versions (<arn>:*) is how CDK grants invoking a "
            "function; the schedule invokes only send_reminders.",
            iam5_resource(f"<{Stack.of(self).resolve(self.function.cfn_function.logical_id)}.Arn>:*"),
        )
        return role

    def _alarms(self, monitoring: Monitoring) -> None:
        # A once-a-week job: any error is a week's reminders at risk.
        monitoring.watch_function(self.function, max_errors=0)
        monitoring.alarm(
            self,
            "ReminderDigestFailures",
            metric=monitoring.service_metric(constants.REMINDER_FAILURES_METRIC),
            threshold=0,
            description="Some ICBs' weekly overdue digests were not sent (failed, left in progress, or "
            "every contact refused): see send_reminders' logs; a retry sends only what is not yet sent.",
        )
        monitoring.alarm(
            self,
            "ReminderRecipientsRefused",
            metric=monitoring.service_metric(constants.REMINDER_REFUSED_METRIC),
            threshold=0,
            description="GOV.UK Notify refused an ICB contact's address: an editor of that ICB must "
            "correct its contacts (the log names the ICB, never the address).",
        )
        monitoring.alarm(
            self,
            "ReminderRecipientsUnconfirmed",
            metric=monitoring.service_metric(constants.REMINDER_UNCONFIRMED_METRIC),
            threshold=0,
            description="GOV.UK Notify did not answer a digest send (it may have gone, and is not sent "
            "again): look up the send_reminders log's notifyReferences in Notify.",
        )
        monitoring.alarm(
            self,
            "ReminderDeadLetters",
            metric=self.dead_letters.metric_approximate_number_of_messages_visible(
                statistic="Maximum", period=constants.ALARM_PERIOD
            ),
            threshold=0,
            description="A reminder run or its schedule event failed for good: see the dead-letter queue.",
        )
