"""Public API documents: the OpenAPI document and Swagger UI, with no data access."""

# What this function cannot run without (a test checks the CDK environment against it): nothing,
# it reads no table, bucket or secret.
REQUIRED_SETTINGS: frozenset[str] = frozenset()
