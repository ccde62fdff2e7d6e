"""The stream's on-failure destination on S3, as the redrive's ``FailureInbox``.

Each object is one failed batch's invocation record (JSON). A record redriven is deleted: it may
hold whole case images, restricted text included, which should not outlive their use.
"""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class S3FailureInbox:
    def __init__(self, client: "S3Client", bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket):
            for item in page.get("Contents", []):
                key = item["Key"]
                body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
                try:
                    record = json.loads(body)
                except ValueError:
                    continue  # not an invocation record: left for an operator
                if isinstance(record, dict):
                    yield key, record

    def done(self, record_id: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=record_id)
