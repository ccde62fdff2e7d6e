"""One Lambda function of the app: its own role, log group, the shared layer, JSON logs and X-Ray.

Every role starts empty (no managed policy) and is granted only what its function does; an explicit
deny on ``dynamodb:Scan`` keeps list queries on the partition-scoped indexes whatever else is granted.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import cast

from aws_cdk import CfnResource, Duration, RemovalPolicy, aws_iam, aws_kms, aws_lambda, aws_sqs
from constructs import Construct

from infra import constants
from infra.checkov import (
    LAMBDA_ENVIRONMENT_NOT_CMK_ENCRYPTED,
    LAMBDA_OUTSIDE_VPC,
    LAMBDA_WITHOUT_DLQ,
    REASONS,
    acknowledge_checkov,
)
from infra.constructs import permissions
from infra.constructs.logs import operational_log_group
from infra.nag import AWS_SOLUTIONS, HIPAA, NIST, acknowledge
from infra.routes import HANDLER
from tracker import settings

# Powertools settings: X-Ray must never receive case data (special category), so responses and
# error messages are not captured into traces.
POWERTOOLS_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": settings.SERVICE_NAME,
    "POWERTOOLS_METRICS_NAMESPACE": settings.METRICS_NAMESPACE,
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
    "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
    "POWERTOOLS_LOGGER_LOG_EVENT": "false",
}


def function_code_path(functions_root: Path, name: str) -> Path:
    path = functions_root / name
    if not (path / "handler.py").is_file():
        raise FileNotFoundError(
            f"{path / 'handler.py'} does not exist: every function in infra.routes.FUNCTIONS needs "
            f"functions/{name}/handler.py before the app can be synthesized"
        )
    return path


def app_function_code(functions_root: Path, name: str) -> aws_lambda.Code:
    """The code of one of the app's functions: its folder under functions/."""
    return aws_lambda.Code.from_asset(
        str(function_code_path(functions_root, name)), exclude=["**/__pycache__", "**/*.pyc"]
    )


def construct_id(name: str) -> str:
    """``submit_case`` -> ``SubmitCase``: a function's construct id (and its logical ids' prefix)."""
    return "".join(part.title() for part in name.split("_"))


class TrackerFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        *,
        name: str,
        description: str,
        code: aws_lambda.Code,
        layer: aws_lambda.ILayerVersion | None,
        log_key: aws_kms.IKey,
        reserved_concurrency: int,
        environment: Mapping[str, str] | None = None,
        timeout: Duration = constants.DEFAULT_TIMEOUT,
        memory_size: int = constants.DEFAULT_MEMORY_MB,
        dead_letter_queue: aws_sqs.IQueue | None = None,
        dead_letter_key: aws_kms.IKey | None = None,
        handler: str = HANDLER,
        snap_start: bool = False,
    ) -> None:
        super().__init__(scope, construct_id(name))
        self.name = name
        self.dead_letter_queue = dead_letter_queue
        self.role = aws_iam.Role(
            self,
            "Role",
            assumed_by=aws_iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of {name} (least privilege)",
        )
        self.log_group = operational_log_group(self, "Logs", log_key)
        self.role.add_to_policy(
            aws_iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        self.role.add_to_policy(
            aws_iam.PolicyStatement(
                effect=aws_iam.Effect.DENY,
                actions=["dynamodb:Scan"],
                resources=["*"],
            )
        )
        if dead_letter_queue is not None:
            if dead_letter_key is None:
                raise ValueError(f"{name}: a dead-letter queue needs the key it is encrypted with")
            permissions.grant_queue_send(self.role, dead_letter_queue, dead_letter_key)
        self.function = aws_lambda.Function(
            self,
            "Function",
            description=description,
            runtime=constants.RUNTIME,
            architecture=constants.ARCHITECTURE,
            handler=handler,
            code=code,
            layers=[layer] if layer else None,
            role=self.role,
            environment={**POWERTOOLS_ENVIRONMENT, **(environment or {})},
            timeout=timeout,
            memory_size=memory_size,
            reserved_concurrent_executions=reserved_concurrency,
            tracing=aws_lambda.Tracing.ACTIVE,
            logging_format=aws_lambda.LoggingFormat.JSON,
            application_log_level_v2=aws_lambda.ApplicationLogLevel[constants.LOG_LEVEL],
            system_log_level_v2=aws_lambda.SystemLogLevel.WARN,
            log_group=self.log_group,
            dead_letter_queue=dead_letter_queue,
            snap_start=aws_lambda.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
            # Each SnapStart version's cache is billed while it exists: a deploy removes the version
            # before (the alias has moved to the new one by then).
            current_version_options=aws_lambda.VersionOptions(removal_policy=RemovalPolicy.DESTROY)
            if snap_start
            else None,
        )
        self.alias: aws_lambda.Alias | None = None
        if snap_start:
            # SnapStart applies to published versions only: the alias is what callers invoke, so a
            # request never lands on $LATEST and pays a full cold start.
            self.alias = aws_lambda.Alias(
                self, "Live", alias_name=constants.LIVE_ALIAS, version=self.function.current_version
            )
        acknowledge(
            self.role,
            "Each function has its own role and the policy inline on it is that role's alone (the "
            "1:1 case AWS recommends inline policies for); nothing else can attach it.",
            f"{HIPAA}-IAMNoInlinePolicy",
            f"{NIST}-IAMNoInlinePolicy",
        )
        acknowledge(
            self.function,
            f"Python {constants.RUNTIME_PYTHON_VERSION} is the newest runtime the layer's compiled wheels "
            "and the project's tests are pinned to; moving up is a change of constants.RUNTIME.",
            f"{AWS_SOLUTIONS}-L1",
        )
        acknowledge(
            self.role,
            "X-Ray's PutTraceSegments and PutTelemetryRecords do not support resource-level "
            "permissions; Resource * is the only form AWS accepts.",
            f"{AWS_SOLUTIONS}-IAM5[Resource::*]",
        )
        acknowledge(
            self.function,
            REASONS[LAMBDA_OUTSIDE_VPC],
            f"{HIPAA}-LambdaInsideVPC",
            f"{NIST}-LambdaInsideVPC",
        )
        self.cfn_function = cast(CfnResource, self.function.node.default_child)
        acknowledge_checkov(self.cfn_function, LAMBDA_OUTSIDE_VPC, LAMBDA_ENVIRONMENT_NOT_CMK_ENCRYPTED)

    @property
    def invocable(self) -> aws_lambda.IFunction:
        """What callers invoke: the SnapStart alias when there is one, otherwise the function."""
        return self.alias if self.alias is not None else self.function

    def acknowledge_synchronous(self, invoked_by: str) -> None:
        """No dead-letter queue: nothing invokes this function asynchronously."""
        acknowledge(
            self.function,
            f"Invoked {invoked_by}; a dead-letter queue only serves asynchronous invocations.",
            f"{HIPAA}-LambdaDLQ",
            f"{NIST}-LambdaDLQ",
        )
        acknowledge_checkov(self.cfn_function, LAMBDA_WITHOUT_DLQ)
