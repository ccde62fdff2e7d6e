"""Bearer-token verification: signature against the identity provider's JWKS, then the claims.

Two outcomes besides success, kept apart because API Gateway answers them differently:

- ``InvalidToken``: missing, malformed, unsigned, tampered, expired, not yet valid, foreign
  issuer or audience, unknown signing key (401);
- ``NotAllowed``: a genuine token whose role or organisation the tracker does not know (403).

Signing keys: the JWKS document is kept for ``JWKS_CACHE_SECONDS`` and then fetched again, so a key
the identity provider removed stops verifying within that time. No key outlives the document it
came in (PyJWKClient's ``cache_keys`` would keep a used key for the life of the container). Which
keys may verify a token, and when the document is fetched again: ``tracker.auth.jwks``. A failed
fetch with no document within its lifespan is ``tracker.auth.jwks.JwksUnavailable`` (500).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient

from tracker.access import is_known_org
from tracker.auth.claims import claim
from tracker.auth.jwks import UNKNOWN_KEY_REFRESH_SECONDS, KeySetCache
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


@dataclass(frozen=True)
class Identity:
    role: Role
    org: str
    sub: str
    name: str | None = None  # the person's name, as a change records it, when the token gives one


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


JWKS_FETCH_TIMEOUT_SECONDS = 5


class SigningKeys(KeySetCache):
    """The identity provider's signing keys at ``jwks_url`` (see ``tracker.auth.jwks``), as PyJWT
    key objects, each bound to the one algorithm it may verify."""

    def __init__(
        self,
        jwks_url: str,
        lifespan_seconds: float,
        *,
        fetch: Callable[[], Any] | None = None,
        clock: Callable[[], float] | None = None,
        unknown_key_refresh_seconds: float = UNKNOWN_KEY_REFRESH_SECONDS,
    ) -> None:
        # PyJWKClient only to fetch (no redirects, a timeout); both its caches stay off.
        super().__init__(
            fetch
            or PyJWKClient(
                jwks_url, cache_keys=False, cache_jwk_set=False, timeout=JWKS_FETCH_TIMEOUT_SECONDS
            ).fetch_data,
            lifespan_seconds,
            clock=clock,
            unknown_key_refresh_seconds=unknown_key_refresh_seconds,
        )

    def verification_keys(self, kid: str, algorithm: str) -> list[PyJWK]:
        """The keys named ``kid`` whose type fits ``algorithm``, bound to it."""
        keys = []
        for jwk in self.keys_for(kid, algorithm):
            try:
                keys.append(PyJWK(dict(jwk), algorithm))
            except jwt.PyJWTError:
                continue  # key material PyJWT cannot read verifies nothing
        return keys


class TokenVerifier:
    def __init__(self, settings: AuthSettings, signing_keys: SigningKeys | None = None) -> None:
        self.settings = settings
        self.signing_keys = signing_keys or SigningKeys(settings.jwks_url, settings.jwks_cache_seconds)

    def verify(self, token: str) -> Identity:
        claims = self._verified_claims(token)
        names = self.settings.claim_names
        sub = names.subject(claims)
        if sub is None:
            raise InvalidToken(f"no {names.sub} claim")
        role_value = claim(claims, names.role)
        org = claim(claims, names.org)
        try:
            role = Role(role_value)
        except ValueError:
            raise NotAllowed(f"unknown role in claim {names.role}", sub) from None
        if not isinstance(org, str) or not is_known_org(role, org):
            raise NotAllowed(f"unknown organisation for role {role.value}", sub)
        return Identity(role=role, org=org, sub=sub, name=names.person_name(claims))

    def _verified_claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken(f"malformed token: {error}") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise InvalidToken(f"algorithm {algorithm!r} not accepted")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("the token names no signing key (kid)")
        keys = self.signing_keys.verification_keys(kid, algorithm)
        if not keys:
            raise InvalidToken(f"no {algorithm} signing key {kid!r} in the identity provider's JWKS")
        refusal: jwt.PyJWTError | None = None
        for key in keys:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token,
                    key,  # the key object: its own algorithm verifies, not the header's say-so
                    algorithms=[algorithm],
                    audience=list(self.settings.audiences),
                    issuer=self.settings.issuer,
                    leeway=self.settings.leeway_seconds,
                    options={"require": ["exp", "iss", "aud"]},
                )
            except jwt.InvalidSignatureError as error:
                refusal = error  # another key with this id may have signed it
                continue
            except jwt.PyJWTError as error:
                raise InvalidToken(f"{type(error).__name__}: {error}") from None
            return claims
        raise InvalidToken(f"{type(refusal).__name__}: {refusal}")
