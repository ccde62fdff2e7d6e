"""The cases table's keys and indexes, defined once.

The data-access layer, the CDK app (``infra/``) and the local stack (``local_stack/``) all build the
table from these definitions, so the three cannot drift apart.

Items (single-table design):

- the case:       ``pk = CASE#<caseId>``, ``sk = CASE``; carries the GSI keys below;
- its history:    ``pk = CASE#<caseId>``, ``sk = VERSION#<000001>``, one per version;
- a reference counter: ``pk = REFCOUNTER#<icbCode>#<year>``, ``sk = COUNTER``;
- a provider link: ``pk = CASE#<caseId>``, ``sk = PROVIDER#<odsCode>``, one per provider the case
  names, written and removed in the case's own transaction; it carries the provider index's keys
  and the list filters' attributes, never the case's text;
- an ICB's contacts: ``pk = CONTACTS#<icbCode>``, ``sk = CONTACTS``, and their versions,
  ``sk = VERSION#<000001>``;
- a reminder digest's ledger record: ``pk = REMINDER#<icbCode>#<isoWeek>``, ``sk = DIGEST``;
- a web app session ended by signing out: ``pk = SIGNEDOUT#<sessionId>``, ``sk = SESSION``, kept
  until the session would have ended anyway (its time-to-live).

Only case items carry GSI attributes, so every index is sparse; the due indexes hold only cases
with something still due. The list indexes' sort keys are ``<updatedAt>#<caseId>``: newest update
first, unique, and comparable across partitions, which is what lets a list query merge several
partitions under one cursor.
"""

from dataclasses import dataclass

PARTITION_KEY = "pk"
SORT_KEY = "sk"
ENTITY_TYPE_ATTRIBUTE = "entityType"

CASE_PK_PREFIX = "CASE#"
CASE_SK = "CASE"
HISTORY_SK_PREFIX = "VERSION#"
COUNTER_PK_PREFIX = "REFCOUNTER#"
COUNTER_SK = "COUNTER"

ENTITY_CASE = "CASE"
ENTITY_HISTORY = "CASE_VERSION"
ENTITY_COUNTER = "REFERENCE_COUNTER"

PROVIDER_LINK_SK_PREFIX = "PROVIDER#"
ENTITY_PROVIDER_LINK = "CASE_PROVIDER_LINK"
CONTACTS_PK_PREFIX = "CONTACTS#"
CONTACTS_SK = "CONTACTS"
ENTITY_CONTACTS = "ICB_CONTACTS"
ENTITY_CONTACTS_VERSION = "ICB_CONTACTS_VERSION"
REMINDER_PK_PREFIX = "REMINDER#"
REMINDER_SK = "DIGEST"
ENTITY_REMINDER = "REMINDER_DIGEST"
SIGNED_OUT_PK_PREFIX = "SIGNEDOUT#"
SIGNED_OUT_SK = "SESSION"  # not CASE: the change stream's filter (sk = CASE) never passes it
ENTITY_SIGNED_OUT = "SIGNED_OUT_SESSION"

STREAM_VIEW_TYPE = "NEW_AND_OLD_IMAGES"


@dataclass(frozen=True)
class IndexDefinition:
    name: str
    partition_key: str
    sort_key: str
    partition_prefix: str


BY_ICB_INDEX = IndexDefinition(
    name="byIcbUpdated", partition_key="gsiIcbPk", sort_key="gsiIcbSk", partition_prefix="ICB#"
)
BY_REGION_INDEX = IndexDefinition(
    name="byRegionUpdated", partition_key="gsiRegionPk", sort_key="gsiRegionSk", partition_prefix="REGION#"
)
# Due indexes: only a case with an open deadline (or an unfinished recommendation) carries their
# keys, so they are sparse; the sort key ``<nextDueDate>#<caseId>`` makes "overdue" a key condition
# (due before today) instead of a filter read case by case.
BY_ICB_DUE_INDEX = IndexDefinition(
    name="byIcbDue", partition_key="gsiIcbDuePk", sort_key="gsiIcbDueSk", partition_prefix="ICB#"
)
BY_REGION_DUE_INDEX = IndexDefinition(
    name="byRegionDue", partition_key="gsiRegionDuePk", sort_key="gsiRegionDueSk", partition_prefix="REGION#"
)
DUE_INDEXES: tuple[IndexDefinition, ...] = (BY_ICB_DUE_INDEX, BY_REGION_DUE_INDEX)
# Provider links: a provider's list is a Query of its partition, newest update first like the others.
BY_PROVIDER_INDEX = IndexDefinition(
    name="byProviderUpdated",
    partition_key="gsiProviderPk",
    sort_key="gsiProviderSk",
    partition_prefix="PROVIDER#",
)
INDEXES: tuple[IndexDefinition, ...] = (BY_ICB_INDEX, BY_REGION_INDEX, *DUE_INDEXES, BY_PROVIDER_INDEX)

# All key attributes are strings.
KEY_ATTRIBUTES: tuple[str, ...] = (
    PARTITION_KEY,
    SORT_KEY,
    *(attribute for index in INDEXES for attribute in (index.partition_key, index.sort_key)),
)

# Powertools Idempotency persistence table: its default key attribute and TTL attribute.
IDEMPOTENCY_PARTITION_KEY = "id"
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"

# The cases table's time-to-live attribute (epoch seconds). Only reminder ledger items and ended
# sessions carry it: cases, their history, links and contacts are kept.
CASES_TTL_ATTRIBUTE = "expiresAt"


def case_pk(case_id: str) -> str:
    return f"{CASE_PK_PREFIX}{case_id}"


MAX_VERSION = 999_999  # history sort keys are six digits wide


def history_sk(version: int) -> str:
    return f"{HISTORY_SK_PREFIX}{version:06d}"


def provider_link_sk(provider_code: str) -> str:
    return f"{PROVIDER_LINK_SK_PREFIX}{provider_code}"


def contacts_pk(icb_code: str) -> str:
    return f"{CONTACTS_PK_PREFIX}{icb_code}"


def reminder_pk(icb_code: str, iso_week: str) -> str:
    return f"{REMINDER_PK_PREFIX}{icb_code}#{iso_week}"


def signed_out_pk(session_id: str) -> str:
    return f"{SIGNED_OUT_PK_PREFIX}{session_id}"


def counter_pk(icb_code: str, year: int) -> str:
    return f"{COUNTER_PK_PREFIX}{icb_code}#{year}"


def index_sort_key(updated_at: str, case_id: str) -> str:
    return f"{updated_at}#{case_id}"


def due_sort_key(due: str, case_id: str) -> str:
    """``due`` is an ISO date: keys sort by date, then case id."""
    return f"{due}#{case_id}"


def _index_definitions(indexes: tuple[IndexDefinition, ...]) -> list[dict[str, object]]:
    """``CreateTable``'s GlobalSecondaryIndexes for these indexes (every one projects all attributes)."""
    return [
        {
            "IndexName": index.name,
            "KeySchema": [
                {"AttributeName": index.partition_key, "KeyType": "HASH"},
                {"AttributeName": index.sort_key, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
        for index in indexes
    ]


def create_table_kwargs(table_name: str) -> dict[str, object]:
    """``CreateTable`` arguments for DynamoDB Local, moto and the tests (on-demand, with stream)."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name in KEY_ATTRIBUTES],
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": _index_definitions(INDEXES),
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW_TYPE},
    }


def create_idempotency_table_kwargs(table_name: str) -> dict[str, object]:
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": IDEMPOTENCY_PARTITION_KEY, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": IDEMPOTENCY_PARTITION_KEY, "KeyType": "HASH"}],
    }


# --- the read audit's table (who has seen a case): its own table, append-only -------------------
#
# An entry: ``pk = ENTRY#<entryId>`` (no sort key), written once under ``attribute_not_exists``.
# An entry about one case carries the case index's keys (``CASE#<caseId>``, ``<at>#<entryId>``): a
# case's access log is a Query of its partition, newest first. Every entry carries the day index's
# keys (``DAY#<UTC date>``, ``<at>#<entryId>``): the daily seal reads a day in order. A list page's
# entry names many cases and is found by its day alone (one write, whatever the page's length).

AUDIT_PARTITION_KEY = "pk"
AUDIT_ENTRY_PK_PREFIX = "ENTRY#"
AUDIT_TTL_ATTRIBUTE = "expiresAt"
AUDIT_BY_CASE_INDEX = IndexDefinition(
    name="byCase", partition_key="gsiCasePk", sort_key="gsiCaseSk", partition_prefix="CASE#"
)
AUDIT_BY_DAY_INDEX = IndexDefinition(
    name="byDay", partition_key="gsiDayPk", sort_key="gsiDaySk", partition_prefix="DAY#"
)
AUDIT_INDEXES: tuple[IndexDefinition, ...] = (AUDIT_BY_CASE_INDEX, AUDIT_BY_DAY_INDEX)
AUDIT_KEY_ATTRIBUTES: tuple[str, ...] = (
    AUDIT_PARTITION_KEY,
    *(attribute for index in AUDIT_INDEXES for attribute in (index.partition_key, index.sort_key)),
)


def audit_entry_pk(entry_id: str) -> str:
    return f"{AUDIT_ENTRY_PK_PREFIX}{entry_id}"


def create_audit_table_kwargs(table_name: str) -> dict[str, object]:
    """``CreateTable`` arguments of the audit table for DynamoDB Local, moto and the tests."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"} for name in AUDIT_KEY_ATTRIBUTES
        ],
        "KeySchema": [{"AttributeName": AUDIT_PARTITION_KEY, "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": _index_definitions(AUDIT_INDEXES),
    }
