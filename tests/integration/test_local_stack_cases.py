"""End to end over real HTTP on the real engines: submit, update with If-Match, list, history, and the
reporting extracts the stream poller's publish_changes writes."""

import time
import uuid
from typing import Any

import httpx
import pytest

from local_stack.lambdas import handler_available
from local_stack.stack import LocalStack

from .conftest import TokenFactory

pytestmark = pytest.mark.skipif(
    not all(handler_available(f) for f in ("submit_case", "update_case", "query_cases")),
    reason="the case API handlers are not in this checkout",
)


def synthetic_case() -> dict[str, Any]:
    return {
        "icbCode": "QE1",
        "reviewType": "CSPR",
        "status": "OPEN",
        "stage": "NOTIFIED",
        "incidentDate": "2026-01-10",
        "dateAdded": "2026-02-02",
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic Children's Safeguarding Partnership",
        "themes": ["NEGLECT"],
        "caseInformation": "Synthetic restricted text for tests only.",
    }


def test_submit_update_list_history_and_extracts(
    stack: LocalStack, api: httpx.Client, token: TokenFactory
) -> None:
    editor = {"Authorization": f"Bearer {token('icb_editor', 'QE1')}"}
    key = {"Idempotency-Key": str(uuid.uuid4())}

    created = api.post("/cases", json=synthetic_case(), headers={**editor, **key})
    assert created.status_code == 201, created.text
    case = created.json()
    case_id = case["caseId"]
    assert created.headers["location"] == f"/cases/{case_id}"
    assert created.headers["etag"] == '"1"'

    replay = api.post("/cases", json=synthetic_case(), headers={**editor, **key})
    assert (replay.status_code, replay.json()["caseId"]) == (201, case_id)

    patch = {"Content-Type": "application/merge-patch+json"}
    assert (
        api.patch(
            f"/cases/{case_id}", content=b'{"stage": "RAPID_REVIEW"}', headers={**editor, **patch}
        ).status_code
        == 428
    )
    updated = api.patch(
        f"/cases/{case_id}",
        content=b'{"stage": "RAPID_REVIEW"}',
        headers={**editor, **patch, "If-Match": '"1"'},
    )
    assert updated.status_code == 200, updated.text
    assert updated.headers["etag"] == '"2"'
    stale = api.patch(
        f"/cases/{case_id}",
        content=b'{"stage": "IN_PROGRESS"}',
        headers={**editor, **patch, "If-Match": '"1"'},
    )
    assert stale.status_code == 412

    listed = api.get("/cases", params={"limit": 100}, headers=editor)
    assert listed.status_code == 200
    assert case_id in [item["caseId"] for item in listed.json()["items"]]

    regional = {"Authorization": f"Bearer {token('regional', 'Y62')}"}
    assert api.get(f"/cases/{case_id}", headers=regional).status_code == 200
    other_icb = {"Authorization": f"Bearer {token('icb_viewer', 'QWE')}"}
    assert api.get(f"/cases/{case_id}", headers=other_icb).status_code == 404

    history = api.get(f"/cases/{case_id}/history", headers=editor)
    assert history.status_code == 200
    assert [(item["version"], item["changedFields"]) for item in history.json()["items"]][1] == (2, ["stage"])

    # The poller hands the stream to publish_changes, which writes one object per version.
    deadline = time.monotonic() + 20
    keys: list[str] = []
    while time.monotonic() < deadline:
        listing = stack.s3.list_objects_v2(Bucket=stack.config.bucket, Prefix="changes/")
        keys = [item["Key"] for item in listing.get("Contents", []) if case_id in item["Key"]]
        if len(keys) >= 2:
            break
        time.sleep(0.3)
    assert len(keys) == 2, keys
    body = stack.s3.get_object(Bucket=stack.config.bucket, Key=keys[0])["Body"].read().decode()
    assert "Synthetic restricted text" not in body
