"""The reminder digests' ledger: one record per ICB and ISO week, claimed by a conditional write.

A run takes a digest only if no record exists, or if the record is an unfinished hold whose lease
has run out (a run that crashed mid-way); once marked sent, no run takes it again that week.
"""

import contextlib
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tracker import clock
from tracker.dal import schema
from tracker.dal.items import from_attribute_values, to_attribute_values
from tracker.logic.ports import DigestClaim, DigestLost

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SENDING = "SENDING"
SENT = "SENT"


class DynamoReminderLedger:
    """``ReminderLedger`` on the cases table (``REMINDER#<icb>#<week>``)."""

    def __init__(self, client: "DynamoDBClient", table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _key(self, icb_code: str, week: str) -> dict[str, Any]:
        return to_attribute_values(
            {schema.PARTITION_KEY: schema.reminder_pk(icb_code, week), schema.SORT_KEY: schema.REMINDER_SK}
        )

    def claim(self, icb_code: str, week: str, *, now: datetime, lease_seconds: int) -> DigestClaim | None:
        token = str(uuid.uuid4())
        moment = int(now.timestamp())
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=self._key(icb_code, week),
                UpdateExpression=(
                    "SET #status = :sending, #token = :token, #lease = :until, #type = :type, "
                    "#icb = :icb, #week = :week, #claimedAt = :claimedAt"
                ),
                ConditionExpression="attribute_not_exists(#pk) OR (#status = :sending AND #lease < :now)",
                ExpressionAttributeNames={
                    "#pk": schema.PARTITION_KEY,
                    "#status": "status",
                    "#token": "token",
                    "#lease": "leaseUntil",
                    "#type": schema.ENTITY_TYPE_ATTRIBUTE,
                    "#icb": "icbCode",
                    "#week": "week",
                    "#claimedAt": "claimedAt",
                },
                ExpressionAttributeValues=to_attribute_values(
                    {
                        ":sending": SENDING,
                        ":token": token,
                        ":until": moment + lease_seconds,
                        ":now": moment,
                        ":type": schema.ENTITY_REMINDER,
                        ":icb": icb_code,
                        ":week": week,
                        ":claimedAt": clock.format_timestamp(now),
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return None  # sent already, or another run holds it now
        record = from_attribute_values(response["Attributes"])
        return DigestClaim(icb_code, week, token, frozenset(record.get("sentTo", ())))

    def _as_holder(
        self, claim: DigestClaim, update: str, names: dict[str, str], values: dict[str, Any]
    ) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(claim.icb_code, claim.week),
                UpdateExpression=update,
                ConditionExpression="#token = :token",
                ExpressionAttributeNames={"#token": "token", **names},
                ExpressionAttributeValues=to_attribute_values({":token": claim.token, **values}),
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            raise DigestLost from None

    def record_sent(self, claim: DigestClaim, recipient: str) -> None:
        self._as_holder(claim, "ADD #sentTo :recipient", {"#sentTo": "sentTo"}, {":recipient": {recipient}})

    def complete(self, claim: DigestClaim) -> None:
        self._as_holder(
            claim,
            "SET #status = :sent, #sentAt = :sentAt",
            {"#status": "status", "#sentAt": "sentAt"},
            {":sent": SENT, ":sentAt": clock.format_timestamp(clock.now_utc())},
        )

    def release(self, claim: DigestClaim) -> None:
        # If someone else holds it now, there is nothing of ours to give up.
        with contextlib.suppress(DigestLost):
            self._as_holder(claim, "SET #lease = :zero", {"#lease": "leaseUntil"}, {":zero": 0})
