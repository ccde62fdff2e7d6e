"""Where cases live (stateful): the cases and idempotency tables, their locked backups, and the
generated secrets (cursor signing key, web session key) with their rotation."""

from aws_cdk import (
    Duration,
    RemovalPolicy,
    Stack,
    aws_backup,
    aws_dynamodb,
    aws_events,
    aws_iam,
    aws_kms,
    aws_lambda,
    aws_secretsmanager,
)
from constructs import Construct

from infra import constants
from infra.constructs import permissions
from infra.constructs.function import TrackerFunction
from infra.nag import AWS_SOLUTIONS, HIPAA, NIST, acknowledge
from tracker.dal import schema

ROTATION_FUNCTION = "rotate_cursor_key"
ROTATION_HANDLER = "cursor_key.handler"


def _string_attribute(name: str) -> aws_dynamodb.Attribute:
    return aws_dynamodb.Attribute(name=name, type=aws_dynamodb.AttributeType.STRING)


class CaseStore(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: aws_kms.IKey,
        log_key: aws_kms.IKey,
        indexes: tuple[schema.IndexDefinition, ...] = schema.INDEXES,
    ) -> None:
        super().__init__(scope, construct_id)
        self._tables(key, indexes)
        self._backups(key)
        self._generated_secrets(key, log_key)

    def _tables(self, key: aws_kms.IKey, indexes: tuple[schema.IndexDefinition, ...]) -> None:
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
            # Deletes only reminder ledger records after their week (nothing else carries it).
            time_to_live_attribute=schema.CASES_TTL_ATTRIBUTE,
            global_secondary_indexes=[
                aws_dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name=index.name,
                    partition_key=_string_attribute(index.partition_key),
                    sort_key=_string_attribute(index.sort_key),
                    projection_type=aws_dynamodb.ProjectionType.ALL,
                )
                for index in indexes
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

    def _backups(self, key: aws_kms.IKey) -> None:
        # Compliance-mode vault lock: once the grace period ends, no one (root included) can delete
        # a recovery point before its minimum retention, shorten it, or remove the lock. The access
        # policy denies deleting recovery points on top, from the first day.
        self.backup_vault = aws_backup.BackupVault(
            self,
            "BackupVault",
            encryption_key=key,
            removal_policy=RemovalPolicy.RETAIN,
            lock_configuration=aws_backup.LockConfiguration(
                min_retention=constants.BACKUP_VAULT_LOCK_MIN_RETENTION,
                max_retention=constants.BACKUP_VAULT_LOCK_MAX_RETENTION,
                changeable_for=constants.BACKUP_VAULT_LOCK_GRACE,
            ),
            block_recovery_point_deletion=True,
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

    def _generated_secrets(self, key: aws_kms.IKey, log_key: aws_kms.IKey) -> None:
        """Keys the app generates and no person ever sees, each rotated to a new random value.

        The cursor signing key: a rotation puts a new value as AWSCURRENT (signs new cursors);
        Secrets Manager moves the one before to AWSPREVIOUS, which still verifies cursors issued
        before the rotation, so paging in flight survives one rotation.
        The web app's session key: the same, for cookies: the web app seals with AWSCURRENT and
        opens with either version, and reads the secret again when a cookie no key it holds opens,
        so a rotation signs nobody out.
        """
        self.rotation_function = TrackerFunction(
            self,
            name=ROTATION_FUNCTION,
            description="Rotates the generated keys (cursor signing, web session) to new random values",
            code=aws_lambda.Code.from_asset(
                str(constants.ROTATION_SOURCE), exclude=["**/__pycache__", "**/*.pyc"]
            ),
            handler=ROTATION_HANDLER,
            layer=None,
            log_key=log_key,
            reserved_concurrency=constants.ROTATION_RESERVED_CONCURRENCY,
            timeout=Duration.seconds(30),
        )
        self.rotation_function.acknowledge_synchronous(
            "synchronously by Secrets Manager, once per rotation step"
        )
        permissions.grant_key(
            self.rotation_function.role, key, "secretsmanager", "kms:Decrypt", "kms:GenerateDataKey"
        )
        self.cursor_secret = self._generated_secret(
            "CursorSigningKey",
            "HMAC key signing the case list cursors of the Safeguarding Case Review Tracker",
            key,
        )
        self.session_secret = self._generated_secret(
            "WebSessionKey",
            "Key sealing the session cookies of the Safeguarding Case Review Tracker web app",
            key,
        )

    def _generated_secret(
        self, construct_id: str, description: str, key: aws_kms.IKey
    ) -> aws_secretsmanager.Secret:
        """A random secret string (the key itself), rotated every CURSOR_KEY_ROTATION."""
        secret = aws_secretsmanager.Secret(
            self,
            construct_id,
            description=description,
            encryption_key=key,
            generate_secret_string=aws_secretsmanager.SecretStringGenerator(
                password_length=constants.CURSOR_KEY_LENGTH, exclude_punctuation=True
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        rotation = self.rotation_function
        rotation.role.add_to_principal_policy(
            aws_iam.PolicyStatement(
                actions=[
                    "secretsmanager:DescribeSecret",
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:PutSecretValue",
                    "secretsmanager:UpdateSecretVersionStage",
                ],
                resources=[secret.secret_arn],
            )
        )
        rotation.function.add_permission(
            f"SecretsManagerRotates{construct_id}",
            principal=aws_iam.ServicePrincipal("secretsmanager.amazonaws.com"),
            source_account=Stack.of(self).account,
            source_arn=secret.secret_arn,
        )
        # The L1 schedule, not Secret.add_rotation_schedule: that one also grants
        # secretsmanager:GetRandomPassword on "*", which this function never calls.
        schedule = aws_secretsmanager.CfnRotationSchedule(
            self,
            f"{construct_id}Rotation",
            secret_id=secret.secret_arn,
            rotation_lambda_arn=rotation.function.function_arn,
            rotation_rules=aws_secretsmanager.CfnRotationSchedule.RotationRulesProperty(
                schedule_expression=f"rate({int(constants.CURSOR_KEY_ROTATION.to_days())} days)"
            ),
            rotate_immediately_on_update=False,
        )
        # After the function, its role's policy and the invoke permission: a first rotation must
        # not start before the function may run and read the secret.
        schedule.node.add_dependency(rotation)
        return secret
