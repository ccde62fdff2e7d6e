"""Providers and reminders on the local stack's real engines: a provider's list and case read over
HTTP (link items on DynamoDB Local's index), and `scrt remind` writing an outbox file."""

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from local_stack import cli
from local_stack.outbox import LOCAL_DIGEST_TEMPLATE_ID
from local_stack.stack import LocalStack
from tests.integration.conftest import TokenFactory
from tracker import clock, composition, settings

RESTRICTED = "Synthetic restricted integration note P7"


def _case(icb: str, **overrides: Any) -> dict[str, Any]:
    today = clock.today_london()
    body: dict[str, Any] = {
        "icbCode": icb,
        "reviewType": "CSPR",
        "status": "OPEN",
        "stage": "IN_PROGRESS",
        "incidentDate": (today - timedelta(days=240)).isoformat(),
        "dateAdded": (today - timedelta(days=220)).isoformat(),  # publication due 6 months on: overdue
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic Children Safeguarding Partnership",
        "themes": ["NEGLECT"],
        "caseInformation": RESTRICTED,
    }
    body.update(overrides)
    return body


def _bearer(token: TokenFactory, role: str, org: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, org)}"}


def test_a_provider_lists_and_reads_only_the_cases_naming_it(api: httpx.Client, token: TokenFactory) -> None:
    editor = _bearer(token, "icb_editor", "QE1")
    named = api.post("/cases", json=_case("QE1", providersInvolved=["RXX"]), headers=editor).json()
    unnamed = api.post("/cases", json=_case("QE1"), headers=editor).json()
    provider = _bearer(token, "provider", "RXX")

    listed = api.get("/cases", headers=provider)
    assert listed.status_code == 200
    ids = [item["caseId"] for item in listed.json()["items"]]
    assert named["caseId"] in ids and unnamed["caseId"] not in ids
    assert RESTRICTED not in listed.text

    read = api.get(f"/cases/{named['caseId']}", headers=provider)
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    assert "caseInformation" not in read.json() and RESTRICTED not in read.text
    assert api.get(f"/cases/{unnamed['caseId']}", headers=provider).status_code == 404
    assert api.get(f"/cases/{named['caseId']}", headers=_bearer(token, "provider", "R1A")).status_code == 404

    removed = api.patch(
        f"/cases/{named['caseId']}",
        json={"providersInvolved": []},
        headers={**editor, "Content-Type": "application/merge-patch+json", "If-Match": '"1"'},
    )
    assert removed.status_code == 200, removed.text
    assert api.get(f"/cases/{named['caseId']}", headers=provider).status_code == 404
    assert named["caseId"] not in [
        item["caseId"] for item in api.get("/cases", headers=provider).json()["items"]
    ]


@pytest.fixture
def remind_environment(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # `scrt remind` sets these for its own process; here it runs inside the test's, so undo them after.
    monkeypatch.setenv(settings.NOTIFY_DIGEST_TEMPLATE_ID, LOCAL_DIGEST_TEMPLATE_ID)
    monkeypatch.setenv(settings.WEB_BASE_URL, stack.api_url)
    yield
    composition.reset()


def test_scrt_remind_writes_one_outbox_file_per_contact_once_a_week(
    api: httpx.Client,
    token: TokenFactory,
    stack: LocalStack,
    remind_environment: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    editor = _bearer(token, "icb_editor", "QOP")
    contacts = api.put(
        "/icbs/QOP/contacts",
        json={"emails": ["qop.safeguarding@nhs.example"]},
        headers={**editor, "If-Match": '"0"'},
    )
    assert contacts.status_code == 200, contacts.text
    case = api.post("/cases", json=_case("QOP"), headers=editor).json()

    state_dir = str(stack.state.root)
    assert cli.main(["--state-dir", state_dir, "remind"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert "QOP" in summary["sent"]
    files = [Path(name) for name in summary["outboxFiles"]]
    mine = [json.loads(path.read_text()) for path in files if "digest-QOP-" in path.name]
    assert len(mine) == 1
    email = mine[0]
    assert email["recipient"] == "qop.safeguarding@nhs.example"
    assert email["templateId"] == LOCAL_DIGEST_TEMPLATE_ID
    link = f"{stack.api_url}/app/cases/{case['caseId']}"
    assert any(case["reference"] in line and link in line for line in email["personalisation"]["overdue"])
    assert RESTRICTED not in json.dumps(email)

    assert cli.main(["--state-dir", state_dir, "remind"]) == 0  # run again the same week
    again = json.loads(capsys.readouterr().out)
    assert "QOP" in again["alreadySent"] and not any("digest-QOP-" in name for name in again["outboxFiles"])


def test_concurrent_runs_on_dynamodb_local_send_each_digest_once(
    api: httpx.Client, token: TokenFactory, stack: LocalStack
) -> None:
    """Four copies of the job at once, then a retry, against the real conditional writes."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.support.reminders import RecordingSender
    from tracker.logic.reminders import ReminderService
    from tracker.reference import reference_data

    # No other integration test gives it contacts or submits for it (test_reference_allocation
    # counts QWO's references from 1, so it must stay untouched).
    icb = "QUY"
    editor = _bearer(token, "icb_editor", icb)
    put = api.put(
        f"/icbs/{icb}/contacts",
        json={"emails": ["bnssg.one@nhs.example", "bnssg.two@nhs.example"]},
        headers={**editor, "If-Match": '"0"'},
    )
    assert put.status_code == 200, put.text
    assert api.post("/cases", json=_case(icb), headers=editor).status_code == 201
    sender = RecordingSender()  # list.append is atomic: safe across the runs' threads
    week_ahead = clock.today_london() + timedelta(days=7 * 5)  # a week no other test has claimed

    def run_once() -> str:
        service = ReminderService(
            composition.case_store(),
            composition.contact_service().recipients,
            composition.reminder_ledger(),
            sender,
            reference_data(),
            template_id=LOCAL_DIGEST_TEMPLATE_ID,
            app_base_url=stack.api_url,
            now=clock.now_utc,
        )
        return service.run(week_ahead).outcomes[icb].value

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda _: run_once(), range(4)))
    # One sends; the others find it sent, or still held (which is not "sent": they ask for a retry).
    assert outcomes.count("sent") == 1
    assert set(outcomes) - {"sent"} <= {"already_sent", "in_progress"}
    assert run_once() == "already_sent"  # Lambda's retry, afterwards
    mine = sorted(mail.recipient for mail in sender.sent if mail.reference.startswith(f"digest-{icb}-"))
    assert mine == ["bnssg.one@nhs.example", "bnssg.two@nhs.example"]


def test_a_refused_and_a_failed_contact_on_dynamodb_local_the_retry_sends_only_the_failed_one(
    api: httpx.Client, token: TokenFactory, stack: LocalStack
) -> None:
    """Per-recipient sending against the real conditional writes: the ledger keeps keys, not
    addresses, while unfinished, and counts once finished."""
    from tests.support.reminders import RecordingSender
    from tracker.dal.items import from_attribute_values
    from tracker.dal.schema import REMINDER_SK, reminder_pk
    from tracker.logic.reminders import ReminderService, iso_week
    from tracker.reference import reference_data

    icb = "QWU"  # no other integration test gives it contacts
    addresses = ["bad.address@nhs.example", "wy.failing@nhs.example", "wy.fine@nhs.example"]
    editor = _bearer(token, "icb_editor", icb)
    put = api.put(f"/icbs/{icb}/contacts", json={"emails": addresses}, headers={**editor, "If-Match": '"0"'})
    assert put.status_code == 200, put.text
    assert api.post("/cases", json=_case(icb), headers=editor).status_code == 201
    day = clock.today_london() + timedelta(days=7 * 6)  # a week no other test has claimed

    def run_with(sender: RecordingSender) -> Any:
        return ReminderService(
            composition.case_store(),
            composition.contact_service().recipients,
            composition.reminder_ledger(),
            sender,
            reference_data(),
            template_id=LOCAL_DIGEST_TEMPLATE_ID,
            app_base_url=stack.api_url,
            now=clock.now_utc,
        ).run(day)

    def record() -> dict[str, Any]:
        key = {"pk": {"S": reminder_pk(icb, iso_week(day))}, "sk": {"S": REMINDER_SK}}
        table = settings.settings().require(settings.CASES_TABLE_NAME)
        item = composition.dynamodb_client().get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
        return from_attribute_values(item)

    first_sender = RecordingSender(
        refuse_for=frozenset({"bad.address@nhs.example"}), fail_for=frozenset({"wy.failing@nhs.example"})
    )
    first = run_with(first_sender)
    assert first.outcomes[icb].value == "failed" and first.refused == {icb: [400]}
    assert [mail.recipient for mail in first_sender.sent if icb in mail.reference] == ["wy.fine@nhs.example"]
    held = record()
    assert held["status"] == "SENDING" and "nhs.example" not in json.dumps(held, default=str)
    assert len(held["reachedKeys"]) == 1 and len(held["refusedKeys"]) == 1

    retry_sender = RecordingSender()
    retry = run_with(retry_sender)
    assert retry.outcomes[icb].value == "sent"
    assert [mail.recipient for mail in retry_sender.sent if icb in mail.reference] == [
        "wy.failing@nhs.example"
    ]
    done = record()
    assert (done["status"], done["reachedCount"], done["refusedCount"]) == ("SENT", 2, 1)
    assert "reachedKeys" not in done and done["expiresAt"] > clock.now_utc().timestamp()
