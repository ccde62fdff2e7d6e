"""OpenID Connect sign-in: the authorization code flow with PKCE (S256), state and nonce, by Authlib
(its OAuth 2 client for the flow, its JOSE library joserfc for the ID token).

The identity provider's configuration and keys are fetched from its discovery document and kept
for the container's life (keys are fetched again when an ID token names one not yet seen).
"""

import secrets
import threading
from dataclasses import dataclass
from typing import Any, cast

from tracker.web.session import PendingSignIn

HTTP_TIMEOUT_SECONDS = 5
LEEWAY_SECONDS = 30
ALGORITHMS = ["ES256", "RS256", "PS256"]
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


PUBLIC_CLIENT_SECRETS = frozenset({"", "none"})
"""A client secret holding one of these (any case, spaces ignored) means a public client: PKCE alone,
no client authentication (a deployment's secret can hold ``none`` when the provider issued none)."""


def client_secret_or_none(value: str | None) -> str | None:
    """The client secret, or None for a public client."""
    if value is None or value.strip().lower() in PUBLIC_CLIENT_SECRETS:
        return None
    return value


class SignInFailed(Exception):
    """The identity provider's answer could not be accepted; the message names no token content."""


@dataclass(frozen=True)
class OidcClientConfig:
    discovery_url: str
    client_id: str
    client_secret: str | None
    redirect_uri: str
    scope: str = "openid"
    issuer: str | None = None
    """The issuer expected in the discovery document; None: the discovery URL without
    ``/.well-known/openid-configuration`` (OpenID Connect Discovery's own rule)."""

    @property
    def expected_issuer(self) -> str:
        if self.issuer:
            return self.issuer
        if not self.discovery_url.endswith(DISCOVERY_SUFFIX):
            raise SignInFailed("the discovery URL does not end with " + DISCOVERY_SUFFIX)
        return self.discovery_url[: -len(DISCOVERY_SUFFIX)]


def _secure_endpoint(url: object) -> bool:
    """https, or plain http on loopback only (the local stack): the API's rule for its JWKS URL."""
    from tracker.auth.settings import _is_https, _is_loopback_http

    return isinstance(url, str) and (_is_https(url) or _is_loopback_http(url))


def checked_metadata(document: object, config: OidcClientConfig) -> dict[str, Any]:
    """The discovery document once it names the expected issuer and secure endpoints: a document
    from the wrong place (or tampered with on the way) is refused before anything trusts it."""
    if not isinstance(document, dict):
        raise SignInFailed("the discovery document is not a JSON object")
    issuer = document.get("issuer")
    if not isinstance(issuer, str) or issuer.rstrip("/") != config.expected_issuer.rstrip("/"):
        raise SignInFailed("the discovery document names another issuer")
    for name in ENDPOINTS:
        if not _secure_endpoint(document.get(name)):
            raise SignInFailed(f"the discovery document's {name} is not https")
    return dict(document)


class OidcClient:
    def __init__(self, config: OidcClientConfig) -> None:
        self.config = config
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def _session(self) -> Any:
        from authlib.integrations.requests_client import OAuth2Session

        return OAuth2Session(
            self.config.client_id,
            self.config.client_secret,
            scope=self.config.scope,
            redirect_uri=self.config.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if self.config.client_secret else "none",
        )

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                response = self._session().get(
                    self.config.discovery_url, timeout=HTTP_TIMEOUT_SECONDS, withhold_token=True
                )
                response.raise_for_status()
                self._metadata = checked_metadata(response.json(), self.config)
            return self._metadata

    def _keys(self, refresh: bool) -> dict[str, Any]:
        with self._lock:
            if self._jwks is None or refresh:
                assert self._metadata is not None
                response = self._session().get(
                    self._metadata["jwks_uri"], timeout=HTTP_TIMEOUT_SECONDS, withhold_token=True
                )
                response.raise_for_status()
                self._jwks = dict(response.json())
            return self._jwks

    def begin(self, next_path: str) -> tuple[str, PendingSignIn]:
        """The identity provider's URL to send the browser to, and what to check on its return."""
        from authlib.common.security import generate_token

        pending = PendingSignIn(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            code_verifier=generate_token(64),
            next_path=next_path,
        )
        url, _ = self._session().create_authorization_url(
            self.metadata()["authorization_endpoint"],
            state=pending.state,
            code_verifier=pending.code_verifier,
            nonce=pending.nonce,
        )
        return str(url), pending

    def finish(self, code: str, pending: PendingSignIn) -> dict[str, Any]:
        """Exchange the code (with the PKCE verifier) and return the ID token's verified claims."""
        metadata = self.metadata()
        try:
            token = self._session().fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=pending.code_verifier,
                timeout=HTTP_TIMEOUT_SECONDS,
            )
        except Exception as error:
            raise SignInFailed(f"the token request failed ({type(error).__name__})") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed("the identity provider returned no ID token")
        return self._verify(id_token, pending.nonce)

    def _verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims once its signature, issuer, audience, times and nonce hold.

        joserfc is Authlib's own JOSE library (its dependency), which Authlib's deprecated
        ``authlib.jose`` now hands over to.
        """
        from joserfc import jwt
        from joserfc.jwk import KeySet

        metadata = self.metadata()
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": metadata["issuer"]},
            aud={"essential": True, "value": self.config.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        token = None
        for refresh in (False, True):  # keys fetched again once: the provider may have rotated them
            try:
                token = jwt.decode(
                    id_token, KeySet.import_key_set(cast(Any, self._keys(refresh))), algorithms=ALGORITHMS
                )
                break
            except Exception as error:  # any failure to verify is a refusal
                if refresh:
                    raise SignInFailed(f"the ID token was refused ({type(error).__name__})") from None
        assert token is not None
        try:
            registry.validate(token.claims)
            _check_authorized_party(token.claims, self.config.client_id)
        except Exception as error:
            raise SignInFailed(f"the ID token was refused ({type(error).__name__})") from None
        return dict(token.claims)


def _check_authorized_party(claims: dict[str, Any], client_id: str) -> None:
    """An ID token for several audiences must name this client as the party it was issued to
    (``azp``); an ``azp`` naming another client is refused whatever the audience."""
    audience = claims.get("aud")
    several = isinstance(audience, list) and len(audience) > 1
    if (several or "azp" in claims) and claims.get("azp") != client_id:
        raise ValueError("azp")
