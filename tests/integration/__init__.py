"""Integration tests: the local stack on the real engines (DynamoDB Local, SeaweedFS)."""
