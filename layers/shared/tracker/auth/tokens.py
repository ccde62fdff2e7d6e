"""Bearer-token verification: signature against the identity provider's JWKS, then the claims.

Two outcomes besides success, kept apart because API Gateway answers them differently:

- ``InvalidToken``: missing, malformed, unsigned, tampered, expired, not yet valid, foreign
  issuer or audience, unknown signing key (401);
- ``NotAllowed``: a genuine token whose role or organisation the tracker does not know (403).

Signing keys: the JWKS document is kept for ``JWKS_CACHE_SECONDS`` and then fetched again, so a key
the identity provider removed stops verifying within that time. No key outlives the document it
came in (PyJWKClient's ``cache_keys`` would keep a used key for the life of the container).
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKSet

from tracker.access import is_known_org
from tracker.auth.settings import ALLOWED_ALGORITHMS, AuthSettings
from tracker.models.enums import Role

BEARER_PREFIX = "bearer "


class InvalidToken(Exception):
    """No valid token: the caller is not authenticated (401)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotAllowed(Exception):
    """A valid token, but its role or organisation is not one the tracker serves (403)."""

    def __init__(self, reason: str, sub: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sub = sub


class JwksUnavailable(RuntimeError):
    """The identity provider's keys could not be fetched (a fault of ours or theirs, not the caller's)."""


@dataclass(frozen=True)
class Identity:
    role: Role
    org: str
    sub: str


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header value."""
    if not authorization:
        raise InvalidToken("no Authorization header")
    value = authorization.strip()
    if value[: len(BEARER_PREFIX)].lower() != BEARER_PREFIX:
        raise InvalidToken("Authorization is not a Bearer token")
    token = value[len(BEARER_PREFIX) :].strip()
    if not token:
        raise InvalidToken("empty Bearer token")
    return token


def claim(claims: dict[str, Any], name: str) -> Any:
    """A claim by name; a dotted name walks nested objects when no flat claim has that name."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


UNKNOWN_KEY_REFRESH_SECONDS = 30.0
"""A token naming a key the cached document lacks fetches the document again (a key just added by
a rotation), but at most this often, so tokens with made-up key ids cannot hammer the provider."""
JWKS_FETCH_TIMEOUT_SECONDS = 5


def _monotonic() -> float:
    return time.monotonic()  # looked up at each call, so tests can move the clock


class SigningKeys:
    """The identity provider's signing keys: the whole JWKS document, fetched again once it is
    ``lifespan_seconds`` old (0: on every use), and on an unknown key id (rate limited).

    A failed fetch is ``JwksUnavailable``; an expired document is never used in its place, since
    that would keep a removed key verifying for as long as the provider is unreachable.
    """

    def __init__(
        self,
        jwks_url: str,
        lifespan_seconds: float,
        *,
        fetch: Callable[[], Any] | None = None,
        clock: Callable[[], float] = _monotonic,
        unknown_key_refresh_seconds: float = UNKNOWN_KEY_REFRESH_SECONDS,
    ) -> None:
        if lifespan_seconds < 0:
            raise ValueError("lifespan_seconds must not be negative")
        self.lifespan_seconds = lifespan_seconds
        self.unknown_key_refresh_seconds = unknown_key_refresh_seconds
        # PyJWKClient only to fetch (no redirects, a timeout); both its caches stay off.
        self._fetch = (
            fetch
            or PyJWKClient(
                jwks_url, cache_keys=False, cache_jwk_set=False, timeout=JWKS_FETCH_TIMEOUT_SECONDS
            ).fetch_data
        )
        self._clock = clock
        self._keys: dict[str, PyJWK] | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()  # the local stack's gateway verifies on several threads

    def _refresh(self) -> dict[str, PyJWK]:
        try:
            document = self._fetch()
            key_set = PyJWKSet.from_dict(document if isinstance(document, dict) else {})
        except jwt.PyJWKClientConnectionError as error:
            raise JwksUnavailable(str(error)) from error
        except jwt.PyJWTError as error:
            raise JwksUnavailable(f"the JWKS document is not usable: {error}") from error
        self._fetched_at = self._clock()
        self._keys = {
            key.key_id: key for key in key_set.keys if key.key_id and key.public_key_use in ("sig", None)
        }
        return self._keys

    def signing_key(self, kid: str | None) -> PyJWK:
        if not kid:
            raise InvalidToken("the token names no signing key (kid)")
        with self._lock:
            keys = self._keys
            age = self._clock() - self._fetched_at
            # A negative age means the clock is not the one the document was fetched by (a
            # SnapStart restore resumes in another machine's monotonic time): fetch again.
            if keys is None or not 0 <= age < self.lifespan_seconds:
                self._keys = None  # an expired document is not kept as a fallback
                keys = self._refresh()
                age = 0.0
            if kid not in keys and age >= self.unknown_key_refresh_seconds:
                keys = self._refresh()
            key = keys.get(kid)
        if key is None:
            raise InvalidToken(f"no signing key {kid!r} in the identity provider's JWKS")
        return key

    def forget(self) -> None:
        """Drop the fetched document: the next token fetches it again (after a SnapStart restore)."""
        with self._lock:
            self._keys = None
            self._fetched_at = 0.0

    def get_signing_key_from_jwt(self, token: str) -> PyJWK:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as error:
            raise InvalidToken(f"malformed token: {error}") from None
        return self.signing_key(kid if isinstance(kid, str) else None)


class TokenVerifier:
    def __init__(self, settings: AuthSettings, signing_keys: SigningKeys | None = None) -> None:
        self.settings = settings
        self.signing_keys = signing_keys or SigningKeys(settings.jwks_url, settings.jwks_cache_seconds)

    def verify(self, token: str) -> Identity:
        claims = self._verified_claims(token)
        sub = claim(claims, self.settings.sub_claim)
        if not isinstance(sub, str) or not sub:
            raise InvalidToken(f"no {self.settings.sub_claim} claim")
        role_value = claim(claims, self.settings.role_claim)
        org = claim(claims, self.settings.org_claim)
        try:
            role = Role(role_value)
        except ValueError:
            raise NotAllowed(f"unknown role in claim {self.settings.role_claim}", sub) from None
        if not isinstance(org, str) or not is_known_org(role, org):
            raise NotAllowed(f"unknown organisation for role {role.value}", sub)
        return Identity(role=role, org=org, sub=sub)

    def _verified_claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken(f"malformed token: {error}") from None
        algorithm = header.get("alg")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise InvalidToken(f"algorithm {algorithm!r} not accepted")
        signing_key = self.signing_keys.get_signing_key_from_jwt(token)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                signing_key.key,
                algorithms=[algorithm],
                audience=list(self.settings.audiences),
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(f"{type(error).__name__}: {error}") from None
        return claims
