"""The reporting bucket: the only code that calls S3 for the extracts, which reach it through their
port (``tracker.extracts.ports.ExtractBucket``; ``StreamedUpload`` is its ``ExtractUpload``).

Writes carry the extract schema version as object metadata too, so a reader can check it without
parsing the body. Encryption is the bucket's default (SSE-KMS on AWS), not set per request.

An object that holds a case's latest state (``current/``) also carries the case's version, and is
written only over an older one (``put_latest``): a writer that read the case before a newer version
was published (a redrive, a replayed batch) cannot move it backwards. The check and the put are one
conditional write (If-Match on the ETag read, If-None-Match when there was none), retried when
another writer got in between.
"""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SCHEMA_VERSION_METADATA = "schema-version"
CASE_VERSION_METADATA = "case-version"
VERSION_FIELD = "version"
"""The body's field holding the case version: read for objects written before the metadata was."""
PRECONDITION_FAILURES = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})
"""S3's answers when a conditional write lost to another writer (412, or 409 while one is in flight)."""
LATEST_WRITE_ATTEMPTS = 8
"""Conditional writes tried before giving up (each retry means another writer moved the object)."""


class StoredVersion(NamedTuple):
    etag: str
    case_version: int
    schema_version: int


class KeptMoving(Exception):
    """Other writers changed the object on every attempt: the caller's retry writes it later."""


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

    def put_latest(
        self, key: str, body: bytes, content_type: str, schema_version: int, *, version: int
    ) -> bool:
        """Write a case's latest state at ``key`` unless a version at least as new (in the same schema
        or a newer one) is there already; returns whether it wrote."""
        for _ in range(LATEST_WRITE_ATTEMPTS):
            stored = self._stored_version(key)
            if stored is not None and (stored.case_version, stored.schema_version) >= (
                version,
                schema_version,
            ):
                return False
            condition = {"IfMatch": stored.etag} if stored is not None else {"IfNoneMatch": "*"}
            try:
                self._client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body,
                    ContentType=content_type,
                    Metadata={
                        SCHEMA_VERSION_METADATA: str(schema_version),
                        CASE_VERSION_METADATA: str(version),
                    },
                    **condition,  # type: ignore[arg-type]
                )
                return True
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in PRECONDITION_FAILURES:
                    raise
        raise KeptMoving(key)

    def _stored_version(self, key: str) -> StoredVersion | None:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        metadata = head.get("Metadata", {})
        schema_version = int(metadata.get(SCHEMA_VERSION_METADATA, "0"))
        if CASE_VERSION_METADATA in metadata:
            return StoredVersion(head["ETag"], int(metadata[CASE_VERSION_METADATA]), schema_version)
        # Written before the version was kept as metadata: the body says (read once, then rewritten).
        # If it changes meanwhile, the put conditional on this ETag fails and the loop reads again.
        body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return StoredVersion(head["ETag"], int(json.loads(body).get(VERSION_FIELD, 0)), schema_version)

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
