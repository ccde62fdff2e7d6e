"""The web app as the composition root builds it on AWS: keys from Secrets Manager (moto), and a
rotated session key that signs nobody out."""

import secrets
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tracker import composition, settings
from tracker.web.session import CookieSealer

REGION = "eu-west-2"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        settings.WEB_BASE_URL: "https://tracker.example.test/v1",
        settings.WEB_OIDC_DISCOVERY_URL: "https://idp.example.test/.well-known/openid-configuration",
        settings.WEB_OIDC_CLIENT_ID: "tracker-web",
    }.items():
        monkeypatch.setenv(name, value)
    for name in (settings.WEB_SESSION_KEY, settings.WEB_OIDC_CLIENT_SECRET):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        composition.reset()
        yield boto3.client("secretsmanager", region_name=REGION)
    composition.reset()


def test_keys_come_from_secrets_manager_and_a_rotated_key_still_opens_its_sessions(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_key, new_key = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    session_secret = aws.create_secret(Name="web-session-key", SecretString=old_key)["ARN"]
    client_secret = aws.create_secret(Name="web-client-secret", SecretString="synthetic-client-secret")["ARN"]
    aws.put_secret_value(SecretId=session_secret, SecretString=new_key)  # a rotation: old is AWSPREVIOUS
    monkeypatch.setenv(settings.WEB_SESSION_KEY_SECRET_ARN, session_secret)
    monkeypatch.setenv(settings.WEB_OIDC_CLIENT_SECRET_ARN, client_secret)
    composition.reset()

    app = composition.web_app()

    before_rotation = CookieSealer(old_key.encode(), 1800)
    sealed_before = before_rotation.seal_session(before_rotation.new_session("u", "icb_editor", "QE1"))
    assert app.sealer.open_session(sealed_before) is not None
    sealed_now = app.sealer.seal_session(app.sealer.new_session("u", "icb_editor", "QE1"))
    assert CookieSealer(new_key.encode(), 1800).open_session(sealed_now) is not None
    assert before_rotation.open_session(sealed_now) is None  # sealed with the new key only
    assert app.oidc.config.client_secret == "synthetic-client-secret"
    assert app.oidc.config.redirect_uri == "https://tracker.example.test/v1/app/callback"
    assert app.cookies.secure and app.base_path == "/v1"


def test_a_key_from_elsewhere_opens_nothing(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    arn = aws.create_secret(Name="web-session-key", SecretString=secrets.token_urlsafe(48))["ARN"]
    monkeypatch.setenv(settings.WEB_SESSION_KEY_SECRET_ARN, arn)
    composition.reset()
    stranger = CookieSealer(secrets.token_bytes(32), 1800)

    app = composition.web_app()

    assert (
        app.sealer.open_session(stranger.seal_session(stranger.new_session("u", "icb_editor", "QE1"))) is None
    )
    assert app.oidc.config.client_secret is None  # a public client: PKCE alone


def test_without_a_session_key_the_function_says_which_setting_is_missing(aws: Any) -> None:
    with pytest.raises(settings.ConfigurationError, match=settings.WEB_SESSION_KEY_SECRET_ARN):
        composition.web_app()


def test_the_contacts_page_uses_the_composition_roots_contact_service(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = aws.create_secret(Name="web-session-key", SecretString=secrets.token_urlsafe(48))["ARN"]
    monkeypatch.setenv(settings.WEB_SESSION_KEY_SECRET_ARN, arn)
    monkeypatch.setenv(settings.CASES_TABLE_NAME, "synthetic-cases")
    composition.reset()

    app = composition.web_app()

    assert app.contact_service() is composition.contact_service()  # one service, built once


@pytest.mark.parametrize("stored", ["none", "NONE", " none\n"])
def test_a_client_secret_holding_none_makes_a_public_client(
    aws: Any, monkeypatch: pytest.MonkeyPatch, stored: str
) -> None:
    session_key = aws.create_secret(Name="web-session-key", SecretString=secrets.token_urlsafe(48))["ARN"]
    client_secret = aws.create_secret(Name="web-client-secret", SecretString=stored)["ARN"]
    monkeypatch.setenv(settings.WEB_SESSION_KEY_SECRET_ARN, session_key)
    monkeypatch.setenv(settings.WEB_OIDC_CLIENT_SECRET_ARN, client_secret)
    composition.reset()

    app = composition.web_app()

    assert app.oidc.config.client_secret is None
    assert app.oidc._session().token_endpoint_auth_method == "none"  # PKCE alone, no Basic header


def test_the_session_keys_current_and_previous_values_come_from_the_data_access_layer(aws: Any) -> None:
    from tracker.dal.secrets import current_and_previous

    arn = aws.create_secret(Name="rotating", SecretString="first-value")["ARN"]
    assert current_and_previous(lambda: aws, arn) == ("first-value", None)
    aws.put_secret_value(SecretId=arn, SecretString="second-value")
    assert current_and_previous(lambda: aws, arn) == ("second-value", "first-value")


def test_the_discovery_documents_issuer_is_the_apis_when_set_else_the_discovery_urls(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = aws.create_secret(Name="web-session-key", SecretString=secrets.token_urlsafe(48))["ARN"]
    monkeypatch.setenv(settings.WEB_SESSION_KEY_SECRET_ARN, arn)
    monkeypatch.delenv(settings.JWT_ISSUER, raising=False)
    composition.reset()
    assert composition.web_app().oidc.config.expected_issuer == "https://idp.example.test"

    monkeypatch.setenv(settings.JWT_ISSUER, "https://issuer.example.test/pool-1")
    composition.reset()
    assert composition.web_app().oidc.config.expected_issuer == "https://issuer.example.test/pool-1"
