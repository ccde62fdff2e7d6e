"""The identity provider's signing keys (its JWKS document), as both sign-ins verify with them: the
API's authorizer (bearer tokens) and the web app (ID tokens).

- The document is kept for ``lifespan_seconds`` and then fetched again, so a key the provider
  withdrew stops verifying within that time; an expired document is never used in place of a
  fetch that failed (that would keep a withdrawn key verifying for as long as the provider is down).
- A token naming a key id the document lacks fetches it again (a key just added by a rotation), at
  most once per ``UNKNOWN_KEY_REFRESH_SECONDS`` counted from the last attempt, failed or not: made-up
  key ids cannot make every request fetch, even while the endpoint fails.
- After a failed fetch the endpoint is not asked again for ``FAILED_FETCH_RETRY_SECONDS``.
- A token is verified only with the keys named by its ``kid`` whose type fits its ``alg`` (RSA for
  RS256 and PS256, EC P-256 for ES256) and whose own ``alg``, when published, is the token's: the
  key object decides the algorithm, never the token's header alone (RFC 8725 §2.1, §3.1). Several
  keys may share a ``kid`` (RFC 7517 §4.5): each is a candidate.

No third-party import: the caller fetches (PyJWT's client for the authorizer, Authlib's session for
the web app) and turns the chosen JWKs into its own library's key objects.
"""

import threading
from collections.abc import Callable, Mapping
from typing import Any

from tracker.clock import monotonic

UNKNOWN_KEY_REFRESH_SECONDS = 30.0
"""A token naming a key the document lacks fetches it again, but at most this often."""
FAILED_FETCH_RETRY_SECONDS = 5.0
"""After a failed fetch, requests needing the keys fail at once for this long instead of each
waiting on an endpoint that is down (they fail either way; this way the provider is not hammered)."""

KEY_TYPES: dict[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None),
    "PS256": ("RSA", None),
    "ES256": ("EC", "P-256"),
}
"""Each accepted algorithm's key type (``kty``) and, for EC keys, curve (``crv``)."""

JWK = Mapping[str, Any]


class JwksUnavailable(RuntimeError):
    """The identity provider's keys could not be fetched (a fault of ours or theirs, not the caller's)."""


def fits(jwk: JWK, algorithm: str) -> bool:
    """Whether this key may verify a signature made with ``algorithm``."""
    key_type = KEY_TYPES.get(algorithm)
    if key_type is None:
        return False
    kty, crv = key_type
    return (
        jwk.get("kty") == kty
        and (crv is None or jwk.get("crv") == crv)
        and jwk.get("alg", algorithm) == algorithm
        and jwk.get("use", "sig") == "sig"
    )


def _signing_keys(document: object) -> list[JWK]:
    """The document's keys that name themselves and are not for encryption only."""
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise JwksUnavailable("the JWKS document has no keys list")
    usable: list[JWK] = [
        key
        for key in keys
        if isinstance(key, dict)
        and isinstance(key.get("kid"), str)
        and key["kid"]
        and key.get("use", "sig") == "sig"
    ]
    if not usable:
        raise JwksUnavailable("the JWKS document has no signing key with a key id")
    return usable


class KeySetCache:
    """The JWKS document behind ``fetch``, kept for ``lifespan_seconds`` (0: fetched on every use)."""

    def __init__(
        self,
        fetch: Callable[[], Any],
        lifespan_seconds: float,
        *,
        clock: Callable[[], float] | None = None,
        unknown_key_refresh_seconds: float = UNKNOWN_KEY_REFRESH_SECONDS,
        failed_fetch_retry_seconds: float = FAILED_FETCH_RETRY_SECONDS,
    ) -> None:
        if lifespan_seconds < 0:
            raise ValueError("lifespan_seconds must not be negative")
        self.lifespan_seconds = lifespan_seconds
        self.unknown_key_refresh_seconds = unknown_key_refresh_seconds
        self.failed_fetch_retry_seconds = failed_fetch_retry_seconds
        self._fetch = fetch
        self._clock = clock or monotonic
        self._keys: list[JWK] | None = None
        self._fetched_at = 0.0
        self._attempted_at: float | None = None
        self._failed_at: float | None = None
        self._lock = threading.Lock()  # the local stack's gateway verifies on several threads

    @staticmethod
    def _within(start: float | None, now: float, seconds: float) -> bool:
        # A negative age means another clock (a SnapStart restore resumes in another machine's
        # monotonic time): never within.
        return start is not None and 0 <= now - start < seconds

    def _refresh(self, now: float) -> list[JWK]:
        if self._within(self._failed_at, now, self.failed_fetch_retry_seconds):
            raise JwksUnavailable("the JWKS endpoint failed moments ago; not asked again yet")
        self._attempted_at = now
        try:
            keys = _signing_keys(self._fetch())
        except JwksUnavailable:
            self._failed_at = now
            raise
        except Exception as error:  # any failure to fetch or read it is the provider's or the network's
            self._failed_at = now
            reason = f"the JWKS document could not be fetched ({type(error).__name__})"
            raise JwksUnavailable(reason) from error
        self._keys, self._fetched_at, self._failed_at = keys, now, None
        return keys

    def named(self, kid: str) -> list[JWK]:
        """The keys named ``kid`` (fetching the document again as described above); raises
        ``JwksUnavailable`` only when there is no document within its lifespan."""
        with self._lock:
            now = self._clock()
            keys = self._keys
            if keys is None or not self._within(self._fetched_at, now, self.lifespan_seconds):
                self._keys = None  # an expired document is not kept as a fallback
                keys = self._refresh(now)
            found = [key for key in keys if key["kid"] == kid]
            if not found and not self._within(self._attempted_at, now, self.unknown_key_refresh_seconds):
                try:
                    keys = self._refresh(now)
                except JwksUnavailable:
                    return []  # the document held is within its lifespan, and lacks the key
                found = [key for key in keys if key["kid"] == kid]
            return found

    def keys_for(self, kid: str, algorithm: str) -> list[JWK]:
        """The keys that may verify a token whose header names ``kid`` and ``algorithm``."""
        return [key for key in self.named(kid) if fits(key, algorithm)]

    def forget(self) -> None:
        """Drop the fetched document: the next token fetches it again (after a SnapStart restore)."""
        with self._lock:
            self._keys = None
            self._fetched_at = 0.0
            self._attempted_at = None
            self._failed_at = None
