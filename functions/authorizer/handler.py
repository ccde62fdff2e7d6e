"""API Gateway REQUEST authorizer: verifies the bearer JWT and hands {role, org, sub, name} to the
handlers (name: the person's, from NAME_CLAIM, empty when the token names nobody).

- no, malformed, expired, tampered or foreign token: ``raise Exception("Unauthorized")``, which
  API Gateway turns into 401 and never calls a handler;
- a genuine token with an unknown role or organisation: an explicit Deny (403);
- otherwise an Allow for the whole API with the caller in the context.

Configuration is ``tracker.settings`` (JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, ROLE_CLAIM, ...), checked
by ``tracker.auth.settings``; the verifier comes from the composition root.
The verifier lives as long as the container and keeps the JWKS document for JWKS_CACHE_SECONDS,
so keys are fetched once in that time, not per request, and a key the identity provider removed
stops verifying within it.
"""

from typing import Any

from tracker import composition, settings
from tracker.auth.jwks import JwksUnavailable
from tracker.auth.policy import (
    ALLOW,
    CONTEXT_NAME,
    CONTEXT_ORG,
    CONTEXT_ROLE,
    CONTEXT_SUB,
    DENY,
    authorizer_result,
)
from tracker.auth.settings import IDENTITY_HEADER
from tracker.auth.tokens import InvalidToken, NotAllowed, TokenVerifier, bearer_token
from tracker.observability import logger

UNAUTHORIZED = "Unauthorized"  # the exact message API Gateway maps to 401


def verifier() -> TokenVerifier:
    """One verifier (settings and the signing keys it has fetched) per container."""
    return composition.token_verifier()


def reset() -> None:
    """Forget the settings, the verifier and the keys it fetched, as a new container would (tests)."""
    settings.settings.cache_clear()
    composition.token_verifier.cache_clear()


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value) if value is not None else None
    return None


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    method_arn = str(event.get("methodArn", ""))
    try:
        identity = verifier().verify(bearer_token(_header(event, IDENTITY_HEADER)))
    except InvalidToken as refused:
        logger.info("Token refused", extra={"reason": refused.reason})
        raise Exception(UNAUTHORIZED) from None
    except NotAllowed as denied:
        logger.info("Caller denied", extra={"reason": denied.reason, "sub": denied.sub})
        return authorizer_result(denied.sub, DENY, method_arn)
    except JwksUnavailable:
        logger.exception("JWKS could not be fetched")
        raise
    return authorizer_result(
        identity.sub,
        ALLOW,
        method_arn,
        {
            CONTEXT_ROLE: identity.role.value,
            CONTEXT_ORG: identity.org,
            CONTEXT_SUB: identity.sub,
            CONTEXT_NAME: identity.name or "",
        },
    )
