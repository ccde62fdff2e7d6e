"""The read audit in DynamoDB (its own table) and the daily seals in the Object Lock archive (S3).

Entries are only ever added: each ``PutItem`` is conditioned on the entry not existing, so no write
of this code can overwrite one, and the functions' grants allow nothing but that put (and a Query
to read). Keys and indexes come from ``tracker.dal.schema``.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tracker.dal import schema
from tracker.dal.items import to_attribute_values
from tracker.dal.paging import query_items
from tracker.logic.ports import AuditWriteFailed, SealExists
from tracker.models.access_log import SINGLE_CASE_ACTIONS, AccessEntry

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

_ENTRY_FIELDS = frozenset(field.alias or name for name, field in AccessEntry.model_fields.items())


def _position(entry: AccessEntry) -> str:
    return f"{entry.at}#{entry.entry_id}"


def entry_item(entry: AccessEntry, expires_at: int) -> dict[str, Any]:
    """The entry's item: its fields as the wire names them, the keys, and when it may expire."""
    item: dict[str, Any] = {
        **entry.model_dump(mode="json", by_alias=True),
        schema.AUDIT_PARTITION_KEY: schema.audit_entry_pk(entry.entry_id),
        schema.AUDIT_BY_DAY_INDEX.partition_key: f"{schema.AUDIT_BY_DAY_INDEX.partition_prefix}{entry.day}",
        schema.AUDIT_BY_DAY_INDEX.sort_key: _position(entry),
        schema.AUDIT_TTL_ATTRIBUTE: expires_at,
    }
    if entry.action in SINGLE_CASE_ACTIONS and len(entry.case_ids) == 1:
        index = schema.AUDIT_BY_CASE_INDEX
        item[index.partition_key] = f"{index.partition_prefix}{entry.case_ids[0]}"
        item[index.sort_key] = _position(entry)
    return item


def entry_of(item: dict[str, Any]) -> AccessEntry:
    return AccessEntry.model_validate({name: value for name, value in item.items() if name in _ENTRY_FIELDS})


class DynamoAuditTrail:
    def __init__(self, client: "DynamoDBClient", table_name: str, retention_days: int) -> None:
        self._client = client
        self._table = table_name
        self._retention = timedelta(days=retention_days)

    def record(self, entry: AccessEntry) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        moment = datetime.fromisoformat(entry.at.replace("Z", "+00:00"))
        expires_at = int((moment + self._retention).timestamp())
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_attribute_values(entry_item(entry, expires_at)),
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": schema.AUDIT_PARTITION_KEY},
            )
        except (BotoCoreError, ClientError) as error:
            # The type only: nothing of the store's answer is repeated.
            raise AuditWriteFailed(type(error).__name__) from None

    def case_entries(self, case_id: str, *, before: str | None, limit: int) -> list[tuple[str, AccessEntry]]:
        index = schema.AUDIT_BY_CASE_INDEX
        condition = "#pk = :pk" + (" AND #sk < :before" if before is not None else "")
        values: dict[str, Any] = {":pk": {"S": f"{index.partition_prefix}{case_id}"}}
        if before is not None:
            values[":before"] = {"S": before}
        request = {
            "TableName": self._table,
            "IndexName": index.name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": {"#pk": index.partition_key, "#sk": index.sort_key}
            if before is not None
            else {"#pk": index.partition_key},
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        found: list[tuple[str, AccessEntry]] = []
        for item in query_items(self._client, request):
            found.append((str(item[index.sort_key]), entry_of(item)))
            if len(found) == limit:
                break
        return found

    def day_entries(self, day: date) -> Iterator[AccessEntry]:
        index = schema.AUDIT_BY_DAY_INDEX
        request = {
            "TableName": self._table,
            "IndexName": index.name,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": index.partition_key},
            "ExpressionAttributeValues": {":pk": {"S": f"{index.partition_prefix}{day.isoformat()}"}},
        }
        for item in query_items(self._client, request):
            yield entry_of(item)


SEAL_PREFIX = "access-seals/"
"""Where the seals live in the archive bucket, apart from the replicated access logs."""


def seal_key(day: date) -> str:
    return f"{SEAL_PREFIX}dt={day.isoformat()}/seal.json"


class S3SealArchive:
    """Seals in the audit archive bucket. With ``lock_days`` each is put under Object Lock in
    compliance mode until then (nobody, root included, may delete or overwrite it); the local stack's
    engine has no Object Lock, and is given None."""

    def __init__(self, client: "S3Client", bucket: str, lock_days: int | None) -> None:
        self._client = client
        self._bucket = bucket
        self._lock_days = lock_days

    def put_seal(self, day: date, body: bytes) -> None:
        from botocore.exceptions import ClientError

        extra: dict[str, Any] = {}
        if self._lock_days is not None:
            extra["ObjectLockMode"] = "COMPLIANCE"
            extra["ObjectLockRetainUntilDate"] = datetime.now(UTC) + timedelta(days=self._lock_days)
        try:
            self._client.put_object(
                Bucket=self._bucket,
                Key=seal_key(day),
                Body=body,
                ContentType="application/json",
                ChecksumAlgorithm="SHA256",
                IfNoneMatch="*",  # written once: a second seal of the day is refused
                **extra,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412"):
                raise SealExists(day.isoformat()) from None
            raise

    def get_seal(self, day: date) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            response = self._client.get_object(Bucket=self._bucket, Key=seal_key(day))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return response["Body"].read()
