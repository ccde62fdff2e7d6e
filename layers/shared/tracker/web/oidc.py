"""OpenID Connect sign-in: the authorization code flow with PKCE (S256), state and nonce, by Authlib
(its OAuth 2 client for the flow, its JOSE library joserfc for the ID token).

The identity provider's configuration is fetched from its discovery document once per container.
Its signing keys are kept as the API's authorizer keeps them (``tracker.auth.jwks``): for
JWKS_CACHE_SECONDS, so a key it withdrew stops verifying; fetched again, rate limited, for a key id
not seen; and an ID token is verified only with the keys its ``kid`` names whose type fits its
``alg``. The identity claims are read as the authorizer reads them (``tracker.auth.claims``). The
client secret is read through ``client_secrets`` (it may be put, or rotated, after deploy).
"""

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from tracker.auth.claims import ClaimNames
from tracker.auth.jwks import JwksUnavailable, KeySetCache
from tracker.settings import DEFAULT_JWKS_CACHE_SECONDS
from tracker.web.session import Fixed, PendingSignIn, Rotating

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
    """A client secret that never changes (tests); the composition root passes None and reads the
    deployed one through ``OidcClient``'s ``client_secrets``, as it may be put or rotated later."""
    redirect_uri: str
    scope: str = "openid"
    issuer: str | None = None
    """The issuer expected in the discovery document, exactly; None: the discovery URL without
    ``/.well-known/openid-configuration`` (OpenID Connect Discovery's own rule)."""
    claim_names: ClaimNames = field(default_factory=ClaimNames)
    """Where the ID token carries the role, organisation and user (the API's settings)."""
    jwks_cache_seconds: int = DEFAULT_JWKS_CACHE_SECONDS

    @property
    def expected_issuer(self) -> str:
        if self.issuer:
            return self.issuer
        if not self.discovery_url.endswith(DISCOVERY_SUFFIX):
            raise SignInFailed("the discovery URL does not end with " + DISCOVERY_SUFFIX)
        return self.discovery_url[: -len(DISCOVERY_SUFFIX)]

    @property
    def accepted_issuers(self) -> frozenset[str]:
        """The configured issuer alone; else the discovery URL's prefix, as it is or with the one
        terminating slash Discovery §4 removes from an issuer before appending its suffix."""
        if self.issuer:
            return frozenset({self.issuer})
        return frozenset({self.expected_issuer, self.expected_issuer + "/"})


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
    # Identical (OpenID Connect Discovery §4.3): the ID token's iss is then checked against it.
    if not isinstance(issuer, str) or issuer not in config.accepted_issuers:
        raise SignInFailed("the discovery document names another issuer")
    for name in ENDPOINTS:
        if not _secure_endpoint(document.get(name)):
            raise SignInFailed(f"the discovery document's {name} is not https")
    return dict(document)


class OidcClient:
    def __init__(self, config: OidcClientConfig, client_secrets: Rotating[str | None] | None = None) -> None:
        self.config = config
        self._client_secrets: Rotating[str | None] = client_secrets or Fixed(config.client_secret)
        self._metadata: dict[str, Any] | None = None
        self._signing_keys: KeySetCache | None = None
        self._lock = threading.Lock()

    def client_secret(self) -> str | None:
        """The client secret as last read (None: a public client, PKCE alone)."""
        return self._client_secrets()

    def _session(self) -> Any:
        from authlib.integrations.requests_client import OAuth2Session

        client_secret = self.client_secret()
        return OAuth2Session(
            self.config.client_id,
            client_secret,
            scope=self.config.scope,
            redirect_uri=self.config.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if client_secret else "none",
        )

    def _get_json(self, url: str) -> Any:
        response = self._session().get(url, timeout=HTTP_TIMEOUT_SECONDS, withhold_token=True)
        response.raise_for_status()
        return response.json()

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                self._metadata = checked_metadata(self._get_json(self.config.discovery_url), self.config)
            return self._metadata

    def _key_set(self) -> KeySetCache:
        jwks_uri = self.metadata()["jwks_uri"]
        with self._lock:
            if self._signing_keys is None:
                self._signing_keys = KeySetCache(
                    lambda: self._get_json(jwks_uri), self.config.jwks_cache_seconds
                )
            return self._signing_keys

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
        secret_used = self.client_secret()
        try:
            token = self._redeem(metadata["token_endpoint"], code, pending)
        except Exception as error:
            # Refused with a secret read before one was put or rotated? Once more with the new one
            # (client authentication fails before the code is looked at, so the code is unspent).
            if self._client_secrets.reload() == secret_used:
                raise SignInFailed(f"the token request failed ({type(error).__name__})") from None
            try:
                token = self._redeem(metadata["token_endpoint"], code, pending)
            except Exception as retried:
                raise SignInFailed(f"the token request failed ({type(retried).__name__})") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed("the identity provider returned no ID token")
        return self._verify(id_token, pending.nonce)

    def _redeem(self, token_endpoint: str, code: str, pending: PendingSignIn) -> dict[str, Any]:
        token: dict[str, Any] = self._session().fetch_token(
            token_endpoint,
            grant_type="authorization_code",
            code=code,
            code_verifier=pending.code_verifier,
            timeout=HTTP_TIMEOUT_SECONDS,
        )
        return token

    def _verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims once its signature, issuer, audience, times, nonce and user hold,
        with the identity claims also under their configured names (``ClaimNames.resolved``).

        joserfc is Authlib's own JOSE library (its dependency), which Authlib's deprecated
        ``authlib.jose`` now hands over to.
        """
        from joserfc import jwt
        from joserfc.jws import extract_compact

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
        try:
            header = extract_compact(id_token.encode()).headers()
        except Exception as error:
            raise SignInFailed(f"the ID token was refused ({type(error).__name__})") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALGORITHMS or not isinstance(kid, str) or not kid:
            raise SignInFailed("the ID token names no accepted algorithm and key id")
        try:
            keys = self._key_set().keys_for(kid, algorithm)
        except JwksUnavailable as error:
            raise SignInFailed(f"the identity provider's keys could not be fetched ({error})") from None
        # Several keys may share an id: any of them may have signed it.
        token = next(
            (found for jwk in keys if (found := _decoded(id_token, jwk, algorithm)) is not None), None
        )
        if token is None:
            raise SignInFailed("the ID token was refused (no key of its id and algorithm verifies it)")
        try:
            registry.validate(token.claims)
            _check_authorized_party(token.claims, self.config.client_id)
        except Exception as error:
            raise SignInFailed(f"the ID token was refused ({type(error).__name__})") from None
        names = self.config.claim_names
        if names.subject(token.claims) is None:
            raise SignInFailed(f"the ID token names no user (claim {names.sub})")
        return names.resolved(dict(token.claims))


def _decoded(id_token: str, jwk: Any, algorithm: str) -> Any:
    """The token verified with this key (bound to ``algorithm``), or None when it does not verify."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import import_key

    try:
        return jwt.decode(id_token, import_key(dict(jwk)), algorithms=[algorithm])
    except (JoseError, ValueError, TypeError):  # another key's signature, or unreadable key material
        return None


def _check_authorized_party(claims: dict[str, Any], client_id: str) -> None:
    """An ID token for several audiences must name this client as the party it was issued to
    (``azp``); an ``azp`` naming another client is refused whatever the audience."""
    audience = claims.get("aud")
    several = isinstance(audience, list) and len(audience) > 1
    if (several or "azp" in claims) and claims.get("azp") != client_id:
        raise ValueError("azp")
