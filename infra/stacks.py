"""Two stacks: stateful (keys, tables, buckets, catalogue) and stateless (functions, API, monitoring).

The service stack can be destroyed and redeployed at will; nothing in it holds case data.
"""

from pathlib import Path

from aws_cdk import CfnOutput, CfnParameter, Duration, Environment, Fn, Stack, Tags, aws_s3, aws_sqs
from constructs import Construct

from infra import constants
from infra.constructs import permissions
from infra.constructs.api import Api
from infra.constructs.data import Data
from infra.constructs.functions import TrackerFunction
from infra.constructs.layer import SharedLayer
from infra.constructs.monitoring import Monitoring
from infra.constructs.reporting import ReportingPipeline, ReportingStorage
from infra.constructs.security import Keys, WebAcl
from infra.nag import AWS_SOLUTIONS, acknowledge, iam5_action, iam5_resource
from infra.routes import AUTHORIZER, PUBLISH_CHANGES, QUERY_CASES, SNAPSHOT_EXTRACT, SUBMIT_CASE, UPDATE_CASE
from tracker import config
from tracker.auth import settings as auth
from tracker.dal import schema
from tracker.extracts import keys as extract_keys

# What S3OnFailureDestination's bucket.grant_read_write adds with wildcards.
S3_ON_FAILURE_WILDCARD_ACTIONS = (
    "s3:GetObject*",
    "s3:GetBucket*",
    "s3:List*",
    "s3:DeleteObject*",
    "s3:Abort*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
)


class StatefulStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, env: Environment, description: str) -> None:
        # Termination protection: deleting this stack is never part of a routine change.
        super().__init__(scope, construct_id, env=env, description=description, termination_protection=True)
        self.keys = Keys(self, "Keys")
        self.data = Data(self, "Data", key=self.keys.data)
        self.reporting = ReportingStorage(
            self, "Reporting", reporting_key=self.keys.reporting, data_key=self.keys.data
        )
        CfnOutput(self, "CasesTableName", value=self.data.cases_table.table_name)
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


class StatelessStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stateful: StatefulStack,
        functions_root: Path,
        api_cloud_watch_role: bool,
        alarm_email: str | None,
        env: Environment,
        description: str,
    ) -> None:
        super().__init__(scope, construct_id, env=env, description=description)
        self.add_stack_dependency(stateful, "imports the buckets' ARNs by export name")
        keys, data = stateful.keys, stateful.data
        # Imported by fixed export names, so grants on their prefixes have stable cdk-nag ids.
        extracts_bucket = aws_s3.Bucket.from_bucket_attributes(
            self,
            "ExtractsBucket",
            bucket_arn=Fn.import_value(constants.EXPORT_REPORTING_BUCKET_ARN),
            encryption_key=keys.reporting,
        )
        failed_records = aws_s3.Bucket.from_bucket_attributes(
            self,
            "FailedStreamRecordsBucket",
            bucket_arn=Fn.import_value(constants.EXPORT_FAILED_RECORDS_BUCKET_ARN),
            encryption_key=keys.data,
        )
        identity = self._identity_parameters()
        layer = SharedLayer(self, "SharedLayer").layer

        def function(
            name: str,
            description: str,
            environment: dict[str, str],
            *,
            timeout: Duration = constants.DEFAULT_TIMEOUT,
            memory_size: int = constants.DEFAULT_MEMORY_MB,
            dead_letter_queue: aws_sqs.IQueue | None = None,
        ) -> TrackerFunction:
            return TrackerFunction(
                self,
                "".join(part.title() for part in name.split("_")),
                name=name,
                description=description,
                functions_root=functions_root,
                layer=layer,
                log_key=keys.operations,
                environment=environment,
                timeout=timeout,
                memory_size=memory_size,
                dead_letter_queue=dead_letter_queue,
            )

        cases_env = {config.CASES_TABLE_ENV: data.cases_table.table_name}
        reporting_env = {**cases_env, config.REPORTING_BUCKET_ENV: extracts_bucket.bucket_name}

        submit = function(
            SUBMIT_CASE,
            "POST /cases",
            {**cases_env, config.IDEMPOTENCY_TABLE_ENV: data.idempotency_table.table_name},
        )
        permissions.grant_table_read_write(submit.role, data.cases_table, keys.data, schema.INDEXES)
        permissions.grant_table_read_write(submit.role, data.idempotency_table, keys.data)

        update = function(UPDATE_CASE, "PATCH /cases/{caseId}", cases_env)
        permissions.grant_table_read_write(update.role, data.cases_table, keys.data, schema.INDEXES)

        query = function(
            QUERY_CASES,
            "GET routes: cases, case, history, reference ICBs, health, OpenAPI document, docs",
            {**cases_env, config.CURSOR_KEY_SECRET_ENV: data.cursor_secret.secret_arn},
        )
        permissions.grant_table_read(query.role, data.cases_table, keys.data, schema.INDEXES)
        permissions.grant_secret_read(query.role, data.cursor_secret, keys.data)

        authorizer = function(
            AUTHORIZER, "Verifies bearer JWTs against the identity provider's JWKS", identity
        )

        publish = function(
            PUBLISH_CHANGES,
            "Writes changes/ and current/ extracts from the cases table stream",
            reporting_env,
            timeout=constants.PUBLISH_TIMEOUT,
        )
        permissions.grant_table_read(publish.role, data.cases_table, keys.data)
        published = (extract_keys.CHANGES_PREFIX, extract_keys.CURRENT_PREFIX)
        permissions.grant_objects_write(
            publish.role, extracts_bucket, keys.reporting, *published, delete=True
        )
        acknowledge(
            publish.role,
            "publish_changes writes (and, for current/, deletes) objects under its own two prefixes only: "
            "one object per case version, named at run time.",
            *(iam5_resource(f"{constants.EXPORT_REPORTING_BUCKET_ARN}/{prefix}*") for prefix in published),
        )

        # The schedule invokes the snapshot asynchronously: failures after retries land here.
        snapshot_dlq = aws_sqs.Queue(
            self,
            "SnapshotDeadLetters",
            encryption=aws_sqs.QueueEncryption.KMS,
            encryption_master_key=keys.operations,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            snapshot_dlq,
            "This queue is itself the dead-letter queue of snapshot_extract's asynchronous invocations.",
            f"{AWS_SOLUTIONS}-SQS3",
        )
        snapshot = function(
            SNAPSHOT_EXTRACT,
            "Writes the daily whole-collection snapshot under snapshots/",
            reporting_env,
            timeout=constants.SNAPSHOT_TIMEOUT,
            memory_size=constants.SNAPSHOT_MEMORY_MB,
            dead_letter_queue=snapshot_dlq,
        )
        permissions.grant_table_read(snapshot.role, data.cases_table, keys.data, schema.INDEXES)
        permissions.grant_objects_write(
            snapshot.role, extracts_bucket, keys.reporting, extract_keys.SNAPSHOTS_PREFIX
        )
        acknowledge(
            snapshot.role,
            "snapshot_extract writes objects under snapshots/ only, one folder per day.",
            iam5_resource(f"{constants.EXPORT_REPORTING_BUCKET_ARN}/{extract_keys.SNAPSHOTS_PREFIX}*"),
        )

        functions = {
            SUBMIT_CASE: submit,
            UPDATE_CASE: update,
            QUERY_CASES: query,
            AUTHORIZER: authorizer,
            PUBLISH_CHANGES: publish,
            SNAPSHOT_EXTRACT: snapshot,
        }
        web_acl = WebAcl(self, "Waf", log_key=keys.operations)
        self.api = Api(
            self,
            "Api",
            handlers={name: tracker_function.function for name, tracker_function in functions.items()},
            authorizer_function=authorizer.function,
            log_key=keys.operations,
            web_acl=web_acl.web_acl,
            cloud_watch_role=api_cloud_watch_role,
        )
        self.pipeline = ReportingPipeline(
            self,
            "ReportingPipeline",
            table=data.cases_table,
            publish_changes=publish.function,
            snapshot_extract=snapshot.function,
            failed_records=failed_records,
        )
        acknowledge(
            publish.role,
            "Granted by CDK's S3OnFailureDestination (bucket.grant_read_write) for the stream's "
            "on-failure destination: limited to the failed-records bucket and its key.",
            iam5_resource(f"{constants.EXPORT_FAILED_RECORDS_BUCKET_ARN}/*"),
            *(iam5_action(action) for action in S3_ON_FAILURE_WILDCARD_ACTIONS),
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            api=self.api.rest_api,
            functions={name: tracker_function.function for name, tracker_function in functions.items()},
            stream_consumer=PUBLISH_CHANGES,
            failed_records=failed_records,
            key=keys.operations,
            alarm_email=alarm_email,
        )
        self.functions = functions
        CfnOutput(
            self, "ApiUrl", value=self.api.rest_api.url, description="Base URL the forms platform calls"
        )
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)

    def _identity_parameters(self) -> dict[str, str]:
        """CloudFormation parameters describing the identity provider, as the authorizer's environment."""
        issuer = CfnParameter(
            self,
            constants.PARAM_JWT_ISSUER,
            type="String",
            min_length=1,
            description="Expected iss claim, exactly",
        )
        audience = CfnParameter(
            self,
            constants.PARAM_JWT_AUDIENCE,
            type="String",
            min_length=1,
            description="Expected aud claim (comma-separated to accept several)",
        )
        jwks_url = CfnParameter(
            self,
            constants.PARAM_JWKS_URL,
            type="String",
            allowed_pattern=r"^https://\S+$",
            description="The identity provider's JWKS document (https)",
        )
        claims = {
            constants.PARAM_ROLE_CLAIM: (auth.ROLE_CLAIM_ENV, auth.DEFAULT_ROLE_CLAIM, "role"),
            constants.PARAM_ORG_CLAIM: (auth.ORG_CLAIM_ENV, auth.DEFAULT_ORG_CLAIM, "organisation code"),
            constants.PARAM_SUB_CLAIM: (auth.SUB_CLAIM_ENV, auth.DEFAULT_SUB_CLAIM, "user identifier"),
        }
        environment = {
            auth.JWT_ISSUER_ENV: issuer.value_as_string,
            auth.JWT_AUDIENCE_ENV: audience.value_as_string,
            auth.JWKS_URL_ENV: jwks_url.value_as_string,
        }
        for parameter_id, (env_name, default, meaning) in claims.items():
            parameter = CfnParameter(
                self,
                parameter_id,
                type="String",
                default=default,
                min_length=1,
                description=f"Name of the claim carrying the {meaning} (dotted path for a nested claim)",
            )
            environment[env_name] = parameter.value_as_string
        return environment


def tag_everything(scope: Construct) -> None:
    for key, value in constants.APP_TAGS.items():
        Tags.of(scope).add(key, value)
