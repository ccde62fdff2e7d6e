"""cdk-nag wiring and the one helper every construct uses to acknowledge a finding with its reason."""

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks
from constructs import IConstruct

AWS_SOLUTIONS = "AwsSolutions"
HIPAA = "HIPAA.Security"
NIST = "NIST.800.53.R5"


def add_nag_packs(app: App) -> None:
    """cdk-nag 3 runs as a policy-validation plugin (an Aspect no longer works)."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), HIPAASecurityChecks(app), NIST80053R5Checks(app))


def iam5_resource(resource: str) -> str:
    """The id of an AwsSolutions-IAM5 finding on one wildcard resource (cdk-nag 3 acknowledges each)."""
    return f"{AWS_SOLUTIONS}-IAM5[Resource::{resource}]"


def iam5_action(action: str) -> str:
    return f"{AWS_SOLUTIONS}-IAM5[Action::{action}]"


def acknowledge(scope: IConstruct, reason: str, *rule_ids: str) -> None:
    """Acknowledge each named rule on ``scope`` and everything under it, always with a reason."""
    if not reason.strip():
        raise ValueError("every cdk-nag acknowledgement needs a reason")
    Validations.of(scope).acknowledge(*(Acknowledgment(id=rule_id, reason=reason) for rule_id in rule_ids))
