"""Bearer-token verification: signature against the identity provider's JWKS, then the claims.

Two outcomes besides success, kept apart because API Gateway answers them differently:

- ``InvalidToken``: missing, malformed, unsigned, tampered, expired, not yet valid, foreign
  issuer or audience, unknown signing key (401);
- ``NotAllowed``: a genuine token whose role or organisation the tracker does not know (403).
"""

from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWKClient

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


class TokenVerifier:
    def __init__(self, settings: AuthSettings, jwks_client: PyJWKClient | None = None) -> None:
        self.settings = settings
        self.jwks_client = jwks_client or PyJWKClient(
            settings.jwks_url, cache_keys=True, lifespan=settings.jwks_cache_seconds, timeout=5
        )

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
        try:
            signing_key = self.jwks_client.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as error:
            raise JwksUnavailable(str(error)) from error
        except jwt.PyJWTError as error:
            raise InvalidToken(f"no matching signing key: {error}") from None
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
