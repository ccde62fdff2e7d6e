"""The send_reminders function over moto: a digest from the due index, metrics, and no repeat."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
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
from tracker import clock, composition, settings
from tracker.logic.ports import DigestClaim
from tracker.logic.reminders import LEASE_SECONDS, RemindersIncomplete, iso_week

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


@dataclass
class ReminderContext(LambdaContextStub):
    seconds_left: float = 290.0  # the function's 5 minutes, just begun

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds_left * 1000)


def run_function(context: ReminderContext | None = None) -> dict[str, Any]:
    from functions.send_reminders.handler import lambda_handler

    return dict(lambda_handler({"source": "aws.scheduler"}, context or ReminderContext()))


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
    metrics = _metrics(output)
    assert metrics["ReminderDigestsSent"] == [1.0] and metrics["ReminderDigestFailures"] == [0.0]
    assert metrics["ReminderRecipientsRefused"] == [0.0] and metrics["ReminderRecipientsUnconfirmed"] == [0.0]
    assert "lead.one@nhs.example" not in output and "ZZQ" not in output
    second = run_function()  # the scheduler's retry
    assert second["sent"] == [] and second["alreadySent"] == ["QE1"]
    assert len(sender.sent) == 1


def _metrics(output: str) -> dict[str, Any]:
    return [json.loads(line) for line in output.splitlines() if '"_aws"' in line][-1]


def test_a_failure_that_may_pass_is_counted_logged_by_type_and_fails_the_run_for_a_retry(
    api: Api, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    api.submit(synthetic_case())
    contacts, change = _contacts_for("QE1", ["lead.one@nhs.example", "lead.two@nhs.example"])
    composition.contact_store().put(contacts, change, expected_version=0)
    sender = RecordingSender(fail_for=frozenset({"lead.one@nhs.example"}))
    composition.install_email_sender(sender)
    capsys.readouterr()
    with pytest.raises(RemindersIncomplete) as raised:  # so that Lambda's asynchronous retry runs
        run_function()
    assert raised.value.summary["failed"] == ["QE1"]
    assert [mail.recipient for mail in sender.sent] == ["lead.two@nhs.example"]  # not stopped by one
    output = capsys.readouterr().out
    metrics = _metrics(output)  # emitted although the run failed
    assert metrics["ReminderDigestFailures"] == [1.0] and metrics["ReminderDigestsSent"] == [0.0]
    failure = next(
        record for record in caplog.records if record.getMessage() == "some reminder digests failed"
    )
    assert failure.__dict__["errorTypes"] == {"QE1": "ConnectionError"}
    logged = output + caplog.text + json.dumps(failure.__dict__, default=str) + str(raised.value)
    assert "nhs.example" not in logged

    sender.fail_for.clear()  # the retry: only the contact missed is sent to
    retry = run_function()
    assert retry["sent"] == ["QE1"] and retry["failed"] == []
    assert [mail.recipient for mail in sender.sent] == ["lead.two@nhs.example", "lead.one@nhs.example"]


def test_a_refused_contact_is_counted_and_logged_without_its_address_and_the_run_succeeds(
    api: Api, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    api.submit(synthetic_case())
    contacts, change = _contacts_for("QE1", ["bad.address@nhs.example", "lead.two@nhs.example"])
    composition.contact_store().put(contacts, change, expected_version=0)
    sender = RecordingSender(refuse_for=frozenset({"bad.address@nhs.example"}))
    composition.install_email_sender(sender)
    capsys.readouterr()
    result = run_function()  # nothing a retry could mend: the run succeeds
    assert result["sent"] == ["QE1"] and result["refusedContacts"] == {"QE1": 1}
    assert [mail.recipient for mail in sender.sent] == ["lead.two@nhs.example"]
    output = capsys.readouterr().out
    metrics = _metrics(output)
    assert metrics["ReminderRecipientsRefused"] == [1.0] and metrics["ReminderDigestFailures"] == [0.0]
    refused = next(record for record in caplog.records if record.getMessage().startswith("contacts refused"))
    assert refused.__dict__["refusedStatuses"] == {"QE1": [400]}
    assert "bad.address" not in output + caplog.text + json.dumps(refused.__dict__, default=str)


def test_a_send_notify_did_not_answer_is_counted_logged_without_its_address_and_never_resent(
    api: Api, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    api.submit(synthetic_case(comments="Synthetic restricted marker ZZR"))
    contacts, change = _contacts_for("QE1", ["lead.one@nhs.example", "lead.two@nhs.example"])
    composition.contact_store().put(contacts, change, expected_version=0)
    sender = RecordingSender(unanswered_for=frozenset({"lead.one@nhs.example"}))
    composition.install_email_sender(sender)
    capsys.readouterr()
    result = run_function()  # a retry could not tell whether it went: nothing to retry
    assert result["sent"] == ["QE1"] and result["unconfirmedContacts"] == {"QE1": 1}
    output = capsys.readouterr().out
    metrics = _metrics(output)
    assert metrics["ReminderRecipientsUnconfirmed"] == [1.0] and metrics["ReminderDigestFailures"] == [0.0]
    unconfirmed = next(
        record for record in caplog.records if record.getMessage().startswith("Notify did not")
    )
    assert unconfirmed.levelname == "WARNING"
    assert unconfirmed.__dict__["unconfirmedReasons"] == {"QE1": ["ReadTimeout"]}
    assert unconfirmed.__dict__["notifyReferences"] == [f"digest-QE1-{result['week']}"]
    logged = output + caplog.text + json.dumps(unconfirmed.__dict__, default=str)
    assert "nhs.example" not in logged and "ZZR" not in logged

    sender.unanswered_for.clear()
    again = run_function()  # a re-run that week
    assert again["alreadySent"] == ["QE1"] and again["unconfirmedContacts"] == {}
    assert _metrics(capsys.readouterr().out)["ReminderRecipientsUnconfirmed"] == [0.0]
    assert sorted(mail.recipient for mail in sender.sent) == ["lead.one@nhs.example", "lead.two@nhs.example"]


def test_a_hold_left_by_a_run_that_timed_out_is_a_failure_not_already_sent(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    api.submit(synthetic_case())
    contacts, change = _contacts_for("QE1", ["lead.one@nhs.example"])
    composition.contact_store().put(contacts, change, expected_version=0)
    composition.install_email_sender(RecordingSender())
    today, now = clock.today_london(), clock.now_utc()
    held = composition.reminder_ledger().claim(
        "QE1", iso_week(today), now=now, lease_seconds=LEASE_SECONDS, keep_until=now + timedelta(days=60)
    )
    assert isinstance(held, DigestClaim)  # the timed-out run's hold, its lease still running
    capsys.readouterr()
    with pytest.raises(RemindersIncomplete) as raised:
        run_function()
    assert raised.value.summary["inProgress"] == ["QE1"] and raised.value.summary["alreadySent"] == []
    assert _metrics(capsys.readouterr().out)["ReminderDigestFailures"] == [1.0]


def test_a_digest_without_time_left_to_finish_is_not_begun_but_left_for_the_retry(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    api.submit(synthetic_case())
    contacts, change = _contacts_for("QE1", ["lead.one@nhs.example"])
    composition.contact_store().put(contacts, change, expected_version=0)
    sender = RecordingSender()
    composition.install_email_sender(sender)
    with pytest.raises(RemindersIncomplete) as raised:
        run_function(ReminderContext(seconds_left=LEASE_SECONDS - 1))
    assert raised.value.summary["failed"] == ["QE1"] and sender.sent == []
    assert run_function()["sent"] == ["QE1"]  # not claimed, so the retry takes it at once
    assert len(sender.sent) == 1


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


REGIONAL_TEMPLATE = "66666666-7777-4888-8999-aaaaaaaaaaaa"


def _a_dhr_waiting_for_the_region_and_its_contacts(api: Api) -> None:
    from functions.icb_contacts.handler import lambda_handler as contacts_handler
    from tests.support.api import api_event

    submitted = api.submit(
        synthetic_case(reviewType="DHR", icbChiefNurseAssuredDhrHealthRecs="YES")  # the region's turn
    )
    assert submitted.status == 201, submitted.body
    composition.contact_store()
    answer = contacts_handler(
        api_event(
            "PUT",
            "/regions/Y62/contacts",
            identity=("regional", "Y62"),
            body={"emails": ["regional.lead@nhs.example"]},
            headers={"If-Match": '"0"'},
        ),
        LambdaContextStub(),
    )
    assert answer["statusCode"] == 200, answer


@pytest.mark.parametrize(("configured", "region_sent"), [(REGIONAL_TEMPLATE, True), ("", False)])
def test_the_regional_digest_goes_out_exactly_when_its_template_is_configured(
    api: Api, monkeypatch: pytest.MonkeyPatch, configured: str, region_sent: bool
) -> None:
    monkeypatch.setenv(
        settings.NOTIFY_REGIONAL_DIGEST_TEMPLATE_ID, configured
    )  # "": the parameter left empty
    reset_caches()
    _a_dhr_waiting_for_the_region_and_its_contacts(api)
    sender = RecordingSender()
    composition.install_email_sender(sender)

    run_function()

    regional = [mail for mail in sender.sent if mail.recipient == "regional.lead@nhs.example"]
    assert bool(regional) is region_sent
    if region_sent:
        assert regional[0].template_id == REGIONAL_TEMPLATE
        assert regional[0].personalisation["region_code"] == "Y62"
