"""The reporting bucket: the only code that calls S3.

Writes carry the extract schema version as object metadata too, so a reader can check it without
parsing the body. Encryption is the bucket's default (SSE-KMS on AWS), not set per request.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SCHEMA_VERSION_METADATA = "schema-version"
PART_SIZE = 8 * 1024 * 1024
"""Bytes held before a part is sent: S3 takes parts of 5 MiB or more (the last may be smaller)."""


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

    def open_upload(self, key: str, content_type: str, schema_version: int) -> "StreamedUpload":
        """An object written in parts as its bytes arrive: memory stays at one part, whatever its size."""
        return StreamedUpload(self, key, content_type, schema_version)

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


class StreamedUpload:
    """One object written piece by piece: a multipart upload once a part is full, a single PUT if the
    whole object fits in one part. Nothing is visible at the key until ``complete``."""

    def __init__(self, store: ExtractStore, key: str, content_type: str, schema_version: int) -> None:
        self._store = store
        self._client = store._client
        self.key = key
        self._content_type = content_type
        self._schema_version = schema_version
        # Pieces as written, joined once per part: no buffer grown by copying, one part-sized copy.
        self._pieces: list[bytes] = []
        self._buffered = 0
        self._upload_id: str | None = None
        self._parts: list[dict[str, object]] = []
        self.bytes_written = 0

    def write(self, data: bytes) -> None:
        self._pieces.append(data)
        self._buffered += len(data)
        self.bytes_written += len(data)
        if self._buffered >= PART_SIZE:
            self._send_part()

    def _take_buffer(self) -> bytes:
        body = b"".join(self._pieces)
        self._pieces, self._buffered = [], 0
        return body

    def _send_part(self) -> None:
        if self._upload_id is None:
            self._upload_id = self._client.create_multipart_upload(
                Bucket=self._store.bucket,
                Key=self.key,
                ContentType=self._content_type,
                Metadata={SCHEMA_VERSION_METADATA: str(self._schema_version)},
            )["UploadId"]
        number = len(self._parts) + 1
        response = self._client.upload_part(
            Bucket=self._store.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=self._take_buffer(),
        )
        self._parts.append({"PartNumber": number, "ETag": response["ETag"]})

    def complete(self) -> None:
        if self._upload_id is None:
            self._store.put(self.key, self._take_buffer(), self._content_type, self._schema_version)
            return
        if self._buffered:
            self._send_part()
        self._client.complete_multipart_upload(
            Bucket=self._store.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},  # type: ignore[typeddict-item]
        )

    def abort(self) -> None:
        """Drop the parts sent so far (S3 would otherwise keep and bill them)."""
        self._pieces, self._buffered = [], 0
        if self._upload_id is not None:
            self._client.abort_multipart_upload(
                Bucket=self._store.bucket, Key=self.key, UploadId=self._upload_id
            )
