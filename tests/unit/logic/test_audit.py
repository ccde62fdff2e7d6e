"""The read audit on the in-memory stores: every read recorded (and no other), a refused read too,
no read without its entry, the access log for those who answer for the case, the daily seal."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import synthetic_case
from tests.support.memory import InMemoryAuditTrail, InMemoryCaseStore, InMemorySealArchive
from tracker import clock
from tracker.access import AccessPolicy, Caller
from tracker.error_statuses import kind_of
from tracker.errors import AuditUnavailable, NotAllowed, NotVisible, UnreadableInput
from tracker.logic.audit import (
    AccessLog,
    AuditedCaseService,
    AuditRecorder,
    ReadAccessLog,
    seal_day,
    verify_day,
)
from tracker.logic.cases import CaseService
from tracker.logic.commands import ListCases, ReadHistory, SubmitCase
from tracker.logic.cursor import CursorCodec
from tracker.logic.ports import SealExists
from tracker.models.access_log import AccessEntry, Channel, ReadAction, ReadOutcome
from tracker.models.enums import Role
from tracker.reference import reference_data

EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1", name="Sam Example")
VIEWER = Caller(Role.ICB_VIEWER, "QE1", "viewer-1")
REGIONAL = Caller(Role.REGIONAL, "Y62", "regional-1")
NATIONAL = Caller(Role.NATIONAL, "X24", "national-1")
PROVIDER = Caller(Role.PROVIDER, "RXX", "provider-1")
FOREIGN_EDITOR = Caller(Role.ICB_EDITOR, "QOP", "editor-3")
EVERY_READER = (EDITOR, VIEWER, REGIONAL, NATIONAL, PROVIDER)
RESTRICTED_TEXT = "Synthetic narrative only the ICB may read."
CODEC = CursorCodec(b"test-cursor-key-0123456789abcdef")


class Audited:
    def __init__(self, trail: InMemoryAuditTrail, store: InMemoryCaseStore) -> None:
        policy = AccessPolicy(reference_data())
        self.plain = CaseService(store, policy, reference_data(), lambda: CODEC)
        self.failures: list[int] = []
        self.recorder = AuditRecorder(
            lambda: trail, Channel.API, lambda: "request-1", lambda: self.failures.append(1)
        )
        log = AccessLog(self.plain, policy, lambda: trail, self.recorder, lambda: CODEC)
        self.service = AuditedCaseService(self.plain, self.recorder, log)
        self.trail = trail


@pytest.fixture
def audited(fixed_today: None, monkeypatch: pytest.MonkeyPatch) -> Audited:
    # The fixed noon of fixed_today, a millisecond later at each look: reads happen one after another.
    ticks = iter(range(1_000_000))
    noon = clock.now_utc()
    monkeypatch.setattr(clock, "now_utc", lambda: noon + timedelta(milliseconds=next(ticks)))
    return Audited(InMemoryAuditTrail(), InMemoryCaseStore())


def _submit(audited: Audited, **overrides: object) -> str:
    body = synthetic_case(providersInvolved=["RXX"], comments=RESTRICTED_TEXT, **overrides)
    return audited.plain.submit(EDITOR, SubmitCase(body)).case_id


def _entries(audited: Audited) -> list[AccessEntry]:
    return list(audited.trail.entries.values())  # in the order written


@pytest.mark.parametrize("reader", EVERY_READER, ids=lambda caller: caller.role.value)
def test_each_read_by_each_role_is_recorded_once_with_who_what_when(audited: Audited, reader: Caller) -> None:
    case_id = _submit(audited)
    assert audited.trail.entries == {}  # recording a case is not a read
    audited.service.get(reader, case_id)
    audited.service.history(reader, ReadHistory(case_id))
    shown = audited.service.list(reader, ListCases()).items
    reference = audited.plain.get(EDITOR, case_id).reference
    audited.service.find_by_reference(reader, reference.lower())

    entries = _entries(audited)
    assert [entry.action for entry in entries] == [
        ReadAction.READ_CASE,
        ReadAction.READ_HISTORY,
        ReadAction.LIST_CASES,
        ReadAction.FIND_BY_REFERENCE,
    ]
    assert [case.case_id for case in shown] == [case_id]
    for entry in entries:
        assert (entry.role, entry.org, entry.sub, entry.name) == (
            reader.role.value,
            reader.org,
            reader.sub,
            reader.name,
        )
        assert entry.case_ids == (case_id,)
        assert entry.outcome is ReadOutcome.ANSWERED and entry.refusal is None
        assert entry.channel is Channel.API and entry.request_id == "request-1"
        assert entry.at.startswith("2026-11-26T12:00:00.")
        assert RESTRICTED_TEXT not in entry.canonical().decode()
        assert reference not in entry.canonical().decode()  # what was typed is not kept


def test_a_list_page_is_one_entry_with_every_case_it_showed(audited: Audited) -> None:
    case_ids = {_submit(audited) for _ in range(3)}
    page = audited.service.list(EDITOR, ListCases(limit=2))
    assert audited.trail.writes == 1
    (entry,) = _entries(audited)
    assert entry.action is ReadAction.LIST_CASES
    assert list(entry.case_ids) == [case.case_id for case in page.items]
    assert set(entry.case_ids) < case_ids


def test_several_pages_read_for_one_page_opened_are_one_entry_with_every_case(audited: Audited) -> None:
    """A trust's overview counts from up to ten pages of the list: it is one read of the list."""
    case_ids = [_submit(audited) for _ in range(5)]
    every_page = audited.service.list_pages(PROVIDER, ListCases(limit=2), max_pages=10)
    assert sorted(case.case_id for case in every_page.items) == sorted(case_ids)
    assert every_page.next_cursor is None  # the list ended
    assert audited.trail.writes == 1
    (entry,) = _entries(audited)
    assert entry.action is ReadAction.LIST_CASES
    assert list(entry.case_ids) == [case.case_id for case in every_page.items]

    first_two = audited.service.list_pages(PROVIDER, ListCases(limit=2), max_pages=2)
    assert len(first_two.items) == 4 and first_two.next_cursor is not None
    rest = audited.service.list_pages(PROVIDER, ListCases(limit=2, cursor=first_two.next_cursor), max_pages=2)
    assert [case.case_id for case in first_two.items + rest.items] == list(entry.case_ids)
    assert rest.next_cursor is None
    assert audited.trail.writes == 3


def test_several_pages_that_showed_nothing_are_not_a_read(audited: Audited) -> None:
    _submit(audited)
    assert audited.service.list_pages(FOREIGN_EDITOR, ListCases(limit=1), max_pages=3).items == []
    assert audited.trail.entries == {}


def test_a_page_that_showed_nothing_is_not_a_read(audited: Audited) -> None:
    _submit(audited)
    assert audited.service.list(FOREIGN_EDITOR, ListCases()).items == []
    assert audited.trail.entries == {}


def test_a_refused_read_is_recorded_then_refused_as_before(audited: Audited) -> None:
    case_id = _submit(audited)
    with pytest.raises(NotVisible):
        audited.service.get(FOREIGN_EDITOR, case_id)
    with pytest.raises(NotVisible):
        audited.service.get(FOREIGN_EDITOR, "not a case id: Jane Example")
    with pytest.raises(UnreadableInput):
        audited.service.history(EDITOR, ReadHistory(case_id, cursor="forged"))
    asked, first, second, asked_history, third = _entries(audited)
    assert (first.outcome, first.refusal, first.case_ids) == (ReadOutcome.REFUSED, "not-found", (case_id,))
    # A named case's "answered" entry is written while it is read (D121); the refusal that follows
    # is of the same moment and request, and the access log shows it in place of the first.
    assert (asked.outcome, asked.case_ids, asked.at, asked.request_id) == (
        ReadOutcome.ANSWERED,
        (case_id,),
        first.at,
        first.request_id,
    )
    # What was typed in place of a case id is never kept.
    assert (second.outcome, second.case_ids) == (ReadOutcome.REFUSED, ())
    assert "Jane" not in second.canonical().decode()
    assert (third.action, third.refusal) == (ReadAction.READ_HISTORY, "bad-request")
    assert (asked_history.action, asked_history.at) == (ReadAction.READ_HISTORY, third.at)
    shown = audited.service.access_log(EDITOR, ReadAccessLog(case_id)).items
    assert [(entry.action, entry.outcome, entry.refusal) for entry in shown] == [
        (ReadAction.READ_HISTORY, ReadOutcome.REFUSED, "bad-request"),
        (ReadAction.READ_CASE, ReadOutcome.REFUSED, "not-found"),
    ]


def test_no_read_without_its_entry_503_and_the_failure_counted(audited: Audited) -> None:
    case_id = _submit(audited)
    audited.trail.failing = True
    for read in (
        lambda: audited.service.get(EDITOR, case_id),
        lambda: audited.service.history(EDITOR, ReadHistory(case_id)),
        lambda: audited.service.list(EDITOR, ListCases()),
        lambda: audited.service.get(FOREIGN_EDITOR, case_id),  # a refusal unrecorded is refused too
    ):
        with pytest.raises(AuditUnavailable) as refused:
            read()
        assert kind_of(refused.value).status == 503
    # The refusal counts twice: its "answered" entry (written while it read, D121), then its own.
    assert audited.failures == [1, 1, 1, 1, 1]
    assert audited.trail.entries == {}


def test_writes_and_the_rest_are_the_case_service_s_own(audited: Audited) -> None:
    created = audited.service.submit(EDITOR, SubmitCase(synthetic_case()))
    assert audited.service.reference_of(EDITOR, created.case_id) == created.reference
    assert audited.trail.entries == {}


# --- the access log ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", [EDITOR, NATIONAL], ids=lambda caller: caller.role.value)
def test_the_case_s_icb_editors_and_the_national_team_read_who_has_seen_it(
    audited: Audited, reader: Caller
) -> None:
    case_id = _submit(audited)
    audited.service.get(PROVIDER, case_id)
    audited.service.get(REGIONAL, case_id)
    page = audited.service.access_log(reader, ReadAccessLog(case_id))
    assert [(entry.role, entry.action) for entry in page.items] == [
        ("regional", ReadAction.READ_CASE),
        ("provider", ReadAction.READ_CASE),
    ]  # newest first
    assert page.next_cursor is None
    asked = _entries(audited)[-1]
    assert (asked.action, asked.sub, asked.case_ids) == (ReadAction.READ_ACCESS_LOG, reader.sub, (case_id,))
    # Its own reading shows on the next read of the log.
    again = audited.service.access_log(reader, ReadAccessLog(case_id))
    assert again.items[0].entry_id == asked.entry_id


@pytest.mark.parametrize(
    ("reader", "refusal"),
    [(VIEWER, NotAllowed), (REGIONAL, NotAllowed), (PROVIDER, NotAllowed), (FOREIGN_EDITOR, NotVisible)],
    ids=lambda value: getattr(value, "role", getattr(value, "__name__", "")),
)
def test_nobody_else_reads_it_and_asking_is_recorded(
    audited: Audited, reader: Caller, refusal: type[Exception]
) -> None:
    case_id = _submit(audited)
    with pytest.raises(refusal):
        audited.service.access_log(reader, ReadAccessLog(case_id))
    (entry,) = _entries(audited)  # recorded after the read: a log's page never races its own entry
    assert (entry.action, entry.outcome, entry.sub) == (
        ReadAction.READ_ACCESS_LOG,
        ReadOutcome.REFUSED,
        reader.sub,
    )


def test_the_access_log_pages_newest_first_with_a_cursor_bound_to_the_query(
    audited: Audited, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = _submit(audited)
    for second in range(5):
        moment = datetime(2026, 11, 26, 9, 0, second, tzinfo=UTC)
        monkeypatch.setattr(clock, "now_utc", lambda moment=moment: moment)
        audited.service.get(VIEWER, case_id)
    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2026, 11, 26, 10, tzinfo=UTC))
    first = audited.service.access_log(EDITOR, ReadAccessLog(case_id, limit=2))
    assert [entry.at[17:19] for entry in first.items] == ["04", "03"]
    assert first.next_cursor is not None
    later = audited.service.access_log(EDITOR, ReadAccessLog(case_id, limit=2, cursor=first.next_cursor))
    assert [entry.at[17:19] for entry in later.items] == ["02", "01"]
    with pytest.raises(UnreadableInput):  # another reader's cursor is refused
        audited.service.access_log(NATIONAL, ReadAccessLog(case_id, limit=2, cursor=first.next_cursor))


# --- the daily seal ---------------------------------------------------------------------------------

DAY = date(2026, 11, 26)


def _sealed_day(audited: Audited) -> tuple[str, InMemorySealArchive]:
    case_id = _submit(audited)
    for reader in EVERY_READER:
        audited.service.get(reader, case_id)
    archive = InMemorySealArchive()
    sealed = seal_day(audited.trail, archive, DAY)
    assert sealed.count == len(EVERY_READER)
    return case_id, archive


def test_an_untouched_day_verifies(audited: Audited) -> None:
    _, archive = _sealed_day(audited)
    result = verify_day(audited.trail, archive, DAY)
    assert result.intact and result.entries == len(EVERY_READER)
    with pytest.raises(SealExists):  # a seal is written once
        seal_day(audited.trail, archive, DAY)


def test_an_altered_entry_is_reported_changed(audited: Audited) -> None:
    _, archive = _sealed_day(audited)
    victim = _entries(audited)[2]
    audited.trail.entries[victim.entry_id] = victim.model_copy(update={"sub": "someone-else"})
    result = verify_day(audited.trail, archive, DAY)
    assert not result.intact
    assert (result.changed, result.added, result.removed) == ([victim.entry_id], [], [])


def test_a_removed_entry_is_reported_removed(audited: Audited) -> None:
    _, archive = _sealed_day(audited)
    victim = _entries(audited)[0]
    del audited.trail.entries[victim.entry_id]
    result = verify_day(audited.trail, archive, DAY)
    assert (result.changed, result.added, result.removed) == ([], [], [victim.entry_id])


def test_an_added_entry_is_reported_added(audited: Audited) -> None:
    case_id, archive = _sealed_day(audited)
    audited.service.get(EDITOR, case_id)  # written after the seal, back-dated to the sealed day
    late = _entries(audited)[-1]
    result = verify_day(audited.trail, archive, DAY)
    assert (result.changed, result.added, result.removed) == ([], [late.entry_id], [])


def test_a_seal_altered_to_match_an_edit_is_broken(audited: Audited) -> None:
    _, archive = _sealed_day(audited)
    victim = _entries(audited)[1]
    forged = victim.model_copy(update={"org": "QOP"})
    audited.trail.entries[victim.entry_id] = forged
    seal = json.loads(archive.seals[DAY])
    for item in seal["entries"]:
        if item["entryId"] == victim.entry_id:
            item["sha256"] = forged.digest()
    archive.seals[DAY] = json.dumps(seal).encode()
    result = verify_day(audited.trail, archive, DAY)
    assert result.changed == [] and result.seal_broken and not result.intact


def test_a_day_never_sealed_does_not_verify(audited: Audited) -> None:
    _submit(audited)
    result = verify_day(audited.trail, InMemorySealArchive(), DAY)
    assert not result.sealed and not result.intact
