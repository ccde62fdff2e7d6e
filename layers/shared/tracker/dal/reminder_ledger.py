"""The reminder digests' ledger: one record per organisation (an ICB or a region) and ISO week,
claimed by a conditional write. The record's key and its ``icbCode`` attribute hold the
organisation's code: ICB and region ODS codes never overlap, so a region's week never takes an ICB's.

A run takes a digest only if no record exists, or if the record is an unfinished hold whose lease
has run out (a run that crashed mid-way); once marked sent, no run takes it again that week.

Recipients are kept only as the keys the domain gives (a SHA-256 of each address), and only while
the digest is unfinished: marking it sent replaces them with counts. Each record carries its
expiry (``expiresAt``, epoch seconds) for a table time-to-live to delete it by.

A send is written down (``sendingKeys``) before it is made and moved to reached, refused or
dropped after, or left there when the email service's answer never came; a key still in
``sendingKeys`` when the digest is claimed again may have gone, so the claim hands it back among
the reached (``sent_to``): it is never sent twice.
"""

import contextlib
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tracker import clock
from tracker.dal import schema
from tracker.dal.items import from_attribute_values, to_attribute_values
from tracker.logic.ports import DigestClaim, DigestLost, DigestTaken

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SENDING = "SENDING"
SENT = "SENT"
EXPIRY_ATTRIBUTE = schema.CASES_TTL_ATTRIBUTE
REACHED_KEYS = "reachedKeys"
REFUSED_KEYS = "refusedKeys"
SENDING_KEYS = "sendingKeys"  # written before a send, settled after: unsettled counts as reached
LEGACY_SENT_TO = "sentTo"  # plain addresses, written by earlier releases: removed on the next claim


class DynamoReminderLedger:
    """``ReminderLedger`` on the cases table (``REMINDER#<icb or region>#<week>``)."""

    def __init__(self, client: "DynamoDBClient", table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _key(self, icb_code: str, week: str) -> dict[str, Any]:
        return to_attribute_values(
            {schema.PARTITION_KEY: schema.reminder_pk(icb_code, week), schema.SORT_KEY: schema.REMINDER_SK}
        )

    def claim(
        self, icb_code: str, week: str, *, now: datetime, lease_seconds: int, keep_until: datetime
    ) -> DigestClaim | DigestTaken:
        token = str(uuid.uuid4())
        moment = int(now.timestamp())
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=self._key(icb_code, week),
                UpdateExpression=(
                    "SET #status = :sending, #token = :token, #lease = :until, #type = :type, "
                    "#icb = :icb, #week = :week, #claimedAt = :claimedAt, #expires = :expires "
                    "REMOVE #legacy"
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
                    "#expires": EXPIRY_ATTRIBUTE,
                    "#legacy": LEGACY_SENT_TO,
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
                        ":expires": int(keep_until.timestamp()),
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return self._why_taken(icb_code, week)
        record = from_attribute_values(response["Attributes"])
        return DigestClaim(
            icb_code,
            week,
            token,
            frozenset(record.get(REACHED_KEYS, ())) | frozenset(record.get(SENDING_KEYS, ())),
            frozenset(record.get(REFUSED_KEYS, ())),
        )

    def _why_taken(self, icb_code: str, week: str) -> DigestTaken:
        found = self._client.get_item(
            TableName=self._table,
            Key=self._key(icb_code, week),
            ConsistentRead=True,
            ProjectionExpression="#status",
            ExpressionAttributeNames={"#status": "status"},
        ).get("Item")
        status = from_attribute_values(found).get("status") if found else None
        # Only a finished digest is "sent"; a hold (live, or just lapsed since the claim) is not.
        return DigestTaken.SENT if status == SENT else DigestTaken.HELD

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

    def record_sending(self, claim: DigestClaim, recipient_key: str) -> None:
        self._as_holder(claim, "ADD #sending :key", {"#sending": SENDING_KEYS}, {":key": {recipient_key}})

    def _settle(self, claim: DigestClaim, recipient_key: str, into: str | None) -> None:
        """Move the key out of the sends written down, into ``into`` (or nowhere), in one write."""
        names = {"#sending": SENDING_KEYS}
        update = "DELETE #sending :key"
        if into is not None:
            names["#into"] = into
            update = f"ADD #into :key {update}"
        self._as_holder(claim, update, names, {":key": {recipient_key}})

    def record_sent(self, claim: DigestClaim, recipient_key: str) -> None:
        self._settle(claim, recipient_key, REACHED_KEYS)

    def record_refused(self, claim: DigestClaim, recipient_key: str) -> None:
        self._settle(claim, recipient_key, REFUSED_KEYS)

    def record_not_sent(self, claim: DigestClaim, recipient_key: str) -> None:
        self._settle(claim, recipient_key, None)

    def complete(self, claim: DigestClaim, *, reached: int, refused: int) -> None:
        self._as_holder(
            claim,
            "SET #status = :sent, #sentAt = :sentAt, #reached = :reached, #refused = :refused "
            "REMOVE #reachedKeys, #refusedKeys, #sendingKeys",
            {
                "#sendingKeys": SENDING_KEYS,
                "#status": "status",
                "#sentAt": "sentAt",
                "#reached": "reachedCount",
                "#refused": "refusedCount",
                "#reachedKeys": REACHED_KEYS,
                "#refusedKeys": REFUSED_KEYS,
            },
            {
                ":sent": SENT,
                ":sentAt": clock.format_timestamp(clock.now_utc()),
                ":reached": reached,
                ":refused": refused,
            },
        )

    def release(self, claim: DigestClaim) -> None:
        # If someone else holds it now, there is nothing of ours to give up.
        with contextlib.suppress(DigestLost):
            self._as_holder(claim, "SET #lease = :zero", {"#lease": "leaseUntil"}, {":zero": 0})
