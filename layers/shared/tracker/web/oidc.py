"""OpenID Connect sign-in: the authorization code flow with PKCE (S256), state and nonce, by Authlib.

The identity provider's configuration and keys are fetched from its discovery document and kept
for the container's life (keys are fetched again when an ID token names one not yet seen).
"""

import secrets
import threading
import warnings
from dataclasses import dataclass
from typing import Any

from tracker.web.session import PendingSignIn

HTTP_TIMEOUT_SECONDS = 5
LEEWAY_SECONDS = 30
ALGORITHMS = ["ES256", "RS256", "PS256"]


class SignInFailed(Exception):
    """The identity provider's answer could not be accepted; the message names no token content."""


@dataclass(frozen=True)
class OidcClientConfig:
    discovery_url: str
    client_id: str
    client_secret: str | None
    redirect_uri: str
    scope: str = "openid"


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
                self._metadata = dict(response.json())
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
        with warnings.catch_warnings():
            # authlib.jose is deprecated in favour of joserfc, which is not a dependency (yet): the
            # ID token claims class that checks nonce, issuer and audience still lives here.
            warnings.simplefilter("ignore")
            from authlib.jose import JsonWebKey, JsonWebToken
            from authlib.jose.errors import JoseError
            from authlib.oidc.core import CodeIDToken

        metadata = self.metadata()
        options = {
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": self.config.client_id},
        }
        for refresh in (False, True):
            try:
                claims = JsonWebToken(ALGORITHMS).decode(
                    id_token,
                    key=JsonWebKey.import_key_set(self._keys(refresh)),
                    claims_cls=CodeIDToken,
                    claims_options=options,
                    claims_params={"nonce": nonce, "client_id": self.config.client_id},
                )
                claims.validate(leeway=LEEWAY_SECONDS)
                return dict(claims)
            except (ValueError, JoseError) as error:
                if refresh:
                    raise SignInFailed(f"the ID token was refused ({type(error).__name__})") from None
        raise SignInFailed("unreachable")  # pragma: no cover
