"""API Gateway REQUEST authorizer: verifies bearer JWTs."""

from tracker import settings

# What this function cannot run without (a test checks the CDK environment against it).
REQUIRED_SETTINGS = frozenset({settings.JWKS_URL, settings.JWT_ISSUER, settings.JWT_AUDIENCE})
