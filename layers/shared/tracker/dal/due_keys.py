"""Puts case items written before the due indexes existed onto them (and corrects any that drifted).

Reads every case by region partition (Query, never Scan) and updates only items whose due keys
differ, each on condition that its version has not moved on meanwhile (a newer write has put
its own keys). The operator's command is ``tools.due_backfill``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracker.dal import schema
from tracker.dal.cases import NextDue
from tracker.dal.items import case_item, case_record, strip_keys, to_attribute_values
from tracker.dal.snapshot_reader import iter_case_items
from tracker.models.case import Case

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DUE_ATTRIBUTES = tuple(
    attribute for index in schema.DUE_INDEXES for attribute in (index.partition_key, index.sort_key)
)


@dataclass(frozen=True)
class BackfillReport:
    cases_read: int
    cases_updated: int
    cases_moved_on: int  # changed by a write during the run: that write set their keys


def backfill_due_keys(
    client: "DynamoDBClient", table_name: str, region_codes: Iterable[str], *, next_due: NextDue
) -> BackfillReport:
    """Give every case the due keys that ``next_due`` (the rule the store is built with) puts it at."""
    read = updated = moved_on = 0
    for item in iter_case_items(client, table_name, region_codes):
        read += 1
        case = Case.model_validate(strip_keys(item))
        wanted = case_item(case_record(case), next_due(case))
        wanted_due = {name: wanted[name] for name in DUE_ATTRIBUTES if name in wanted}
        current_due = {name: item[name] for name in DUE_ATTRIBUTES if name in item}
        if wanted_due == current_due:
            continue
        names = {f"#d{position}": name for position, name in enumerate(DUE_ATTRIBUTES)}
        sets = [
            f"#d{position} = :d{position}"
            for position, name in enumerate(DUE_ATTRIBUTES)
            if name in wanted_due
        ]
        removes = [f"#d{position}" for position, name in enumerate(DUE_ATTRIBUTES) if name not in wanted_due]
        values: dict[str, Any] = {
            f":d{position}": wanted_due[name]
            for position, name in enumerate(DUE_ATTRIBUTES)
            if name in wanted_due
        }
        values[":version"] = item["version"]
        clauses = [
            f"SET {', '.join(sets)}" if sets else "",
            f"REMOVE {', '.join(removes)}" if removes else "",
        ]
        expression = " ".join(clause for clause in clauses if clause)
        try:
            client.update_item(
                TableName=table_name,
                Key=to_attribute_values(
                    {schema.PARTITION_KEY: item[schema.PARTITION_KEY], schema.SORT_KEY: item[schema.SORT_KEY]}
                ),
                UpdateExpression=expression,
                ConditionExpression="#version = :version",
                ExpressionAttributeNames={**names, "#version": "version"},
                ExpressionAttributeValues=to_attribute_values(values),
            )
            updated += 1
        except client.exceptions.ConditionalCheckFailedException:
            moved_on += 1
    return BackfillReport(read, updated, moved_on)
