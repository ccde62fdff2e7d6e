"""Customer-managed KMS keys (stateful), one per purpose, and what AWS services may do with them."""

from aws_cdk import RemovalPolicy, Stack, aws_iam, aws_kms
from constructs import Construct

# What a service needs to encrypt for, and read back from, a resource it writes to on our behalf.
SERVICE_ENCRYPT_ACTIONS = ["kms:GenerateDataKey*", "kms:Decrypt"]


class Keys(Construct):
    """One key per purpose, so revoking one (say, the reporting key) leaves the others working.

    - ``data``: the DynamoDB tables, their backups, the cursor signing secret, failed stream records;
    - ``reporting``: the reporting bucket and Athena results;
    - ``operations``: CloudWatch log groups, the alarm topic and dead-letter queues.

    Roles use the keys through grants on the roles (with ``kms:ViaService``); the key policies below
    only let AWS services use the operations key for the resources they write on our behalf, each
    condition written as the ARN the service presents.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.data = self._key("Data", "cases and idempotency tables, backups, cursor secret, failed records")
        self.reporting = self._key("Reporting", "reporting extracts and Athena results")
        self.operations = self._key("Operations", "log groups, alarm topic, dead-letter queues")

        stack = Stack.of(self)
        # CloudWatch Logs puts the log group's ARN in the encryption context, in the colon form
        # arn:aws:logs:<region>:<account>:log-group:<name> (never log-group/<name>).
        self.operations.add_to_resource_policy(
            aws_iam.PolicyStatement(
                sid="CloudWatchLogsEncryptsThisAccountsLogGroups",
                principals=[aws_iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_group_arn_pattern(stack)}},
            )
        )
        # CloudWatch alarms publish to the encrypted alarm topic.
        self.operations.add_to_resource_policy(
            self._service_statement("CloudWatchAlarmsPublishToTheAlarmTopic", "cloudwatch", "alarm:*")
        )
        # EventBridge sends the snapshot schedule's undeliverable events to its encrypted dead-letter
        # queue. No aws:SourceArn/SourceAccount condition: EventBridge's KMS requests for target
        # delivery do not carry them (AWS documents them as unsupported there), so a condition would
        # drop every dead letter silently. The queue's own policy admits only the schedule's rule.
        self.operations.add_to_resource_policy(
            aws_iam.PolicyStatement(
                sid="EventBridgeSendsToEncryptedDeadLetterQueues",
                principals=[aws_iam.ServicePrincipal("events.amazonaws.com")],
                actions=SERVICE_ENCRYPT_ACTIONS,
                resources=["*"],
            )
        )

    def _service_statement(self, sid: str, service: str, source_resource: str) -> aws_iam.PolicyStatement:
        """``service`` may use the key for resources it writes for this account's ``source_resource``."""
        stack = Stack.of(self)
        return aws_iam.PolicyStatement(
            sid=sid,
            principals=[aws_iam.ServicePrincipal(f"{service}.amazonaws.com")],
            actions=SERVICE_ENCRYPT_ACTIONS,
            resources=["*"],
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {
                    "aws:SourceArn": f"arn:{stack.partition}:{service}:{stack.region}:{stack.account}:"
                    f"{source_resource}"
                },
            },
        )

    def _key(self, name: str, purpose: str) -> aws_kms.Key:
        return aws_kms.Key(
            self,
            name,
            description=f"Safeguarding Case Review Tracker: {purpose}",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )


def log_group_arn_pattern(stack: Stack) -> str:
    """Every log group of this account and region, as CloudWatch Logs names it to KMS."""
    return f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
