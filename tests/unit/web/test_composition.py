"""The web app as the composition root builds it on AWS: keys from Secrets Manager (moto), and a
rotated session key that signs nobody out."""

import secrets
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support import monotonic
from tests.support.monotonic import MovingClock
from tracker import composition, settings
from tracker.dal.secrets import SECRET_MAX_AGE_SECONDS, SECRET_MIN_RELOAD_SECONDS
from tracker.web.session import CookieSealer, PendingSignIn

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
    assert app.oidc.client_secret() == "synthetic-client-secret"
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
    assert app.oidc.client_secret() is None  # a public client: PKCE alone


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

    assert app.services.contact_service() is composition.contact_service()  # one service, built once


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

    assert app.oidc.client_secret() is None
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


# --- rotated secrets reach warm containers --------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> MovingClock:
    return monotonic.install(monkeypatch)


def _warm_app_with_session_key(aws: Any, monkeypatch: pytest.MonkeyPatch, key: str) -> tuple[Any, str]:
    arn = aws.create_secret(Name="web-session-key", SecretString=key)["ARN"]
    monkeypatch.setenv(settings.WEB_SESSION_KEY_SECRET_ARN, arn)
    composition.reset()
    return composition.web_app(), arn


def test_a_warm_container_opens_sessions_sealed_with_a_key_rotated_in_after_it_started(
    aws: Any, monkeypatch: pytest.MonkeyPatch, clock: MovingClock
) -> None:
    old_key, new_key = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    warm, arn = _warm_app_with_session_key(aws, monkeypatch, old_key)
    clock.advance(SECRET_MIN_RELOAD_SECONDS)
    aws.put_secret_value(SecretId=arn, SecretString=new_key)  # the rotation

    # A container started after the rotation seals with the new key ...
    cold = CookieSealer(new_key.encode(), 1800, previous=[old_key.encode()])
    session = cold.new_session("synthetic-user", "icb_editor", "QE1")
    pending = PendingSignIn("state", "nonce", "v" * 50, "/app/cases/new")

    # ... and the warm one, which read the key before, still opens its cookies: nobody signed out.
    assert warm.sealer.open_session(cold.seal_session(session)) == session
    assert warm.sealer.open_sign_in(cold.seal_sign_in(pending)) == pending


def test_a_warm_container_seals_with_the_rotated_key_within_the_hour(
    aws: Any, monkeypatch: pytest.MonkeyPatch, clock: MovingClock
) -> None:
    old_key, new_key = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    warm, arn = _warm_app_with_session_key(aws, monkeypatch, old_key)
    aws.put_secret_value(SecretId=arn, SecretString=new_key)
    new_only = CookieSealer(new_key.encode(), 1800)
    old_only = CookieSealer(old_key.encode(), 1800)
    sealed_before = old_only.seal_session(old_only.new_session("synthetic-user", "icb_editor", "QE1"))

    clock.advance(SECRET_MAX_AGE_SECONDS)
    sealed_now = warm.sealer.seal_session(warm.sealer.new_session("synthetic-user", "icb_editor", "QE1"))

    assert new_only.open_session(sealed_now) is not None
    assert warm.sealer.open_session(sealed_before) is not None  # the previous key still opens


def test_cookies_no_key_opens_reread_the_key_at_most_once_per_interval(
    aws: Any, monkeypatch: pytest.MonkeyPatch, clock: MovingClock
) -> None:
    from tracker.dal import secrets as secret_reads

    warm, _ = _warm_app_with_session_key(aws, monkeypatch, secrets.token_urlsafe(48))
    reads: list[str] = []
    real = secret_reads.current_and_previous

    def counted(client: Any, secret_id: str) -> tuple[str | None, str | None]:
        reads.append(secret_id)
        return real(client, secret_id)

    monkeypatch.setattr(secret_reads, "current_and_previous", counted)
    stranger = CookieSealer(secrets.token_bytes(32), 1800)
    forged = stranger.seal_session(stranger.new_session("synthetic-user", "national", "X24"))
    clock.advance(SECRET_MIN_RELOAD_SECONDS)

    for _ in range(10):
        assert warm.sealer.open_session(forged) is None
        assert warm.sealer.open_session("not-a-cookie") is None
    assert len(reads) == 1

    clock.advance(SECRET_MIN_RELOAD_SECONDS)
    assert warm.sealer.open_session(forged) is None
    assert len(reads) == 2


def test_a_client_secret_put_after_deploy_is_used_within_the_hour(
    aws: Any, monkeypatch: pytest.MonkeyPatch, clock: MovingClock
) -> None:
    session_key = aws.create_secret(Name="web-session-key", SecretString=secrets.token_urlsafe(48))["ARN"]
    client_secret = aws.create_secret(Name="web-client-secret")["ARN"]  # created empty, as deployed
    monkeypatch.setenv(settings.WEB_SESSION_KEY_SECRET_ARN, session_key)
    monkeypatch.setenv(settings.WEB_OIDC_CLIENT_SECRET_ARN, client_secret)
    composition.reset()
    warm = composition.web_app()
    assert warm.oidc._session().client_secret is None  # nothing put yet: a public client

    aws.put_secret_value(SecretId=client_secret, SecretString="synthetic-client-secret")
    clock.advance(SECRET_MAX_AGE_SECONDS)

    session = warm.oidc._session()
    assert session.client_secret == "synthetic-client-secret"
    assert session.token_endpoint_auth_method == "client_secret_basic"


def test_a_token_request_refused_with_a_stale_client_secret_is_retried_with_the_one_put_since(
    aws: Any, monkeypatch: pytest.MonkeyPatch, clock: MovingClock
) -> None:
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.oauth2.rfc6749.errors import InvalidClientError

    from tracker.web.oidc import SignInFailed

    session_key = aws.create_secret(Name="web-session-key", SecretString=secrets.token_urlsafe(48))["ARN"]
    client_secret = aws.create_secret(Name="web-client-secret", SecretString="first-secret")["ARN"]
    monkeypatch.setenv(settings.WEB_SESSION_KEY_SECRET_ARN, session_key)
    monkeypatch.setenv(settings.WEB_OIDC_CLIENT_SECRET_ARN, client_secret)
    composition.reset()
    warm = composition.web_app()
    warm.oidc._metadata = {  # read before: no discovery request
        "issuer": "https://idp.example.test",
        "token_endpoint": "https://idp.example.test/oauth2/token",
    }
    tried: list[str | None] = []

    def token_endpoint(self: OAuth2Session, url: str, **_: Any) -> dict[str, Any]:
        tried.append(self.client_secret)
        if self.client_secret != "second-secret":
            raise InvalidClientError()
        return {}  # no ID token: the sign-in stops there, after the exchange

    monkeypatch.setattr(OAuth2Session, "fetch_token", token_endpoint)
    assert warm.oidc.client_secret() == "first-secret"  # read by an earlier sign-in
    aws.put_secret_value(SecretId=client_secret, SecretString="second-secret")  # the provider rotated it
    clock.advance(SECRET_MIN_RELOAD_SECONDS)

    with pytest.raises(SignInFailed, match="no ID token"):
        warm.oidc.finish("code-1", PendingSignIn("state", "nonce", "v" * 50, "/app/"))

    assert tried == ["first-secret", "second-secret"]
