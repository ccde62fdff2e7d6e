"""The weekly digest: which items it lists (working days, bank holidays), what it may say, and that
each ICB gets it at most once a week however often or however many times at once the job runs."""

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from infra.constants import REMINDER_TIMEOUT
from tests.support.memory import InMemoryCaseStore
from tests.support.reminders import InMemoryReminderLedger, RecordingSender
from tracker.logic.ports import DigestClaim
from tracker.logic.reminders import (
    LEASE_SECONDS,
    OUT_OF_TIME,
    PERSONALISATION_FIELDS,
    SEND_TIMEOUT_SECONDS,
    DigestOutcome,
    DueKind,
    ReminderRun,
    ReminderService,
    digest_lines,
    iso_week,
    recipient_key,
)
from tracker.models.case import Case
from tracker.models.contacts import MAX_CONTACTS
from tracker.reference import reference_data

APP = "https://tracker.example.nhs.uk"
TEMPLATE = "11111111-2222-4333-8444-555555555555"
FREE_TEXT = {
    "caseInformation": "Synthetic restricted marker AAA",
    "comments": "Synthetic restricted marker BBB",
    "safeguardingPartnership": "Synthetic partnership marker CCC",
    "localReference": "Synthetic local marker DDD",
    "lessonsLearnt": "Synthetic lessons marker EEE",
    "goodPractice": "Synthetic practice marker FFF",
}
_counter = iter(range(1, 10_000))


def make_case(**overrides: Any) -> Case:
    number = next(_counter)
    record: dict[str, Any] = {
        "caseId": f"00000000-0000-4000-8000-{number:012d}",
        "reference": f"QE1-2026-{number:04d}",
        "version": 1,
        "regionCode": "Y62",
        "createdAt": "2026-11-01T09:00:00.000000Z",
        "createdBy": "icb_editor:QE1:someone",
        "updatedAt": "2026-11-01T09:00:00.000000Z",
        "updatedBy": "icb_editor:QE1:someone",
        "icbCode": "QE1",
        "reviewType": "RAPID_REVIEW",
        "status": "OPEN",
        "stage": "RAPID_REVIEW",
        "incidentDate": "2026-12-01",
        "dateAdded": "2026-12-14",
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic Children Safeguarding Partnership",
        "themes": ["NEGLECT"],
    }
    record.update(overrides)
    return Case.model_validate(record)


def recommendation(rec_id: str, due: str, status: str = "IN_PROGRESS") -> dict[str, Any]:
    return {
        "recommendationId": rec_id,
        "theme": "NEGLECT",
        "text": "Synthetic recommendation marker GGG",
        "owner": "Synthetic owner marker HHH",
        "dueDate": due,
        "status": status,
        "evidence": "Synthetic evidence marker III",
    }


# -- selection --------------------------------------------------------------------------------------


def test_a_rapid_review_due_after_christmas_counts_the_bank_holidays() -> None:
    """Added Monday 14 December 2026: 15 working days skip 25 and 28 December and 1 January, so it
    is due Thursday 7 January 2027 (4 January if the holidays were working days)."""
    case = make_case()
    lines_on_24th = digest_lines([case], date(2026, 12, 24))  # horizon ends 7 January
    assert [(line.kind, line.due, line.overdue) for line in lines_on_24th] == [
        (DueKind.RAPID_REVIEW, date(2027, 1, 7), False)
    ]
    assert digest_lines([case], date(2026, 12, 23)) == []  # horizon ends 6 January: not yet
    assert digest_lines([case], date(2027, 1, 7))[0].overdue is False  # due today is not overdue
    assert digest_lines([case], date(2027, 1, 8))[0].overdue is True


def test_a_finished_deadline_or_recommendation_is_not_listed() -> None:
    moved_on = make_case(stage="IN_PROGRESS")  # the rapid review is done
    closed = make_case(status="CLOSED", stage="PUBLISHED", reportSignedOffDate="2026-12-20")
    done = make_case(
        reviewType="CSPR",
        stage="IN_PROGRESS",
        dateAdded="2026-06-01",
        recommendations=[recommendation("R1", "2027-01-01", "COMPLETE")],
    )
    assert digest_lines([moved_on, closed], date(2027, 2, 1)) == []
    assert [line.kind for line in digest_lines([done], date(2026, 11, 30))] == [DueKind.PUBLICATION]


def test_overdue_and_soon_due_items_of_every_kind_are_listed_soonest_first() -> None:
    cspr = make_case(
        reviewType="CSPR",
        stage="IN_PROGRESS",
        dateAdded="2026-05-20",  # publication due 20 November: overdue on the 30th
        recommendations=[
            recommendation("R1", "2026-12-10"),  # within 14 days
            recommendation("R2", "2026-12-20"),  # beyond them
            recommendation("R3", "2026-11-02", "NOT_STARTED"),  # overdue
        ],
    )
    lines = digest_lines([cspr], date(2026, 11, 30))
    assert [(line.kind, line.recommendation_id, line.overdue) for line in lines] == [
        (DueKind.RECOMMENDATION, "R3", True),
        (DueKind.PUBLICATION, None, True),
        (DueKind.RECOMMENDATION, "R1", False),
    ]


def test_iso_weeks_turn_on_monday_and_across_the_new_year() -> None:
    assert iso_week(date(2026, 11, 30)) == "2026-W49"
    assert iso_week(date(2026, 12, 6)) == "2026-W49"  # Sunday: same week
    assert iso_week(date(2026, 12, 7)) == "2026-W50"
    assert iso_week(date(2027, 1, 3)) == "2026-W53"  # 2026 has 53 ISO weeks


# -- sending -------------------------------------------------------------------------------------------

MONDAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


class Clock:
    def __init__(self, moment: datetime = NOW) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def service(
    store: InMemoryCaseStore,
    ledger: InMemoryReminderLedger,
    sender: RecordingSender,
    contacts: dict[str, list[str]],
    clock: Clock | None = None,
) -> ReminderService:
    return ReminderService(
        store,
        lambda icb: contacts.get(icb, []),
        ledger,
        sender,
        reference_data(),
        template_id=TEMPLATE,
        app_base_url=APP,
        now=clock or Clock(),
    )


@pytest.fixture
def store() -> InMemoryCaseStore:
    store = InMemoryCaseStore()
    overdue = make_case(
        reviewType="CSPR",
        stage="IN_PROGRESS",
        dateAdded="2026-05-20",
        providersInvolved=["RXX"],
        recommendations=[recommendation("R7", "2026-12-01")],
        **FREE_TEXT,
    )
    store.cases[overdue.case_id] = overdue
    return store


CONTACTS = {"QE1": ["lead.one@nhs.example", "lead.two@nhs.example"]}


def test_a_digest_goes_to_each_contact_with_the_template_and_no_free_text(store: InMemoryCaseStore) -> None:
    sender = RecordingSender()
    run = service(store, InMemoryReminderLedger(), sender, CONTACTS).run(MONDAY)
    assert run.outcomes["QE1"] is DigestOutcome.SENT
    assert run.icbs(DigestOutcome.SENT) == ["QE1"]
    assert [mail.recipient for mail in sender.sent] == CONTACTS["QE1"]
    mail = sender.sent[0]
    assert mail.template_id == TEMPLATE
    assert mail.reference == "digest-QE1-2026-W49"
    fields = mail.personalisation
    assert set(fields) == set(PERSONALISATION_FIELDS)
    assert fields["icb_code"] == "QE1" and fields["week"] == "30 November 2026 to 6 December 2026"
    assert fields["overdue_count"] == "1" and fields["due_soon_count"] == "1"
    case = next(iter(store.cases.values()))
    link = f"{APP}/app/cases/{case.case_id}"
    assert fields["overdue"] == [
        f"{case.reference}: Publication due 20 November 2026 (10 days overdue)."
        f" Review type: Child safeguarding practice review (CSPR). Stage: In progress. {link}"
    ]
    assert fields["due_soon"][0].startswith(f"{case.reference}: Recommendation R7, due date 1 December 2026")
    text = json.dumps(fields)
    for marker in ("AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH", "III"):
        assert marker not in text


def test_nothing_due_or_no_contacts_sends_nothing(store: InMemoryCaseStore) -> None:
    sender = RecordingSender()
    run = service(store, InMemoryReminderLedger(), sender, {}).run(MONDAY)
    assert run.outcomes["QE1"] is DigestOutcome.NO_CONTACTS
    assert run.outcomes["QOP"] is DigestOutcome.NOTHING_DUE
    assert sender.sent == []


def test_retries_in_the_same_week_send_nothing_more_and_next_week_sends_again(
    store: InMemoryCaseStore,
) -> None:
    ledger, sender = InMemoryReminderLedger(), RecordingSender()
    for hours in (0, 1, 30):  # the scheduler's retries, and a manual re-run the next day
        run = service(store, ledger, sender, CONTACTS, Clock(NOW + timedelta(hours=hours))).run(MONDAY)
    assert run.outcomes["QE1"] is DigestOutcome.ALREADY_SENT
    assert len(sender.sent) == 2  # one digest, to each of the two contacts
    service(store, ledger, sender, CONTACTS).run(MONDAY + timedelta(days=7))
    assert len(sender.sent) == 4


def test_a_run_started_while_another_is_sending_sends_nothing_and_is_not_told_sent(
    store: InMemoryCaseStore,
) -> None:
    ledger = InMemoryReminderLedger()
    inner_runs: list[ReminderRun] = []

    class SenderThatLetsAnotherRunIn(RecordingSender):
        def send(self, recipient: str, *args: Any) -> None:
            if not inner_runs:  # a second copy of the job starts mid-send
                inner_runs.append(service(store, ledger, inner_sender, CONTACTS).run(MONDAY))
            super().send(recipient, *args)

    inner_sender = RecordingSender()
    outer_sender = SenderThatLetsAnotherRunIn()
    outer = service(store, ledger, outer_sender, CONTACTS).run(MONDAY)
    assert outer.outcomes["QE1"] is DigestOutcome.SENT and not outer.needs_retry
    # Unfinished is not "sent": the other run may yet die holding it, so this one asks for a retry.
    assert inner_runs[0].outcomes["QE1"] is DigestOutcome.IN_PROGRESS
    assert inner_runs[0].failed_icbs() == ["QE1"] and inner_runs[0].needs_retry
    assert inner_sender.sent == [] and len(outer_sender.sent) == 2


THREE_CONTACTS = {"QE1": ["lead.one@nhs.example", "lead.two@nhs.example", "lead.three@nhs.example"]}


def test_a_failed_send_does_not_stop_the_others_and_the_retry_sends_only_the_one_missed(
    store: InMemoryCaseStore,
) -> None:
    ledger = InMemoryReminderLedger()
    failing = RecordingSender(fail_for=frozenset({"lead.one@nhs.example"}))  # the first listed
    first = service(store, ledger, failing, THREE_CONTACTS).run(MONDAY)
    assert first.outcomes["QE1"] is DigestOutcome.FAILED and first.needs_retry
    assert first.error_types["QE1"] == "ConnectionError"
    assert [mail.recipient for mail in failing.sent] == ["lead.two@nhs.example", "lead.three@nhs.example"]
    retry_sender = RecordingSender()
    retry = service(store, ledger, retry_sender, THREE_CONTACTS).run(MONDAY)  # released: taken at once
    assert retry.outcomes["QE1"] is DigestOutcome.SENT and not retry.needs_retry
    assert [mail.recipient for mail in retry_sender.sent] == ["lead.one@nhs.example"]


def test_a_refused_address_is_recorded_reported_and_not_tried_again_while_the_others_are_sent(
    store: InMemoryCaseStore,
) -> None:
    ledger = InMemoryReminderLedger()
    sender = RecordingSender(
        refuse_for=frozenset({"lead.one@nhs.example"}), fail_for=frozenset({"lead.three@nhs.example"})
    )
    first = service(store, ledger, sender, THREE_CONTACTS).run(MONDAY)
    assert [mail.recipient for mail in sender.sent] == ["lead.two@nhs.example"]
    assert first.refused == {"QE1": [400]} and first.refused_count == 1
    assert first.outcomes["QE1"] is DigestOutcome.FAILED  # lead.three's failure may pass: retry
    record = ledger.records[("QE1", "2026-W49")]
    assert record.refused == {recipient_key("lead.one@nhs.example")}

    retry_sender = RecordingSender()  # would accept anyone: the refused address is not offered again
    retry = service(store, ledger, retry_sender, THREE_CONTACTS).run(MONDAY)
    assert retry_sender.attempts == ["lead.three@nhs.example"]
    assert retry.outcomes["QE1"] is DigestOutcome.SENT and retry.refused == {}
    finished = ledger.records[("QE1", "2026-W49")]
    assert (finished.sent, finished.reached_count, finished.refused_count) == (True, 2, 1)


def test_a_digest_every_contact_refuses_is_finished_undelivered_and_counted_as_failed(
    store: InMemoryCaseStore,
) -> None:
    sender = RecordingSender(refuse_for=frozenset(CONTACTS["QE1"]))
    run = service(store, InMemoryReminderLedger(), sender, CONTACTS).run(MONDAY)
    assert run.outcomes["QE1"] is DigestOutcome.UNDELIVERABLE
    assert run.failed_icbs() == ["QE1"] and run.refused_count == 2
    assert not run.needs_retry  # a retry could not mend it: an editor must correct the addresses


def test_the_ledger_keeps_keys_of_addresses_only_while_unfinished_and_an_expiry(
    store: InMemoryCaseStore,
) -> None:
    ledger = InMemoryReminderLedger()
    service(store, ledger, RecordingSender(fail_for=frozenset({"lead.two@nhs.example"})), CONTACTS).run(
        MONDAY
    )
    record = ledger.records[("QE1", "2026-W49")]
    assert record.sent_to == {recipient_key("lead.one@nhs.example")}
    assert not any("@" in key or "lead" in key for key in record.sent_to)
    # Four weeks after the ISO week (Monday 30 November to Sunday 6 December) has ended.
    assert record.expires_at == datetime(2027, 1, 4, tzinfo=UTC)
    service(store, ledger, RecordingSender(), CONTACTS).run(MONDAY)
    finished = ledger.records[("QE1", "2026-W49")]
    assert finished.sent and finished.sent_to == set() and finished.reached_count == 2


def test_a_recipient_key_is_a_sha256_of_the_address_as_compared() -> None:
    key = recipient_key("lead.one@nhs.example")
    assert len(key) == 64 and int(key, 16) >= 0
    assert recipient_key(" Lead.One@NHS.example ") == key
    assert recipient_key("lead.two@nhs.example") != key


def test_the_lease_outlasts_one_icbs_sends_but_not_the_function_and_its_first_retries() -> None:
    assert LEASE_SECONDS > MAX_CONTACTS * SEND_TIMEOUT_SECONDS
    # Lambda retries a failed asynchronous run about 1 minute, then 2 more minutes, after it fails:
    # the second retry must find a dead run's hold expired.
    assert LEASE_SECONDS < 3 * 60 < REMINDER_TIMEOUT.to_seconds()


def test_a_crashed_runs_hold_is_not_called_sent_and_is_taken_over_after_its_lease(
    store: InMemoryCaseStore,
) -> None:
    ledger = InMemoryReminderLedger()
    crashed = ledger.claim("QE1", "2026-W49", now=NOW, lease_seconds=LEASE_SECONDS, keep_until=NOW)
    assert isinstance(crashed, DigestClaim)  # then it "timed out"
    sender = RecordingSender()
    early = service(store, ledger, sender, CONTACTS, Clock(NOW + timedelta(minutes=1))).run(MONDAY)
    assert early.outcomes["QE1"] is DigestOutcome.IN_PROGRESS and sender.sent == []
    assert early.failed_icbs() == ["QE1"] and early.needs_retry
    late = service(store, ledger, sender, CONTACTS, Clock(NOW + timedelta(minutes=3))).run(MONDAY)
    assert late.outcomes["QE1"] is DigestOutcome.SENT and len(sender.sent) == 2


def test_no_digest_is_begun_without_time_left_to_finish_it(store: InMemoryCaseStore) -> None:
    ledger, sender = InMemoryReminderLedger(), RecordingSender()
    run = service(store, ledger, sender, CONTACTS).run(MONDAY, seconds_left=lambda: LEASE_SECONDS - 1)
    assert run.outcomes["QE1"] is DigestOutcome.FAILED and run.error_types["QE1"] == OUT_OF_TIME
    assert run.needs_retry and ledger.records == {} and sender.sent == []
    enough = service(store, ledger, sender, CONTACTS).run(MONDAY, seconds_left=lambda: 290.0)
    assert enough.outcomes["QE1"] is DigestOutcome.SENT


def test_a_successors_digest_includes_its_predecessors_cases() -> None:
    reference = reference_data()
    successor = next(code for code, icb in reference.icbs.items() if icb.predecessors)
    predecessor = reference.icbs[successor].predecessors[0]
    store = InMemoryCaseStore()
    old = make_case(icbCode=predecessor, reviewType="CSPR", stage="IN_PROGRESS", dateAdded="2026-03-02")
    store.cases[old.case_id] = old
    sender = RecordingSender()
    run = service(store, InMemoryReminderLedger(), sender, {successor: ["lead@nhs.example"]}).run(MONDAY)
    assert run.outcomes[successor] is DigestOutcome.SENT
    assert predecessor not in run.outcomes  # a former ICB gets no digest of its own
    assert old.reference in sender.sent[0].personalisation["overdue"][0]
