"""Web app sessions ended by signing out, in the cases table: one small item per session, kept by
the table's time-to-live until the session would have ended anyway.

The session itself lives in a sealed cookie; this record is what makes a copy of that cookie
worthless after sign-out (the app asks on every signed-in request).
"""

from typing import TYPE_CHECKING

from tracker.dal import schema
from tracker.dal.items import to_attribute_values

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from tracker.dal.kept_forms import DynamoKeptForms


class DynamoEndedSessions:
    """``EndedSessions`` (``tracker.web.session``): ``SIGNEDOUT#<sessionId>`` / ``SESSION``."""

    def __init__(self, client: "DynamoDBClient", table_name: str) -> None:
        self._client = client
        self._table = table_name

    @staticmethod
    def _key(session_id: str) -> dict[str, str]:
        return {schema.PARTITION_KEY: schema.signed_out_pk(session_id), schema.SORT_KEY: schema.SIGNED_OUT_SK}

    def end(self, session_id: str, expires_at: int) -> None:
        item = {
            **self._key(session_id),
            schema.ENTITY_TYPE_ATTRIBUTE: schema.ENTITY_SIGNED_OUT,
            schema.CASES_TTL_ATTRIBUTE: expires_at,
        }
        self._client.put_item(TableName=self._table, Item=to_attribute_values(item))

    def is_ended(self, session_id: str) -> bool:
        # Consistent: the very next request after sign-out must already see it.
        response = self._client.get_item(
            TableName=self._table,
            Key=to_attribute_values(self._key(session_id)),
            ConsistentRead=True,
            ProjectionExpression="#pk",
            ExpressionAttributeNames={"#pk": schema.PARTITION_KEY},
        )
        return "Item" in response

    def kept_forms(self) -> "DynamoKeptForms":
        """Forms sent after their session ended: beside the ended sessions, in the same table."""
        from tracker.dal.kept_forms import DynamoKeptForms

        return DynamoKeptForms(self._client, self._table)
