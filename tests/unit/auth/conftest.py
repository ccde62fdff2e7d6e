"""Keys and a JWKS client that serves them without a network: every key generated per session."""

import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt import PyJWKClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from tracker.auth.settings import AuthSettings

ISSUER = "https://idp.example.test"
AUDIENCE = "tracker-tests"
JWKS_URL = "https://idp.example.test/.well-known/jwks.json"


class StaticJwksClient(PyJWKClient):
    """PyJWKClient with its JWKS handed in, not fetched (key selection logic unchanged)."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        super().__init__(JWKS_URL, cache_keys=False, cache_jwk_set=False)
        self._jwks = jwks
        self.fetches = 0

    def fetch_data(self) -> Any:
        self.fetches += 1
        return self._jwks


class Keys:
    def __init__(self) -> None:
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.foreign_ec = ec.generate_private_key(ec.SECP256R1())
        self.ec_kid = "ec-" + uuid.uuid4().hex[:8]
        self.rsa_kid = "rsa-" + uuid.uuid4().hex[:8]

    def jwks(self) -> dict[str, Any]:
        ec_jwk = ECAlgorithm.to_jwk(self.ec.public_key(), as_dict=True)
        rsa_jwk = RSAAlgorithm.to_jwk(self.rsa.public_key(), as_dict=True)
        ec_jwk.update(kid=self.ec_kid, alg="ES256", use="sig")
        rsa_jwk.update(kid=self.rsa_kid, alg="RS256", use="sig")
        return {"keys": [ec_jwk, rsa_jwk]}

    def token(
        self,
        *,
        algorithm: str = "ES256",
        key: Any = None,
        kid: str | None = None,
        role: Any = "icb_editor",
        org: Any = "QE1",
        overrides: dict[str, Any] | None = None,
        drop: tuple[str, ...] = (),
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "user-123",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "role": role,
            "org": org,
        }
        claims.update(overrides or {})
        for name in drop:
            claims.pop(name, None)
        if algorithm == "RS256":
            signing_key, default_kid = key or self.rsa, self.rsa_kid
        else:
            signing_key, default_kid = key or self.ec, self.ec_kid
        return jwt.encode(claims, signing_key, algorithm=algorithm, headers={"kid": kid or default_kid})


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys()


@pytest.fixture
def settings() -> AuthSettings:
    return AuthSettings(jwks_url=JWKS_URL, issuer=ISSUER, audiences=(AUDIENCE,))


@pytest.fixture
def jwks_client(keys: Keys) -> StaticJwksClient:
    return StaticJwksClient(keys.jwks())


@pytest.fixture
def authorizer(
    monkeypatch: pytest.MonkeyPatch, settings: AuthSettings, jwks_client: StaticJwksClient
) -> Iterator[Any]:
    """The real handler module, its verifier wired to the static JWKS."""
    from functions.authorizer import handler
    from tracker.auth.tokens import TokenVerifier

    handler.reset()
    monkeypatch.setattr(handler, "verifier", lambda: TokenVerifier(settings, jwks_client))
    yield handler
    handler.reset()
