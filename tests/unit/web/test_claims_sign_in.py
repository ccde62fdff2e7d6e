"""Sign-in reads the identity claims as the API's authorizer reads them: with ROLE_CLAIM, ORG_CLAIM
and SUB_CLAIM set to dotted names (claims nested in an object), the web app built by the composition
root signs people in as the API would let them in, and an ID token without the subject claim makes
no session (a missing subject must never become a shared placeholder user)."""

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from local_stack.events import match_route, proxy_event, request_context
from tracker import composition, settings
from tracker.auth.settings import AuthSettings
from tracker.auth.tokens import NotAllowed, SigningKeys, TokenVerifier
from tracker.web.app import WebApp
from tracker.web.session import PendingSignIn, Session

BASE_URL = "https://tracker.example.test"
ISSUER = "https://idp.example.test/tenant-1"
CLIENT_ID = "tracker-web"
KID = "sign-in-key"
NESTED_CLAIMS = {
    settings.ROLE_CLAIM: "nhs.role",
    settings.ORG_CLAIM: "nhs.org",
    settings.SUB_CLAIM: "nhs.uid",
}


class Answer:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def raise_for_status(self) -> None:
        pass

    def json(self) -> dict[str, Any]:
        return self.document


class Provider:
    """The identity provider as the web app's HTTP session sees it: discovery, JWKS and a token
    endpoint answering with the ID token the test sets."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.id_token = ""

    @property
    def jwks(self) -> dict[str, Any]:
        jwk = ECAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": KID, "alg": "ES256", "use": "sig"}]}

    def get(self, url: str, **_: Any) -> Answer:
        if url.endswith("/jwks.json"):
            return Answer(self.jwks)
        return Answer(
            {
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/oauth2/authorize",
                "token_endpoint": f"{ISSUER}/oauth2/token",
                "jwks_uri": f"{ISSUER}/.well-known/jwks.json",
            }
        )

    def fetch_token(self, url: str, **_: Any) -> dict[str, Any]:
        return {"id_token": self.id_token}

    def sign(self, claims: dict[str, Any], audience: str = CLIENT_ID) -> str:
        now = int(time.time())
        standard = {"iss": ISSUER, "aud": audience, "sub": "idp-subject-1", "iat": now, "exp": now + 300}
        return jwt.encode({**standard, **claims}, self.key, algorithm="ES256", headers={"kid": KID})


@pytest.fixture
def provider() -> Provider:
    return Provider()


def _built_app(monkeypatch: pytest.MonkeyPatch, provider: Provider, claim_names: dict[str, str]) -> WebApp:
    """The web app as the composition root builds it, with these claim names."""
    for name, value in {
        settings.WEB_BASE_URL: BASE_URL,
        settings.WEB_OIDC_DISCOVERY_URL: f"{ISSUER}/.well-known/openid-configuration",
        settings.WEB_OIDC_CLIENT_ID: CLIENT_ID,
        settings.WEB_SESSION_KEY: "synthetic-session-key-" + "0" * 32,
        settings.JWT_ISSUER: ISSUER,
        **claim_names,
    }.items():
        monkeypatch.setenv(name, value)
    for name in (
        settings.WEB_SESSION_KEY_SECRET_ARN,
        settings.WEB_OIDC_CLIENT_SECRET,
        settings.WEB_OIDC_CLIENT_SECRET_ARN,
    ):
        monkeypatch.delenv(name, raising=False)
    composition.reset()
    app = composition.web_app()
    monkeypatch.setattr(app.oidc, "_session", lambda *args, **kwargs: provider)
    return app


@pytest.fixture
def nested_claims_app(monkeypatch: pytest.MonkeyPatch, provider: Provider) -> Iterator[WebApp]:
    yield _built_app(monkeypatch, provider, NESTED_CLAIMS)
    composition.reset()


@pytest.fixture
def nested_subject_app(monkeypatch: pytest.MonkeyPatch, provider: Provider) -> Iterator[WebApp]:
    """Role and organisation under their default names; the user under a dotted one."""
    for name in (settings.ROLE_CLAIM, settings.ORG_CLAIM):
        monkeypatch.delenv(name, raising=False)
    yield _built_app(monkeypatch, provider, {settings.SUB_CLAIM: "nhs.uid"})
    composition.reset()


def _callback(app: WebApp, nonce: str) -> dict[str, Any]:
    """The identity provider sends the browser back with a code; the sign-in cookie is this app's."""
    pending = PendingSignIn(state="state-1", nonce=nonce, code_verifier="v" * 50, next_path="/app/")
    cookie = f"{app.cookies.sign_in_name}={app.sealer.seal_sign_in(pending)}"
    path = "/app/callback"
    match = match_route("GET", path)
    assert match is not None
    query = urlencode({"code": "code-1", "state": pending.state})
    headers = [("Host", "tracker.example.test"), ("Cookie", cookie)]
    context = request_context(match, "GET", path, "127.0.0.1", "pytest", "tracker.example.test")
    return app.handle(proxy_event(match, "GET", path, query, headers, b"", context, None))


def _session(app: WebApp, answer: dict[str, Any]) -> Session | None:
    for header in (answer.get("multiValueHeaders") or {}).get("Set-Cookie", []):
        name, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        if name == app.cookies.session_name and value:
            return app.sealer.open_session(value)
    return None


def test_nested_role_organisation_and_user_claims_sign_in_as_the_api_lets_them_in(
    nested_claims_app: WebApp, provider: Provider
) -> None:
    claims = {"nonce": "n-1", "nhs": {"role": "icb_editor", "org": "QE1", "uid": "synthetic-user-7"}}
    provider.id_token = provider.sign(claims)

    answer = _callback(nested_claims_app, "n-1")

    assert answer["statusCode"] == 303
    session = _session(nested_claims_app, answer)
    assert session is not None
    assert (session.role, session.org, session.sub) == ("icb_editor", "QE1", "synthetic-user-7")

    # The API's authorizer reads the same claims of the same identity provider to the same caller.
    api_settings = AuthSettings.from_env(
        {"JWKS_URL": "https://idp.example.test/jwks", "JWT_ISSUER": ISSUER, "JWT_AUDIENCE": "api"}
        | NESTED_CLAIMS
    )
    keys = SigningKeys(api_settings.jwks_url, 300, fetch=lambda: provider.jwks)
    identity = TokenVerifier(api_settings, keys).verify(provider.sign(claims, audience="api"))
    assert (identity.role.value, identity.org, identity.sub) == (session.role, session.org, session.sub)


def test_an_id_token_without_the_subject_claim_makes_no_session(
    nested_claims_app: WebApp, provider: Provider
) -> None:
    provider.id_token = provider.sign({"nonce": "n-2", "nhs": {"role": "icb_editor", "org": "QE1"}})

    answer = _callback(nested_claims_app, "n-2")

    assert answer["statusCode"] == 400  # the sign-in failed page: try again, or ask the service desk
    assert _session(nested_claims_app, answer) is None


def test_a_nested_subject_claim_names_the_user(nested_subject_app: WebApp, provider: Provider) -> None:
    claims = {"nonce": "n-5", "role": "icb_viewer", "org": "QE1", "nhs": {"uid": "synthetic-user-9"}}
    provider.id_token = provider.sign(claims)

    session = _session(nested_subject_app, _callback(nested_subject_app, "n-5"))

    assert session is not None and session.sub == "synthetic-user-9"


def test_without_the_nested_subject_claim_nobody_is_signed_in_as_a_placeholder_user(
    nested_subject_app: WebApp, provider: Provider
) -> None:
    """A missing subject was once the user "unknown", shared by everyone without one: their
    idempotency keys, cursor scopes and every change recorded under one name."""
    provider.id_token = provider.sign({"nonce": "n-6", "role": "icb_viewer", "org": "QE1"})

    answer = _callback(nested_subject_app, "n-6")

    assert answer["statusCode"] == 400
    assert _session(nested_subject_app, answer) is None


@pytest.mark.parametrize("subject", ["", 42, {"id": "synthetic-user"}])
def test_a_subject_claim_that_is_not_a_name_makes_no_session(
    nested_claims_app: WebApp, provider: Provider, subject: Any
) -> None:
    claims = {"nonce": "n-3", "nhs": {"role": "icb_editor", "org": "QE1", "uid": subject}}
    provider.id_token = provider.sign(claims)

    answer = _callback(nested_claims_app, "n-3")

    assert answer["statusCode"] == 400
    assert _session(nested_claims_app, answer) is None


def test_nested_claims_the_api_would_refuse_get_no_session(
    nested_claims_app: WebApp, provider: Provider
) -> None:
    claims = {"nonce": "n-4", "nhs": {"role": "regional", "org": "QE1", "uid": "synthetic-user-8"}}
    provider.id_token = provider.sign(claims)

    answer = _callback(nested_claims_app, "n-4")

    assert answer["statusCode"] == 403
    assert _session(nested_claims_app, answer) is None
    api_settings = AuthSettings.from_env(
        {"JWKS_URL": "https://idp.example.test/jwks", "JWT_ISSUER": ISSUER, "JWT_AUDIENCE": "api"}
        | NESTED_CLAIMS
    )
    keys = SigningKeys(api_settings.jwks_url, 300, fetch=lambda: provider.jwks)
    with pytest.raises(NotAllowed):
        TokenVerifier(api_settings, keys).verify(provider.sign(claims, audience="api"))
