"""The authorizer's configuration, checked: built from the one settings model (``tracker.settings``).

The CDK app sets the variables on the authorizer function; the local stack sets them on its own
process. The names below are ``tracker.settings``' own, kept here under the authorizer's words.
"""

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import ValidationError

from tracker import settings
from tracker.auth.claims import ClaimNames

JWKS_URL_ENV = settings.JWKS_URL
"""The identity provider's JWKS document (https; plain http only on loopback for the local stack)."""
JWT_ISSUER_ENV = settings.JWT_ISSUER
"""Expected ``iss`` claim, exactly."""
JWT_AUDIENCE_ENV = settings.JWT_AUDIENCE
"""Expected ``aud`` claim (comma-separated to accept several)."""
ROLE_CLAIM_ENV = settings.ROLE_CLAIM
"""Name of the claim carrying the role (default ``role``); a dotted path reaches a nested claim."""
ORG_CLAIM_ENV = settings.ORG_CLAIM
"""Name of the claim carrying the organisation code (default ``org``); dotted paths allowed."""
SUB_CLAIM_ENV = settings.SUB_CLAIM
"""Name of the claim identifying the user (default ``sub``); dotted paths allowed."""
NAME_CLAIM_ENV = settings.NAME_CLAIM
"""Name of the claim giving the person's name, recorded with their changes (default ``name``)."""
JWT_LEEWAY_ENV = settings.JWT_LEEWAY_SECONDS
"""Clock skew tolerated on ``exp``, ``nbf`` and ``iat`` (default 30 seconds)."""
JWKS_CACHE_SECONDS_ENV = settings.JWKS_CACHE_SECONDS
"""How long the fetched JWKS is kept in the container before it is fetched again (default 300)."""

ALL_ENV_NAMES: tuple[str, ...] = (
    JWKS_URL_ENV,
    JWT_ISSUER_ENV,
    JWT_AUDIENCE_ENV,
    ROLE_CLAIM_ENV,
    ORG_CLAIM_ENV,
    SUB_CLAIM_ENV,
    NAME_CLAIM_ENV,
    JWT_LEEWAY_ENV,
    JWKS_CACHE_SECONDS_ENV,
)

ALLOWED_ALGORITHMS: tuple[str, ...] = ("RS256", "ES256")
DEFAULT_ROLE_CLAIM = settings.DEFAULT_ROLE_CLAIM
DEFAULT_ORG_CLAIM = settings.DEFAULT_ORG_CLAIM
DEFAULT_SUB_CLAIM = settings.DEFAULT_SUB_CLAIM
DEFAULT_NAME_CLAIM = settings.DEFAULT_NAME_CLAIM
DEFAULT_LEEWAY_SECONDS = settings.DEFAULT_JWT_LEEWAY_SECONDS
DEFAULT_JWKS_CACHE_SECONDS = settings.DEFAULT_JWKS_CACHE_SECONDS
AUTHORIZER_CACHE_SECONDS = 0
"""API Gateway's authorizer result cache TTL (CDK ``results_cache_ttl``; the local stack mimics it).

0: no cache, the authorizer runs on every request. API Gateway's TTL is one number per authorizer,
not per token, so any TTL above 0 would keep accepting a token for up to that long after its
``exp`` (and after its key was withdrawn); for special-category data that is not acceptable. The
cost is one authorizer run per request, cheap while the JWKS document is cached in the container.
"""
IDENTITY_HEADER = "Authorization"
"""The authorizer's identity source: API Gateway answers 401 itself when this header is missing."""


class AuthConfigurationError(settings.ConfigurationError):
    """The authorizer is misconfigured (a deployment fault, not a caller fault)."""


@dataclass(frozen=True)
class AuthSettings:
    jwks_url: str
    issuer: str
    audiences: tuple[str, ...]
    role_claim: str = DEFAULT_ROLE_CLAIM
    org_claim: str = DEFAULT_ORG_CLAIM
    sub_claim: str = DEFAULT_SUB_CLAIM
    name_claim: str = DEFAULT_NAME_CLAIM
    leeway_seconds: int = DEFAULT_LEEWAY_SECONDS
    jwks_cache_seconds: int = DEFAULT_JWKS_CACHE_SECONDS

    def __post_init__(self) -> None:
        if not _is_https(self.jwks_url) and not _is_loopback_http(self.jwks_url):
            raise AuthConfigurationError(f"{JWKS_URL_ENV} must be an https:// URL (http only on loopback)")
        if self.jwks_cache_seconds < 0 or self.leeway_seconds < 0:
            raise AuthConfigurationError(
                f"{JWKS_CACHE_SECONDS_ENV} and {JWT_LEEWAY_ENV} must not be negative"
            )
        if not self.issuer:
            raise AuthConfigurationError(f"{JWT_ISSUER_ENV} is empty")
        if not self.audiences:
            raise AuthConfigurationError(f"{JWT_AUDIENCE_ENV} is empty")

    @property
    def claim_names(self) -> ClaimNames:
        return ClaimNames(role=self.role_claim, org=self.org_claim, sub=self.sub_claim, name=self.name_claim)

    @classmethod
    def from_settings(cls, config: settings.Settings) -> "AuthSettings":
        def required(name: str) -> str:
            try:
                return config.require(name).strip()
            except settings.ConfigurationError as missing:
                raise AuthConfigurationError(str(missing)) from None

        return cls(
            jwks_url=required(JWKS_URL_ENV),
            issuer=required(JWT_ISSUER_ENV),
            audiences=tuple(a.strip() for a in required(JWT_AUDIENCE_ENV).split(",") if a.strip()),
            role_claim=config.role_claim,
            org_claim=config.org_claim,
            sub_claim=config.sub_claim,
            name_claim=config.name_claim,
            leeway_seconds=config.jwt_leeway_seconds,
            jwks_cache_seconds=config.jwks_cache_seconds,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "AuthSettings":
        """From an environment (this process's when None), through the settings model."""
        try:
            config = settings.Settings.from_environ(environ)
        except ValidationError as invalid:
            names = ", ".join(str(error["loc"][0]) for error in invalid.errors())
            raise AuthConfigurationError(f"invalid setting: {names}") from None
        return cls.from_settings(config)


def _host(url: str, scheme: str) -> str | None:
    """The URL's host when it is a plain ``scheme`` URL: no user information (``user@`` can make
    ``http://127.0.0.1:1@evil.example/`` look local), a valid port, no spaces or control characters."""
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:
        return None
    if parts.scheme != scheme or parts.username is not None or parts.password is not None:
        return None
    if "@" in parts.netloc:
        return None
    return parts.hostname or None


def _is_https(url: str) -> bool:
    return _host(url, "https") is not None


def _is_loopback_http(url: str) -> bool:
    host = _host(url, "http")
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
