"""AWS clients, created once per container and only when first used (keeps cold start small).

Endpoints come from the standard ``AWS_ENDPOINT_URL_<SERVICE>`` variables, which is how the local
stack points the same code at DynamoDB Local and SeaweedFS.
"""

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client


@lru_cache(maxsize=1)
def _session() -> Any:
    import boto3

    return boto3.session.Session()


@lru_cache(maxsize=1)
def dynamodb_client() -> "DynamoDBClient":
    return _session().client("dynamodb")


@lru_cache(maxsize=1)
def s3_client() -> "S3Client":
    return _session().client("s3")


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints between runs)."""
    dynamodb_client.cache_clear()
    s3_client.cache_clear()
    _session.cache_clear()
