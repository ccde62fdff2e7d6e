"""`scrt backfill`: a case stored before the due-date indexes existed is missing from overdue lists
until the backfill puts it on them; a second run changes nothing."""

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from local_stack import cli
from local_stack.stack import LocalStack
from tests.integration.conftest import TokenFactory
from tracker import clock, composition
from tracker.dal import schema

DUE_ATTRIBUTES = [name for index in schema.DUE_INDEXES for name in (index.partition_key, index.sort_key)]


def _overdue_case(icb: str) -> dict[str, Any]:
    today = clock.today_london()
    return {
        "icbCode": icb,
        "reviewType": "CSPR",
        "status": "OPEN",
        "stage": "IN_PROGRESS",
        "incidentDate": (today - timedelta(days=240)).isoformat(),
        "dateAdded": (today - timedelta(days=220)).isoformat(),  # publication due 6 months on: overdue
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic Children Safeguarding Partnership",
        "themes": ["NEGLECT"],
    }


def _overdue_ids(api: httpx.Client, headers: dict[str, str]) -> set[str]:
    response = api.get("/cases", params={"overdue": "true", "icbCode": "QJK", "limit": 100}, headers=headers)
    assert response.status_code == 200, response.text
    return {item["caseId"] for item in response.json()["items"]}


def test_backfill_puts_older_cases_on_the_due_indexes(
    api: httpx.Client, token: TokenFactory, stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    headers = {"Authorization": f"Bearer {token('icb_editor', 'QJK')}"}
    created = api.post("/cases", json=_overdue_case("QJK"), headers=headers)
    assert created.status_code == 201, created.text
    case_id = created.json()["caseId"]
    assert case_id in _overdue_ids(api, headers)

    # As a case written by a release before the due indexes: no due keys on the item.
    stack.dynamodb.update_item(
        TableName=stack.config.cases_table,
        Key={
            schema.PARTITION_KEY: {"S": f"{schema.CASE_PK_PREFIX}{case_id}"},
            schema.SORT_KEY: {"S": schema.CASE_SK},
        },
        UpdateExpression="REMOVE " + ", ".join(f"#a{i}" for i in range(len(DUE_ATTRIBUTES))),
        ExpressionAttributeNames={f"#a{i}": name for i, name in enumerate(DUE_ATTRIBUTES)},
    )
    assert case_id not in _overdue_ids(api, headers)

    state_dir = str(stack.state.root)
    try:
        capsys.readouterr()
        assert cli.main(["--state-dir", state_dir, "backfill"]) == 0
        first = json.loads(capsys.readouterr().out)
        assert first["casesUpdated"] >= 1
        assert case_id in _overdue_ids(api, headers)
        assert cli.main(["--state-dir", state_dir, "backfill"]) == 0
        assert json.loads(capsys.readouterr().out)["casesUpdated"] == 0
    finally:
        composition.reset()
