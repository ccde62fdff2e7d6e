"""The web app's deployment: its sign-in settings as parameters and secrets, least privilege (the
cases tables, its secrets, one summary object), and routes only under /app."""

from infra import constants
from infra.routes import ROUTES, WEB_APP
from tests.infra.infra_support import Synthesized, resolve
from tests.infra.test_infra_functions import allowed_actions, function_of, role_statements
from tracker import settings
from tracker.extracts.keys import LATEST_SUMMARY_KEY

SERVICE = constants.STATELESS_STACK_ID
DATA = constants.STATEFUL_STACK_ID


def _variables(synthesized: Synthesized) -> dict:
    _, function = function_of(synthesized, WEB_APP)
    variables: dict = function["Properties"]["Environment"]["Variables"]
    return variables


def test_sign_in_settings_are_parameters_and_secrets_never_values(synthesized: Synthesized) -> None:
    variables = _variables(synthesized)
    assert variables[settings.WEB_OIDC_CLIENT_ID] == {"Ref": constants.PARAM_WEB_OIDC_CLIENT_ID}
    assert variables[settings.WEB_OIDC_DISCOVERY_URL] == {"Ref": constants.PARAM_WEB_OIDC_DISCOVERY_URL}
    # The same issuer and claims as the API's authorizer.
    assert variables[settings.JWT_ISSUER] == {"Ref": constants.PARAM_JWT_ISSUER}
    assert variables[settings.ROLE_CLAIM] == {"Ref": constants.PARAM_ROLE_CLAIM}
    client_secret_id, _ = synthesized.one(
        DATA, "AWS::SecretsManager::Secret", "ExternalSecrets/WebOidcClientSecret"
    )
    session_key_id, _ = synthesized.one(DATA, "AWS::SecretsManager::Secret", "Data/WebSessionKey")
    assert synthesized.logical_id_of(variables[settings.WEB_OIDC_CLIENT_SECRET_ARN]) == client_secret_id
    assert synthesized.logical_id_of(variables[settings.WEB_SESSION_KEY_SECRET_ARN]) == session_key_id
    # The inline forms are for the local stack only.
    assert settings.WEB_OIDC_CLIENT_SECRET not in variables
    assert settings.WEB_SESSION_KEY not in variables
    parameters = synthesized.templates[SERVICE]["Parameters"]
    assert parameters[constants.PARAM_WEB_OIDC_DISCOVERY_URL]["AllowedPattern"].startswith("^https://")


def test_base_url_is_this_apis_stage(synthesized: Synthesized) -> None:
    base_url = str(resolve(_variables(synthesized)[settings.WEB_BASE_URL]))
    assert base_url.startswith("https://")
    assert base_url.endswith(f"/{constants.API_STAGE}")


def test_reads_one_summary_object_and_no_other_extract(synthesized: Synthesized) -> None:
    """GetObject on the summary alone, and ListBucket on the bucket: without ListBucket S3 answers a
    missing key (before the first snapshot) with 403, not NoSuchKey, and the overview would be a
    500. A GetObject carries no s3:prefix, so the listing cannot be limited by one (listing shows
    keys only; test_function_calls.py judges the calls as AWS would)."""
    s3_statements = [
        statement
        for statement in role_statements(synthesized, WEB_APP)
        if statement["Effect"] == "Allow" and any(str(a).startswith("s3:") for a in _actions(statement))
    ]
    by_action = {tuple(_actions(statement)): statement for statement in s3_statements}
    assert set(by_action) == {("s3:GetObject",), ("s3:ListBucket",)}
    get = by_action[("s3:GetObject",)]
    assert str(resolve(get["Resource"])).endswith(f"/{LATEST_SUMMARY_KEY}")
    assert "Condition" not in get
    listing = by_action[("s3:ListBucket",)]
    bucket_arn = str(resolve(get["Resource"])).removesuffix(f"/{LATEST_SUMMARY_KEY}")
    assert resolve(listing["Resource"]) == bucket_arn


def test_writes_cases_like_the_case_functions_and_never_scans(synthesized: Synthesized) -> None:
    actions = allowed_actions(synthesized, WEB_APP)
    assert {"dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= actions
    assert "dynamodb:Scan" not in actions
    assert {"s3:PutObject", "s3:DeleteObject"}.isdisjoint(actions)


def test_web_app_serves_only_paths_under_app() -> None:
    paths = {route.path for route in ROUTES if route.function == WEB_APP}
    assert paths
    assert all(path == "/app" or path.startswith("/app/") for path in paths)


def _actions(statement: dict) -> list:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)
