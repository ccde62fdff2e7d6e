"""Forms sent after their web session ended, sealed, in the cases table until their person signs in
again: one item per form, kept at most ``KEPT_FORM_SECONDS`` (``tracker.web.session``) and then
removed by the table's time-to-live.

Here rather than in cookies: a case's form runs to hundreds of kilobytes, a cookie holds 4 KB and
API Gateway takes 10 KB of request headers in all. The item holds only the sealed bytes (the web
app's key opens them, and only for the person who typed them); the browser holds the form's random
id in a cookie, so the item cannot be asked for without that browser.
"""

import time
from typing import TYPE_CHECKING

from tracker.dal import schema
from tracker.dal.items import to_attribute_values

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEPT_FORM_PK_PREFIX = "KEPTFORM#"
KEPT_FORM_SK = "FORM"  # not CASE: the change stream's filter (sk = CASE) never passes it
ENTITY_KEPT_FORM = "KEPT_FORM"
SEALED_ATTRIBUTE = "sealed"


class DynamoKeptForms:
    """``KeptForms`` (``tracker.web.session``): ``KEPTFORM#<formId>`` / ``FORM``."""

    def __init__(self, client: "DynamoDBClient", table_name: str) -> None:
        self._client = client
        self._table = table_name

    @staticmethod
    def _key(form_id: str) -> dict[str, str]:
        return {schema.PARTITION_KEY: f"{KEPT_FORM_PK_PREFIX}{form_id}", schema.SORT_KEY: KEPT_FORM_SK}

    def keep(self, form_id: str, sealed: bytes, expires_at: int) -> None:
        item = {
            **self._key(form_id),
            schema.ENTITY_TYPE_ATTRIBUTE: ENTITY_KEPT_FORM,
            schema.CASES_TTL_ATTRIBUTE: expires_at,
            SEALED_ATTRIBUTE: sealed,
        }
        self._client.put_item(TableName=self._table, Item=to_attribute_values(item))

    def read(self, form_id: str) -> bytes | None:
        # Consistent: the page after sign-in follows the write within seconds.
        response = self._client.get_item(
            TableName=self._table, Key=to_attribute_values(self._key(form_id)), ConsistentRead=True
        )
        item = response.get("Item") or {}
        sealed = item.get(SEALED_ATTRIBUTE, {}).get("B")
        expires_at = int(item.get(schema.CASES_TTL_ATTRIBUTE, {}).get("N", "0"))
        # The time-to-live removes an item days after its time, not at it.
        return bytes(sealed) if sealed is not None and expires_at > time.time() else None

    def discard(self, form_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=to_attribute_values(self._key(form_id)))
