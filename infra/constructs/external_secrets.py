"""Secrets other services issue (stateful): the identity provider's client secret for the web app
and GOV.UK Notify's API key.

CloudFormation creates each with a random placeholder; an operator puts the real value once
(`docs/deploy.md` gives the commands), and it survives any redeployment of the service stack.
They rotate where they are issued, so no rotation function of ours could make a new value.
"""

from aws_cdk import RemovalPolicy, aws_kms, aws_secretsmanager
from constructs import Construct

from infra.nag import AWS_SOLUTIONS, HIPAA, NIST, acknowledge


class ExternalSecrets(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: aws_kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.web_client_secret = self._secret(
            "WebOidcClientSecret",
            "The web app's OpenID Connect client secret, issued by the identity provider",
            "the identity provider issues and rotates the web app's client secret",
            key,
        )
        self.notify_api_key = self._secret(
            "NotifyApiKey",
            "GOV.UK Notify API key the weekly overdue reminders are sent with",
            "GOV.UK Notify issues and revokes API keys in its own admin console",
            key,
        )

    def _secret(
        self, construct_id: str, description: str, rotated_by: str, key: aws_kms.IKey
    ) -> aws_secretsmanager.Secret:
        secret = aws_secretsmanager.Secret(
            self,
            construct_id,
            description=f"{description} (an operator puts the value)",
            encryption_key=key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            secret,
            f"Not rotated by this app: {rotated_by}; the operator puts each new value here.",
            f"{AWS_SOLUTIONS}-SMG4",
            f"{HIPAA}-SecretsManagerRotationEnabled",
            f"{NIST}-SecretsManagerRotationEnabled",
        )
        return secret
