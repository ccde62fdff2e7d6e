"""Three stacks, read like the architecture diagram.

- ``AccountSetupStack``: account-wide settings (API Gateway's CloudWatch Logs role), deployed once
  per account and region, so no deployment of the service can collide over them.
- ``StatefulStack``: keys, where cases live, secrets other services issue, where reporting data
  lives, audit trails. Retained.
- ``StatelessStack``: monitoring, the case API with the web app, weekly reminders, reporting.
  Holds no data and no retained resource with a fixed name: it can be destroyed and redeployed
  at will.
"""

from aws_cdk import CfnOutput, Environment, Stack, Tags, aws_apigateway, aws_iam
from constructs import Construct

from infra import constants
from infra.constructs.audit import AuditTrails
from infra.constructs.case_api import CaseApi
from infra.constructs.case_store import CaseStore
from infra.constructs.external_secrets import ExternalSecrets
from infra.constructs.keys import Keys
from infra.constructs.layer import SharedLayer
from infra.constructs.monitoring import Monitoring
from infra.constructs.read_audit import ReadAudit, ReadAuditStore
from infra.constructs.reminders import Reminders
from infra.constructs.reporting import Reporting
from infra.constructs.reporting_store import ReportingStore
from infra.deployment import DeploymentConfig
from infra.nag import AWS_SOLUTIONS, acknowledge

API_GATEWAY_LOGS_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"


class AccountSetupStack(Stack):
    """API Gateway writes every REST API's access and execution logs with one role per account and
    region. Setting it from the service stack would make a second copy of the service (or another
    app) overwrite it, and destroying the service would unset it for everyone."""

    def __init__(self, scope: Construct, construct_id: str, *, env: Environment, description: str) -> None:
        super().__init__(scope, construct_id, env=env, description=description)
        role = aws_iam.Role(
            self,
            "ApiGatewayCloudWatchRole",
            assumed_by=aws_iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway's account-wide role for writing CloudWatch Logs",
            managed_policies=[aws_iam.ManagedPolicy.from_aws_managed_policy_name(API_GATEWAY_LOGS_POLICY)],
        )
        acknowledge(
            role,
            "API Gateway's account-level CloudWatch role uses the AWS managed policy "
            "AmazonAPIGatewayPushToCloudWatchLogs, the form API Gateway documents for its logging.",
            f"{AWS_SOLUTIONS}-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{API_GATEWAY_LOGS_POLICY}]",
        )
        aws_apigateway.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)


class StatefulStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        env: Environment,
        description: str,
        config: DeploymentConfig,
    ) -> None:
        # Termination protection: deleting this stack is never part of a routine change.
        super().__init__(scope, construct_id, env=env, description=description, termination_protection=True)
        self.keys = Keys(self, "Keys")
        self.audit = AuditTrails(self, "Audit", log_key=self.keys.operations)
        self.case_store = CaseStore(
            self, "Data", key=self.keys.data, log_key=self.keys.operations, indexes=config.table_indexes
        )
        self.external_secrets = ExternalSecrets(self, "ExternalSecrets", key=self.keys.data)
        self.read_audit = ReadAuditStore(self, "ReadAudit", key=self.keys.data)
        self.reporting = ReportingStore(
            self,
            "Reporting",
            reporting_key=self.keys.reporting,
            data_key=self.keys.data,
            access_logs=self.audit.access_logs,
        )
        CfnOutput(self, "CasesTableName", value=self.case_store.cases_table.table_name)
        CfnOutput(self, "ReportingBucketName", value=self.reporting.bucket.bucket_name)
        CfnOutput(
            self,
            "ReportingBucketArn",
            value=self.reporting.bucket.bucket_arn,
            export_name=constants.EXPORT_REPORTING_BUCKET_ARN,
        )
        CfnOutput(
            self,
            "FailedStreamRecordsBucketArn",
            value=self.reporting.failed_records.bucket_arn,
            export_name=constants.EXPORT_FAILED_RECORDS_BUCKET_ARN,
        )
        CfnOutput(self, "FailedStreamRecordsBucketName", value=self.reporting.failed_records.bucket_name)
        CfnOutput(self, "GlueDatabase", value=constants.GLUE_DATABASE)
        CfnOutput(self, "AthenaWorkgroup", value=constants.ATHENA_WORKGROUP)
        CfnOutput(self, "ReportingKeyArn", value=self.keys.reporting.key_arn)
        CfnOutput(self, "AccessLogArchiveBucketName", value=self.audit.access_log_archive.bucket_name)
        CfnOutput(self, "ReadAuditTableName", value=self.read_audit.table.table_name)
        CfnOutput(
            self,
            "AuditArchiveBucketArn",
            value=self.audit.access_log_archive.bucket_arn,
            export_name=constants.EXPORT_AUDIT_ARCHIVE_BUCKET_ARN,
        )


class StatelessStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stateful: StatefulStack,
        config: DeploymentConfig,
        env: Environment,
        description: str,
    ) -> None:
        super().__init__(scope, construct_id, env=env, description=description)
        self.add_stack_dependency(stateful, "imports the buckets' ARNs by export name")
        keys = stateful.keys
        layer = SharedLayer(self, "SharedLayer").layer
        self.monitoring = Monitoring(self, "Monitoring", key=keys.operations, alarm_email=config.alarm_email)
        self.case_api = CaseApi(
            self,
            "CaseApi",
            store=stateful.case_store,
            external_secrets=stateful.external_secrets,
            data_key=keys.data,
            reporting_key=keys.reporting,
            log_key=keys.operations,
            layer=layer,
            config=config,
            monitoring=self.monitoring,
        )
        # Who has seen a case: the reading functions record each read; a daily seal into the archive.
        self.read_audit = ReadAudit(
            self,
            "ReadAudit",
            store=stateful.read_audit,
            readers=[self.case_api.query, self.case_api.web_app.function],
            log_key=keys.operations,
            layer=layer,
            config=config,
            monitoring=self.monitoring,
        )
        self.reminders = Reminders(
            self,
            "Reminders",
            store=stateful.case_store,
            notify_api_key=stateful.external_secrets.notify_api_key,
            data_key=keys.data,
            log_key=keys.operations,
            layer=layer,
            config=config,
            monitoring=self.monitoring,
            web_base_url=self.case_api.web_base_url,
        )
        self.reporting = Reporting(
            self,
            "Reporting",
            store=stateful.case_store,
            data_key=keys.data,
            reporting_key=keys.reporting,
            log_key=keys.operations,
            layer=layer,
            config=config,
            monitoring=self.monitoring,
        )
        self.monitoring.watch_table(stateful.case_store.cases_table, "CasesTable")
        self.monitoring.watch_table(stateful.case_store.idempotency_table, "IdempotencyTable")
        self.monitoring.watch_backup_jobs()
        case_store = stateful.case_store
        self.monitoring.watch_rotations(
            case_store.rotation_function, [case_store.cursor_secret, case_store.session_secret]
        )
        CfnOutput(
            self, "ApiUrl", value=self.case_api.rest_api.url, description="Base URL the forms platform calls"
        )
        CfnOutput(self, "WebAppUrl", value=f"{self.case_api.web_base_url}/app/", description="The web app")
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)


def tag_everything(scope: Construct) -> None:
    for key, value in constants.APP_TAGS.items():
        Tags.of(scope).add(key, value)
