"""The send_reminders function over moto: a digest from the due index, metrics, and no repeat."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from tests.conftest import synthetic_case
from tests.support.api import (
    CASES_TABLE,
    IDEMPOTENCY_TABLE,
    Api,
    LambdaContextStub,
    create_tables,
    reset_caches,
)
from tests.support.reminders import RecordingSender
from tracker import composition, settings

TEMPLATE = "11111111-2222-4333-8444-555555555555"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, fixed_today: None) -> Iterator[Api]:
    monkeypatch.setenv(settings.CASES_TABLE_NAME, CASES_TABLE)
    monkeypatch.setenv(settings.IDEMPOTENCY_TABLE_NAME, IDEMPOTENCY_TABLE)
    monkeypatch.setenv(settings.CURSOR_SIGNING_KEY, "test-cursor-key-0123456789abcdef")
    monkeypatch.setenv(settings.NOTIFY_DIGEST_TEMPLATE_ID, TEMPLATE)
    monkeypatch.setenv(settings.WEB_BASE_URL, "https://tracker.example.nhs.uk")
    with mock_aws():
        reset_caches()
        import boto3

        client = boto3.client("dynamodb", region_name="eu-west-2")
        create_tables(client)
        yield Api(client)
    reset_caches()


def run_function() -> dict[str, Any]:
    from functions.send_reminders.handler import lambda_handler

    return dict(lambda_handler({"source": "aws.scheduler"}, LambdaContextStub()))


def test_the_function_sends_one_digest_per_icb_and_week_and_counts_it(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    case = api.submit(synthetic_case(comments="Synthetic restricted marker ZZQ")).body  # CSPR: overdue
    composition.contact_store()  # built on the moto client
    from functions.icb_contacts.handler import lambda_handler as contacts_handler
    from tests.support.api import api_event

    contacts_handler(
        api_event(
            "PUT",
            "/icbs/QE1/contacts",
            identity=("icb_editor", "QE1"),
            body={"emails": ["lead.one@nhs.example"]},
            headers={"If-Match": '"0"'},
        ),
        LambdaContextStub(),
    )
    sender = RecordingSender()
    composition.install_email_sender(sender)
    capsys.readouterr()
    first = run_function()
    assert first["sent"] == ["QE1"] and first["failed"] == []
    assert [mail.recipient for mail in sender.sent] == ["lead.one@nhs.example"]
    assert case["reference"] in sender.sent[0].personalisation["overdue"][0]
    output = capsys.readouterr().out
    metrics = [json.loads(line) for line in output.splitlines() if '"_aws"' in line]
    assert metrics[-1]["ReminderDigestsSent"] == [1.0] and metrics[-1]["ReminderDigestFailures"] == [0.0]
    assert "lead.one@nhs.example" not in output and "ZZQ" not in output
    second = run_function()  # the scheduler's retry
    assert second["sent"] == [] and second["alreadySent"] == ["QE1"]
    assert len(sender.sent) == 1


def test_a_notify_failure_is_counted_and_logged_by_type_only(
    api: Api, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    api.submit(synthetic_case())
    contacts, change = _contacts_for("QE1", ["lead.one@nhs.example"])
    composition.contact_store().put(contacts, change, expected_version=0)
    composition.install_email_sender(RecordingSender(fail_for=frozenset({"lead.one@nhs.example"})))
    capsys.readouterr()
    result = run_function()
    assert result["failed"] == ["QE1"]
    output = capsys.readouterr().out
    metrics = [json.loads(line) for line in output.splitlines() if '"_aws"' in line]
    assert metrics[-1]["ReminderDigestFailures"] == [1.0]
    failure = next(
        record for record in caplog.records if record.getMessage() == "some reminder digests failed"
    )
    assert failure.__dict__["errorTypes"] == {"QE1": "ConnectionError"}
    assert "lead.one@nhs.example" not in output + caplog.text + json.dumps(failure.__dict__, default=str)


def _contacts_for(icb: str, emails: list[str]) -> Any:
    from tracker.models.contacts import ContactsChange, IcbContacts

    moment = "2026-11-26T12:00:00.000000Z"
    return (
        IcbContacts.model_validate(
            {"icbCode": icb, "emails": emails, "version": 1, "updatedAt": moment, "updatedBy": "x"}
        ),
        ContactsChange.model_validate(
            {"version": 1, "changedAt": moment, "changedBy": "x", "before": [], "after": emails}
        ),
    )
