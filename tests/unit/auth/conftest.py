"""Keys, signing keys handed in without a network, and a JWKS document served on 127.0.0.1 that a
test can change, with a clock it moves: every key generated per session."""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from tests.support import monotonic
from tests.support.monotonic import MovingClock as Clock
from tracker.auth import tokens
from tracker.auth.settings import AuthSettings

ISSUER = "https://idp.example.test"
AUDIENCE = "tracker-tests"
JWKS_URL = "https://idp.example.test/.well-known/jwks.json"


def static_signing_keys(jwks: dict[str, Any]) -> "tokens.SigningKeys":
    """Signing keys whose JWKS document is handed in, not fetched (key selection logic unchanged)."""
    return tokens.SigningKeys(JWKS_URL, 300, fetch=lambda: jwks)


def public_jwk(private_key: Any, kid: str) -> dict[str, Any]:
    if isinstance(private_key, rsa.RSAPrivateKey):
        jwk = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        jwk.update(kid=kid, alg="RS256", use="sig")
    else:
        jwk = ECAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        jwk.update(kid=kid, alg="ES256", use="sig")
    return dict(jwk)


class JwksServer:
    """An identity provider's JWKS endpoint on 127.0.0.1: ``document`` is served as it is now, with
    ``status`` (set it to 503 for an identity provider that is failing)."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.status = 200
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                body = json.dumps(server.document).encode() if server.status == 200 else b"{}"
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/.well-known/jwks.json"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    server = JwksServer()
    yield server
    server.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return monotonic.install(monkeypatch)


class Keys:
    def __init__(self) -> None:
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.foreign_ec = ec.generate_private_key(ec.SECP256R1())
        self.ec_kid = "ec-" + uuid.uuid4().hex[:8]
        self.rsa_kid = "rsa-" + uuid.uuid4().hex[:8]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(self.ec, self.ec_kid), public_jwk(self.rsa, self.rsa_kid)]}

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
def signing_keys(keys: Keys) -> "tokens.SigningKeys":
    return static_signing_keys(keys.jwks())


@pytest.fixture
def authorizer(
    monkeypatch: pytest.MonkeyPatch, settings: AuthSettings, signing_keys: "tokens.SigningKeys"
) -> Iterator[Any]:
    """The real handler module, its verifier wired to the static JWKS."""
    from functions.authorizer import handler
    from tracker.auth.tokens import TokenVerifier

    handler.reset()
    monkeypatch.setattr(handler, "verifier", lambda: TokenVerifier(settings, signing_keys))
    yield handler
    handler.reset()
