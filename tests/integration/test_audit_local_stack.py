"""The read audit on the local stack: its table made from the schema's definition, each read through
HTTP recorded, `scrt audit CASE_ID` printing a case's reads newest first, and `scrt audit --seal` /
`--verify` a day, which fails once an entry is altered, removed or added."""

import json

import httpx
import pytest

from local_stack import cli
from local_stack.stack import LocalStack
from tests.conftest import synthetic_case
from tests.integration.conftest import TokenFactory
from tracker import clock, composition
from tracker.dal import schema


def _scrt(stack: LocalStack, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(["--state-dir", str(stack.state.root), "audit", *args])
    return code, capsys.readouterr().out


def test_reads_are_recorded_printed_sealed_and_verified(
    api: httpx.Client, token: TokenFactory, stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    described = stack.dynamodb.describe_table(TableName=stack.config.audit_table)["Table"]
    assert {index["IndexName"] for index in described["GlobalSecondaryIndexes"]} == {
        index.name for index in schema.AUDIT_INDEXES
    }

    editor = {"Authorization": f"Bearer {token('icb_editor', 'QJK')}"}
    viewer = {"Authorization": f"Bearer {token('icb_viewer', 'QJK', sub='viewer-audit')}"}
    created = api.post("/cases", json=synthetic_case(icbCode="QJK"), headers=editor)
    assert created.status_code == 201, created.text
    case_id = created.json()["caseId"]
    assert api.get(f"/cases/{case_id}", headers=viewer).status_code == 200
    assert api.get(f"/cases/{case_id}/history", headers=viewer).status_code == 200
    log = api.get(f"/cases/{case_id}/access", headers=editor)
    assert log.status_code == 200, log.text
    assert [item["action"] for item in log.json()["items"]][:2] == ["read_history", "read_case"]
    assert api.get(f"/cases/{case_id}/access", headers=viewer).status_code == 403

    day = clock.now_utc().date().isoformat()
    try:
        code, out = _scrt(stack, capsys, case_id)
        assert code == 0
        printed = [json.loads(line) for line in out.splitlines()]
        assert [entry["action"] for entry in printed] == [
            "read_access_log",
            "read_access_log",
            "read_history",
            "read_case",
        ]
        assert printed[-1]["sub"] == "viewer-audit"

        code, out = _scrt(stack, capsys, "--seal", day)
        assert code == 0 and json.loads(out)["entries"] >= 4
        code, out = _scrt(stack, capsys, "--verify", day)
        assert code == 0 and json.loads(out)["intact"] is True

        # Someone with the table's keys changes who read it: the day no longer verifies.
        victim = printed[-1]["entryId"]
        stack.dynamodb.update_item(
            TableName=stack.config.audit_table,
            Key={schema.AUDIT_PARTITION_KEY: {"S": schema.audit_entry_pk(victim)}},
            UpdateExpression="SET #sub = :sub",
            ExpressionAttributeNames={"#sub": "sub"},
            ExpressionAttributeValues={":sub": {"S": "someone-else"}},
        )
        code, out = _scrt(stack, capsys, "--verify", day)
        report = json.loads(out)
        assert code == 1 and report["changed"] == [victim] and report["intact"] is False
    finally:
        composition.reset()


def test_a_refused_read_prints_once_as_refused_and_raw_prints_what_was_written(
    api: httpx.Client, token: TokenFactory, stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    editor = {"Authorization": f"Bearer {token('icb_editor', 'QJK')}"}
    outsider = {"Authorization": f"Bearer {token('icb_editor', 'QOP', sub='outsider-audit')}"}
    created = api.post("/cases", json=synthetic_case(icbCode="QJK"), headers=editor)
    assert created.status_code == 201, created.text
    case_id = created.json()["caseId"]
    assert api.get(f"/cases/{case_id}", headers=outsider).status_code == 404

    code, out = _scrt(stack, capsys, case_id)
    assert code == 0
    shown = [json.loads(line) for line in out.splitlines()]
    assert [(entry["sub"], entry["outcome"], entry.get("refusal")) for entry in shown] == [
        ("outsider-audit", "refused", "not-found")
    ]
    code, out = _scrt(stack, capsys, case_id, "--raw")
    written = sorted(json.loads(line)["outcome"] for line in out.splitlines())
    assert code == 0 and written == ["answered", "refused"]  # written while it read, then refused (D121)
