"""The regional team's week (issue 20 item 5): each region's contacts get a weekly digest of the DHRs in
their region waiting for the regional answer, and each ICB's digest lists its DHRs waiting for the
ICB's own answer, through the same sender and ledger, at most once a week however often retried."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.support.memory import InMemoryCaseStore
from tests.support.reminders import InMemoryReminderLedger, RecordingSender
from tracker.logic.reminders import (
    PERSONALISATION_FIELDS,
    REGIONAL_PERSONALISATION_FIELDS,
    DigestOutcome,
    ReminderService,
    iso_week,
)
from tracker.models.case import Case
from tracker.reference import reference_data

APP = "https://tracker.example.nhs.uk"
TEMPLATE = "11111111-2222-4333-8444-555555555555"
REGIONAL_TEMPLATE = "66666666-7777-4888-9999-000000000000"
MONDAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
REGION_CONTACT = "regional.lead@nhs.example"
ICB_CONTACT = "icb.lead@nhs.example"
FREE_TEXT = {
    "caseInformation": "Synthetic restricted marker AAA",
    "comments": "Synthetic restricted marker BBB",
    "safeguardingPartnership": "Synthetic partnership marker CCC",
    "localReference": "Synthetic local marker DDD",
}
_counter = iter(range(1, 10_000))


def dhr(icb: str = "QE1", region: str = "Y62", **overrides: Any) -> Case:
    number = next(_counter)
    record: dict[str, Any] = {
        "caseId": f"00000000-0000-4000-8000-{number:012d}",
        "reference": f"{icb}-2026-{number:04d}",
        "version": 1,
        "regionCode": region,
        "createdAt": "2026-11-01T09:00:00.000000Z",
        "createdBy": f"icb_editor:{icb}:someone",
        "updatedAt": "2026-11-01T09:00:00.000000Z",
        "updatedBy": f"icb_editor:{icb}:someone",
        "icbCode": icb,
        "reviewType": "DHR",
        "status": "OPEN",
        "stage": "IN_PROGRESS",
        "incidentDate": "2026-06-01",
        "dateAdded": "2026-11-20",
        "designatedProfessional": "DESIGNATED_PROFESSIONAL_ADULTS",
        "themes": ["DOMESTIC_ABUSE"],
        **FREE_TEXT,
    }
    record.update(overrides)
    return Case.model_validate(record)


def assured(**overrides: Any) -> Case:
    return dhr(icbChiefNurseAssuredDhrHealthRecs="YES", **overrides)


def service(
    store: InMemoryCaseStore,
    ledger: InMemoryReminderLedger,
    sender: RecordingSender,
    contacts: dict[str, list[str]],
    regional_template_id: str | None = REGIONAL_TEMPLATE,
) -> ReminderService:
    return ReminderService(
        store,
        lambda code: contacts.get(code, []),
        ledger,
        sender,
        reference_data(),
        template_id=TEMPLATE,
        app_base_url=APP,
        now=lambda: NOW,
        regional_template_id=regional_template_id,
    )


def stored(*cases: Case) -> InMemoryCaseStore:
    store = InMemoryCaseStore()
    for case in cases:
        store.cases[case.case_id] = case
    return store


def test_the_region_gets_the_dhrs_waiting_for_its_answer_and_no_others() -> None:
    waiting = assured(regionalChiefNurseContentToAcceptDhrHealthRecs=None)
    pending = assured(reviewType="DHR_CHILD", regionalChiefNurseContentToAcceptDhrHealthRecs="PENDING")
    answered = assured(regionalChiefNurseContentToAcceptDhrHealthRecs="YES")
    not_assured = dhr(icbChiefNurseAssuredDhrHealthRecs="PENDING")
    closed = assured(status="CLOSED")
    elsewhere = assured(icb="QOP", region="Y56")
    not_a_dhr = dhr(reviewType="SAR", icbChiefNurseAssuredDhrHealthRecs=None)
    store = stored(waiting, pending, answered, not_assured, closed, elsewhere, not_a_dhr)
    sender = RecordingSender()
    run = service(store, InMemoryReminderLedger(), sender, {"Y62": [REGION_CONTACT]}).run(MONDAY)

    assert run.outcomes["Y62"] is DigestOutcome.SENT
    (email,) = [sent for sent in sender.sent if sent.recipient == REGION_CONTACT]
    assert email.template_id == REGIONAL_TEMPLATE
    assert email.reference == f"digest-Y62-{iso_week(MONDAY)}"
    fields = email.personalisation
    assert set(fields) == set(REGIONAL_PERSONALISATION_FIELDS)
    assert fields["region_code"] == "Y62" and fields["region_name"] == "North West"
    assert fields["awaiting_count"] == "2"
    listed = " ".join(fields["awaiting"])
    assert waiting.reference in listed and pending.reference in listed
    for other in (answered, not_assured, closed, elsewhere, not_a_dhr):
        assert other.reference not in listed
    assert f"/app/cases/{waiting.case_id}" in listed
    assert fields["worklist_link"] == f"{APP}/app/?awaiting=regional"
    assert not any(marker in str(fields) for marker in FREE_TEXT.values())


def test_a_region_with_nothing_waiting_or_without_contacts_gets_nothing() -> None:
    sender = RecordingSender()
    quiet = service(stored(dhr()), InMemoryReminderLedger(), sender, {"Y62": [REGION_CONTACT]}).run(MONDAY)
    assert quiet.outcomes["Y62"] is DigestOutcome.NOTHING_DUE
    nobody = service(stored(assured()), InMemoryReminderLedger(), sender, {}).run(MONDAY)
    assert nobody.outcomes["Y62"] is DigestOutcome.NO_CONTACTS
    assert [sent for sent in sender.sent if sent.template_id == REGIONAL_TEMPLATE] == []


def test_at_most_once_a_week_however_often_retried_and_again_the_next_week() -> None:
    store = stored(assured())
    ledger = InMemoryReminderLedger()
    sender = RecordingSender()
    reminders = service(store, ledger, sender, {"Y62": [REGION_CONTACT]})
    assert reminders.run(MONDAY).outcomes["Y62"] is DigestOutcome.SENT
    for day in (MONDAY, MONDAY + timedelta(days=3)):
        assert reminders.run(day).outcomes["Y62"] is DigestOutcome.ALREADY_SENT
    assert [sent.recipient for sent in sender.sent].count(REGION_CONTACT) == 1
    # The ledger's key is the region and the week.
    assert ("Y62", iso_week(MONDAY)) in ledger.records
    next_week = MONDAY + timedelta(weeks=1)
    assert reminders.run(next_week).outcomes["Y62"] is DigestOutcome.SENT
    assert [sent.recipient for sent in sender.sent].count(REGION_CONTACT) == 2


def test_a_failed_send_is_retried_without_sending_twice() -> None:
    store = stored(assured())
    ledger = InMemoryReminderLedger()
    second = "regional.deputy@nhs.example"
    flaky = RecordingSender(fail_for=frozenset({second}))
    contacts = {"Y62": [REGION_CONTACT, second]}
    first = service(store, ledger, flaky, contacts).run(MONDAY)
    assert first.outcomes["Y62"] is DigestOutcome.FAILED and first.needs_retry
    healed = RecordingSender()
    retry = service(store, ledger, healed, contacts).run(MONDAY)
    assert retry.outcomes["Y62"] is DigestOutcome.SENT
    assert [sent.recipient for sent in healed.sent if sent.template_id == REGIONAL_TEMPLATE] == [second]


def test_without_a_regional_template_no_region_is_sent_to_and_the_icbs_still_are() -> None:
    store = stored(assured(), dhr())
    sender = RecordingSender()
    contacts = {"Y62": [REGION_CONTACT], "QE1": [ICB_CONTACT]}
    run = service(store, InMemoryReminderLedger(), sender, contacts, regional_template_id=None).run(MONDAY)
    assert "Y62" not in run.outcomes
    assert [sent.recipient for sent in sender.sent] == [ICB_CONTACT]


def test_the_icb_digest_lists_its_dhrs_waiting_for_the_icbs_own_answer() -> None:
    unanswered = dhr(icbChiefNurseAssuredDhrHealthRecs=None)
    pending = dhr(reviewType="DHR_CHILD", icbChiefNurseAssuredDhrHealthRecs="PENDING")
    answered = assured()
    store = stored(unanswered, pending, answered)
    sender = RecordingSender()
    run = service(store, InMemoryReminderLedger(), sender, {"QE1": [ICB_CONTACT]}).run(MONDAY)

    # Nothing else is due: the DHRs waiting for the ICB's answer are reason enough for a digest.
    assert run.outcomes["QE1"] is DigestOutcome.SENT
    (email,) = [sent for sent in sender.sent if sent.recipient == ICB_CONTACT]
    assert email.template_id == TEMPLATE
    fields = email.personalisation
    assert set(fields) == set(PERSONALISATION_FIELDS)
    assert fields["awaiting_answer_count"] == "2"
    listed = " ".join(fields["awaiting_answer"])
    assert unanswered.reference in listed and pending.reference in listed
    assert answered.reference not in listed
    assert fields["overdue"] == ["none"] and fields["due_soon"] == ["none"]
    assert not any(marker in str(fields) for marker in FREE_TEXT.values())


@pytest.mark.parametrize("fields", [PERSONALISATION_FIELDS, REGIONAL_PERSONALISATION_FIELDS])
def test_every_placeholder_is_always_given(fields: tuple[str, ...]) -> None:
    assert len(set(fields)) == len(fields)
