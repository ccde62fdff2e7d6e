"""What the extracts need from storage, in their own terms: the bucket they write and read, an
object written in parts, and the failed stream batches the redrive reads.

``tracker.dal.extract_store`` and ``tracker.dal.failure_inbox`` implement them (the local stack
and tests have their own inboxes); the composition root hands the concrete ones in, so nothing in
this package imports storage.
"""

from collections.abc import Iterator
from typing import Any, Protocol


class ExtractUpload(Protocol):
    """One object written piece by piece; nothing is visible at its key until ``complete``."""

    def write(self, data: bytes) -> None: ...

    def complete(self) -> None: ...

    def abort(self) -> None:
        """Drop what was written so far."""


class ExtractBucket(Protocol):
    """The reporting bucket: objects under the keys of ``tracker.extracts.keys``, each written with
    its extract schema version."""

    def put(self, key: str, body: bytes, content_type: str, schema_version: int) -> None: ...

    def put_latest(
        self, key: str, body: bytes, content_type: str, schema_version: int, *, version: int
    ) -> bool:
        """Write a case's latest state unless a version at least as new (in the same schema or a
        newer one) is there already; returns whether it wrote."""

    def open_upload(self, key: str, content_type: str, schema_version: int) -> ExtractUpload:
        """An object written in parts as its bytes arrive: memory stays at one part, whatever its size."""

    def delete(self, key: str) -> None:
        """Idempotent: deleting a key that is not there succeeds."""

    def get(self, key: str) -> bytes: ...

    def get_optional(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no object at ``key``."""

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Every key under ``prefix``, in key order."""


class FailureInbox(Protocol):
    """Records of stream batches that exhausted their retries."""

    def records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(id, failure record) pairs still to redrive."""

    def done(self, record_id: str) -> None:
        """Mark a failure record as redriven, so it is not redriven again."""
