"""The cases table, the idempotency table, their backup plan and the cursor signing secret (stateful)."""

from aws_cdk import RemovalPolicy, aws_backup, aws_dynamodb, aws_events, aws_kms, aws_secretsmanager
from constructs import Construct

from infra import constants
from infra.nag import AWS_SOLUTIONS, HIPAA, NIST, acknowledge
from tracker.dal import schema


def _string_attribute(name: str) -> aws_dynamodb.Attribute:
    return aws_dynamodb.Attribute(name=name, type=aws_dynamodb.AttributeType.STRING)


class Data(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: aws_kms.IKey) -> None:
        super().__init__(scope, construct_id)
        encryption = aws_dynamodb.TableEncryptionV2.customer_managed_key(key)

        # Keys, indexes and stream type come from the layer's schema: the DAL, the local stack and
        # this table are built from the same definition.
        self.cases_table = aws_dynamodb.TableV2(
            self,
            "CasesTable",
            partition_key=_string_attribute(schema.PARTITION_KEY),
            sort_key=_string_attribute(schema.SORT_KEY),
            billing=aws_dynamodb.Billing.on_demand(),
            encryption=encryption,
            dynamo_stream=aws_dynamodb.StreamViewType[schema.STREAM_VIEW_TYPE],
            global_secondary_indexes=[
                aws_dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name=index.name,
                    partition_key=_string_attribute(index.partition_key),
                    sort_key=_string_attribute(index.sort_key),
                    projection_type=aws_dynamodb.ProjectionType.ALL,
                )
                for index in schema.INDEXES
            ],
            point_in_time_recovery_specification=aws_dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            contributor_insights_specification=aws_dynamodb.ContributorInsightsSpecification(enabled=True),
            removal_policy=RemovalPolicy.RETAIN,
        )

        # Idempotency records live for a day (TTL); PITR is on anyway because it is cheap insurance.
        self.idempotency_table = aws_dynamodb.TableV2(
            self,
            "IdempotencyTable",
            partition_key=_string_attribute(schema.IDEMPOTENCY_PARTITION_KEY),
            billing=aws_dynamodb.Billing.on_demand(),
            encryption=encryption,
            time_to_live_attribute=schema.IDEMPOTENCY_TTL_ATTRIBUTE,
            point_in_time_recovery_specification=aws_dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.idempotency_table,
            "Idempotency records are replay guards that expire after a day; restoring them from a "
            "backup would serve nothing, and PITR already covers accidental loss.",
            f"{HIPAA}-DynamoDBInBackupPlan",
            f"{NIST}-DynamoDBInBackupPlan",
        )

        self.backup_vault = aws_backup.BackupVault(
            self, "BackupVault", encryption_key=key, removal_policy=RemovalPolicy.RETAIN
        )
        plan = aws_backup.BackupPlan(self, "BackupPlan", backup_vault=self.backup_vault)
        plan.add_rule(
            aws_backup.BackupPlanRule(
                rule_name="Daily",
                schedule_expression=aws_events.Schedule.cron(hour="3", minute="0"),
                delete_after=constants.BACKUP_DAILY_RETENTION,
            )
        )
        plan.add_rule(
            aws_backup.BackupPlanRule(
                rule_name="Monthly",
                schedule_expression=aws_events.Schedule.cron(day="1", hour="4", minute="0"),
                delete_after=constants.BACKUP_MONTHLY_RETENTION,
            )
        )
        selection = plan.add_selection(
            "CasesTable", resources=[aws_backup.BackupResource.from_arn(self.cases_table.table_arn)]
        )
        acknowledge(
            selection,
            "AWS Backup's own service role policy is the documented way to let Backup snapshot the table.",
            f"{AWS_SOLUTIONS}-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSBackupServiceRolePolicyForBackup]",
        )

        # The HMAC key that makes list cursors tamper-evident. Generated, never seen by a person.
        self.cursor_secret = aws_secretsmanager.Secret(
            self,
            "CursorSigningKey",
            description="HMAC key signing the case list cursors of the Safeguarding Case Review Tracker",
            encryption_key=key,
            generate_secret_string=aws_secretsmanager.SecretStringGenerator(
                password_length=constants.CURSOR_KEY_LENGTH, exclude_punctuation=True
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.cursor_secret,
            "The cursor key only signs opaque paging cursors (no data is encrypted with it); rotating "
            "it invalidates cursors in flight, so it is rotated by operators on a planned change "
            "instead of by a rotation Lambda.",
            f"{AWS_SOLUTIONS}-SMG4",
            f"{HIPAA}-SecretsManagerRotationEnabled",
            f"{NIST}-SecretsManagerRotationEnabled",
        )
