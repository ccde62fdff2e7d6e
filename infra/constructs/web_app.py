"""The web app for people: server-rendered pages under /app/ on the same REST API, signed in by
OpenID Connect (authorization code with PKCE) against the identity provider the API trusts.

It calls the shared layer's commands directly, so it reads and writes the cases table like the
case functions; it reads the latest snapshot's summary (one object) for the overview page. Its
session key is generated and rotated in the data stack; its client secret is put by an operator.
"""

from collections.abc import Mapping

from aws_cdk import CfnParameter, Fn, Stack, aws_kms, aws_lambda, aws_s3
from constructs import Construct

from infra import constants
from infra.constructs import permissions
from infra.constructs.case_store import CaseStore
from infra.constructs.external_secrets import ExternalSecrets
from infra.constructs.function import TrackerFunction, app_function_code
from infra.deployment import DeploymentConfig
from infra.routes import WEB_APP
from tracker import settings
from tracker.dal import schema
from tracker.extracts.keys import LATEST_SUMMARY_KEY


class WebApp(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        store: CaseStore,
        external_secrets: ExternalSecrets,
        data_key: aws_kms.IKey,
        reporting_key: aws_kms.IKey,
        log_key: aws_kms.IKey,
        layer: aws_lambda.ILayerVersion,
        config: DeploymentConfig,
        claims: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        client_id = CfnParameter(
            stack,
            constants.PARAM_WEB_OIDC_CLIENT_ID,
            type="String",
            min_length=1,
            description="The web app's OpenID Connect client id at the identity provider",
        )
        discovery_url = CfnParameter(
            stack,
            constants.PARAM_WEB_OIDC_DISCOVERY_URL,
            type="String",
            allowed_pattern=r"^https://\S+/\.well-known/openid-configuration$",
            description="The identity provider's OpenID Connect discovery document (https)",
        )
        extracts = aws_s3.Bucket.from_bucket_attributes(
            self,
            "ExtractsBucket",
            bucket_arn=Fn.import_value(constants.EXPORT_REPORTING_BUCKET_ARN),
            encryption_key=reporting_key,
        )
        self.function = TrackerFunction(
            self,
            name=WEB_APP,
            description="The web app: server-rendered pages under /app/ (OpenID Connect sign-in)",
            code=app_function_code(config.functions_root, WEB_APP),
            layer=layer,
            log_key=log_key,
            reserved_concurrency=config.reserved_concurrency[WEB_APP],
            environment={
                settings.CASES_TABLE_NAME: store.cases_table.table_name,
                settings.IDEMPOTENCY_TABLE_NAME: store.idempotency_table.table_name,
                settings.REPORTING_BUCKET_NAME: extracts.bucket_name,
                settings.CURSOR_SIGNING_KEY_SECRET_ARN: store.cursor_secret.secret_arn,
                settings.SAR_COMPLETION_MONTHS: str(config.sar_completion_months),
                settings.WEB_OIDC_DISCOVERY_URL: discovery_url.value_as_string,
                settings.WEB_OIDC_CLIENT_ID: client_id.value_as_string,
                settings.WEB_OIDC_CLIENT_SECRET_ARN: external_secrets.web_client_secret.secret_arn,
                settings.WEB_SESSION_KEY_SECRET_ARN: store.session_secret.secret_arn,
                **claims,
                # The service pages' text a deployment gives; the rest keep the settings' defaults.
                **config.service_pages,
            },
            snap_start=True,
        )
        self.function.acknowledge_synchronous("synchronously by API Gateway")
        role = self.function.role
        permissions.grant_table_read_write(role, store.cases_table, data_key, schema.INDEXES)
        permissions.grant_table_read_write(role, store.idempotency_table, data_key)
        for secret in (store.cursor_secret, store.session_secret, external_secrets.web_client_secret):
            permissions.grant_secret_read(role, secret, data_key)
        # The overview page reads one object: the latest snapshot's summary (counts, no case data),
        # which is missing until the first snapshot: "no snapshot yet", not a 500 (see the grant).
        permissions.grant_objects_read(role, extracts, LATEST_SUMMARY_KEY)
        permissions.grant_key(role, reporting_key, "s3", "kms:Decrypt")

    def serve_at(self, base_url: str) -> None:
        """Where /app/ lives (known once the REST API exists): sign-in redirects and e-mail links."""
        self.function.function.add_environment(settings.WEB_BASE_URL, base_url)
