"""The reporting bucket: the only code that calls S3.

Writes carry the extract schema version as object metadata too, so a reader can check it without
parsing the body. Encryption is the bucket's default (SSE-KMS on AWS), not set per request.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SCHEMA_VERSION_METADATA = "schema-version"


class ExtractStore:
    def __init__(self, client: "S3Client", bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def put(self, key: str, body: bytes, content_type: str, schema_version: int) -> None:
        self._client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            Metadata={SCHEMA_VERSION_METADATA: str(schema_version)},
        )

    def delete(self, key: str) -> None:
        """Idempotent: deleting a key that is not there succeeds."""
        self._client.delete_object(Bucket=self.bucket, Key=key)

    def get(self, key: str) -> bytes:
        return self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def get_optional(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no object at ``key``."""
        try:
            return self.get(key)
        except self._client.exceptions.NoSuchKey:
            return None

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Every key under ``prefix``, in key order."""
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                yield entry["Key"]
