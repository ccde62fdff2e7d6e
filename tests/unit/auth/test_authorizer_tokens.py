"""The REQUEST authorizer: every way a token is refused, and what a good token yields."""

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from tracker.auth.claims import claim
from tracker.auth.policy import api_wide_resource
from tracker.auth.settings import AuthConfigurationError, AuthSettings
from tracker.auth.tokens import InvalidToken, NotAllowed, SigningKeys, TokenVerifier, bearer_token

from .conftest import AUDIENCE, ISSUER, JWKS_URL, Keys

METHOD_ARN = "arn:aws:execute-api:eu-west-2:123456789012:abc123/prod/GET/cases"


def event(token: str | None, scheme: str = "Bearer") -> dict[str, Any]:
    headers = {} if token is None else {"Authorization": f"{scheme} {token}"}
    return {"type": "REQUEST", "methodArn": METHOD_ARN, "headers": headers}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_public_key(keys: Keys, claims: dict[str, Any]) -> str:
    """The key-confusion attack: HMAC-signed with the (public) verification key as the secret."""
    secret = keys.ec.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": keys.ec_kid}).encode())
    signing_input = f"{header}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def unauthorized(authorizer: Any, request: dict[str, Any]) -> None:
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.lambda_handler(request, None)


def test_a_valid_es256_token_is_allowed_for_the_whole_api(authorizer: Any, keys: Keys) -> None:
    result = authorizer.lambda_handler(event(keys.token()), None)
    assert result["principalId"] == "user-123"
    statement = result["policyDocument"]["Statement"][0]
    assert statement == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": "arn:aws:execute-api:eu-west-2:123456789012:abc123/prod/*/*",
    }
    # The token names nobody: the name is empty (a context holds no null).
    assert result["context"] == {"role": "icb_editor", "org": "QE1", "sub": "user-123", "name": ""}


def test_a_valid_rs256_token_is_allowed(authorizer: Any, keys: Keys) -> None:
    result = authorizer.lambda_handler(event(keys.token(algorithm="RS256", role="national", org="X24")), None)
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert result["context"]["role"] == "national"


def test_the_header_name_and_scheme_are_case_insensitive(authorizer: Any, keys: Keys) -> None:
    request = {"methodArn": METHOD_ARN, "headers": {"authorization": f"bearer {keys.token()}"}}
    assert authorizer.lambda_handler(request, None)["context"]["org"] == "QE1"


@pytest.mark.parametrize(
    "name",
    [
        "no header",
        "not bearer",
        "empty bearer",
        "malformed",
        "expired",
        "not yet valid",
        "wrong issuer",
        "wrong audience",
        "no expiry",
        "no subject",
        "tampered payload",
        "tampered signature",
        "foreign key",
        "unknown kid",
        "no kid",
        "alg none",
        "alg HS256 with the public key",
    ],
)
def test_invalid_tokens_are_401(authorizer: Any, keys: Keys, name: str) -> None:
    now = int(time.time())
    good = keys.token()
    header, payload, signature = good.split(".")
    tampered_claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    tampered_claims["org"] = "QWE"
    tampered_payload = base64.urlsafe_b64encode(json.dumps(tampered_claims).encode()).rstrip(b"=").decode()
    none_claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "x",
        "exp": now + 60,
        "role": "national",
        "org": "X24",
    }
    none_header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": keys.ec_kid}).encode())
    none_token = f"{none_header}.{_b64(json.dumps(none_claims).encode())}."
    hs_token = hs256_with_public_key(
        keys, {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 60, "role": "national", "org": "X24"}
    )
    requests = {
        "no header": event(None),
        "not bearer": event(good, scheme="Basic"),
        "empty bearer": event(""),
        "malformed": event("not-a-jwt"),
        "expired": event(keys.token(overrides={"exp": now - 120, "iat": now - 800, "nbf": now - 800})),
        "not yet valid": event(keys.token(overrides={"nbf": now + 300})),
        "wrong issuer": event(keys.token(overrides={"iss": "https://evil.example.test"})),
        "wrong audience": event(keys.token(overrides={"aud": "another-api"})),
        "no expiry": event(keys.token(drop=("exp",))),
        "no subject": event(keys.token(drop=("sub",))),
        "tampered payload": event(f"{header}.{tampered_payload}.{signature}"),
        "tampered signature": event(f"{header}.{payload}.{signature[:-4]}AAAA"),
        "foreign key": event(keys.token(key=keys.foreign_ec)),
        "unknown kid": event(keys.token(kid="rotated-away")),
        "no kid": event(
            jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 60}, keys.ec, "ES256")
        ),
        "alg none": event(none_token),
        "alg HS256 with the public key": event(hs_token),
    }
    unauthorized(authorizer, requests[name])


def test_small_clock_skew_is_tolerated(authorizer: Any, keys: Keys) -> None:
    now = int(time.time())
    token = keys.token(overrides={"exp": now - 10, "nbf": now + 10})
    assert (
        authorizer.lambda_handler(event(token), None)["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    )


@pytest.mark.parametrize(
    ("role", "org"),
    [
        ("superuser", "QE1"),  # unknown role
        ("icb_editor", "ZZZ"),  # unknown ICB
        ("regional", "QE1"),  # an ICB code is not a region
        ("national", "QE1"),  # national is NHS England only
        (["icb_editor"], "QE1"),  # not a string
        ("icb_editor", None),  # no org
    ],
)
def test_genuine_tokens_with_unknown_role_or_org_are_denied(
    authorizer: Any, keys: Keys, role: Any, org: Any
) -> None:
    result = authorizer.lambda_handler(event(keys.token(role=role, org=org)), None)
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert result["policyDocument"]["Statement"][0]["Resource"].endswith("/prod/*/*")
    assert "context" not in result


def test_claim_names_are_configurable_and_may_be_nested(keys: Keys, signing_keys: SigningKeys) -> None:
    settings = AuthSettings.from_env(
        {
            "JWKS_URL": JWKS_URL,
            "JWT_ISSUER": ISSUER,
            "JWT_AUDIENCE": f"other, {AUDIENCE}",
            "ROLE_CLAIM": "custom:role",
            "ORG_CLAIM": "nhs.org_code",
        }
    )
    token = keys.token(role=None, org=None, overrides={"custom:role": "regional", "nhs": {"org_code": "Y62"}})
    identity = TokenVerifier(settings, signing_keys).verify(token)
    assert (identity.role.value, identity.org, identity.sub) == ("regional", "Y62", "user-123")
    with pytest.raises(NotAllowed):
        TokenVerifier(settings, signing_keys).verify(keys.token())  # role/org under the default names only


def test_settings_come_from_the_environment_and_are_checked() -> None:
    env = {"JWKS_URL": JWKS_URL, "JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE, "JWT_LEEWAY_SECONDS": "5"}
    settings = AuthSettings.from_env(env)
    assert (settings.role_claim, settings.org_claim, settings.sub_claim, settings.leeway_seconds) == (
        "role",
        "org",
        "sub",
        5,
    )
    with pytest.raises(AuthConfigurationError):
        AuthSettings.from_env({**env, "JWKS_URL": "http://idp.example.test/jwks.json"})  # http off loopback
    with pytest.raises(AuthConfigurationError):
        AuthSettings.from_env({**env, "JWT_AUDIENCE": ""})
    assert AuthSettings.from_env({**env, "JWKS_URL": "http://127.0.0.1:3000/.well-known/jwks.json"})


def test_helpers() -> None:
    assert bearer_token("Bearer  abc ") == "abc"
    with pytest.raises(InvalidToken):
        bearer_token(None)
    assert claim({"a": {"b": 1}, "a.c": 2}, "a.b") == 1
    assert claim({"a": {"b": 1}, "a.c": 2}, "a.c") == 2
    assert claim({"a": 1}, "a.b") is None
    assert api_wide_resource(METHOD_ARN) == "arn:aws:execute-api:eu-west-2:123456789012:abc123/prod/*/*"
