"""The web case page is one entry (issue 21's measure): the page reads the case, then a page of its
history, in one request; the case's entry ("opened the case") covers the history the page shows.
A history read anywhere else (the API, another request, another case, another person) is its own
entry, and the API's reads are never folded."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.conftest import synthetic_case
from tests.support.memory import InMemoryAuditTrail, InMemoryCaseStore
from tracker import clock
from tracker.access import AccessPolicy, Caller
from tracker.errors import AuditUnavailable, NotVisible
from tracker.logic.audit import AccessLog, AuditedCaseService, AuditRecorder, ReadAccessLog
from tracker.logic.cases import CaseService
from tracker.logic.commands import ReadHistory, SubmitCase
from tracker.logic.cursor import CursorCodec
from tracker.models.access_log import AccessEntry, Channel, ReadAction
from tracker.models.enums import Role
from tracker.reference import reference_data

EDITOR = Caller(Role.ICB_EDITOR, "QE1", "editor-1")
VIEWER = Caller(Role.ICB_VIEWER, "QE1", "viewer-1")
FOREIGN_EDITOR = Caller(Role.ICB_EDITOR, "QOP", "editor-3")
CODEC = CursorCodec(b"test-cursor-key-0123456789abcdef")


class Reads:
    def __init__(self, channel: Channel) -> None:
        self.trail = InMemoryAuditTrail()
        self.request_id: str | None = "request-1"
        policy = AccessPolicy(reference_data())
        self.plain = CaseService(InMemoryCaseStore(), policy, reference_data(), lambda: CODEC)
        recorder = AuditRecorder(lambda: self.trail, channel, lambda: self.request_id)
        log = AccessLog(self.plain, policy, lambda: self.trail, recorder, lambda: CODEC)
        self.service = AuditedCaseService(self.plain, recorder, log)

    def submit(self) -> str:
        return self.plain.submit(EDITOR, SubmitCase(synthetic_case())).case_id

    def page(self, caller: Caller, case_id: str) -> None:
        """What the web case page reads: the case, then a page of its history."""
        self.service.get(caller, case_id)
        self.service.history(caller, ReadHistory(case_id, 10))

    def entries(self) -> list[AccessEntry]:
        return list(self.trail.entries.values())


@pytest.fixture
def reads(fixed_today: None, monkeypatch: pytest.MonkeyPatch) -> Callable[[Channel], Reads]:
    ticks = iter(range(1_000_000))
    noon = clock.now_utc()
    monkeypatch.setattr(clock, "now_utc", lambda: noon + timedelta(milliseconds=next(ticks)))
    return Reads


def test_the_web_case_page_is_one_entry(reads: Callable[[Channel], Reads]) -> None:
    web = reads(Channel.WEB)
    case_id = web.submit()
    web.page(EDITOR, case_id)
    (entry,) = web.entries()
    assert (entry.action, entry.case_ids, entry.sub) == (ReadAction.READ_CASE, (case_id,), EDITOR.sub)
    assert web.trail.writes == 1


def test_each_opening_of_the_page_is_its_own_entry(reads: Callable[[Channel], Reads]) -> None:
    web = reads(Channel.WEB)
    case_id = web.submit()
    web.page(EDITOR, case_id)
    web.request_id = "request-2"
    web.page(EDITOR, case_id)
    assert [entry.request_id for entry in web.entries()] == ["request-1", "request-2"]


@pytest.mark.parametrize("channel", [Channel.API, Channel.WEB])
def test_history_read_in_a_request_of_its_own_is_recorded(
    reads: Callable[[Channel], Reads], channel: Channel
) -> None:
    audited = reads(channel)
    case_id = audited.submit()
    audited.service.get(EDITOR, case_id)
    audited.request_id = "request-2"
    audited.service.history(EDITOR, ReadHistory(case_id, 10))
    assert [entry.action for entry in audited.entries()] == [ReadAction.READ_CASE, ReadAction.READ_HISTORY]


def test_the_api_never_folds_a_history_read(reads: Callable[[Channel], Reads]) -> None:
    api = reads(Channel.API)
    case_id = api.submit()
    api.page(EDITOR, case_id)  # one request id, as a test could make it: still two reads
    assert [entry.action for entry in api.entries()] == [ReadAction.READ_CASE, ReadAction.READ_HISTORY]


def test_without_a_request_id_nothing_is_folded(reads: Callable[[Channel], Reads]) -> None:
    web = reads(Channel.WEB)
    web.request_id = None
    case_id = web.submit()
    web.page(EDITOR, case_id)
    assert [entry.action for entry in web.entries()] == [ReadAction.READ_CASE, ReadAction.READ_HISTORY]


def test_another_case_s_or_another_person_s_history_is_recorded(reads: Callable[[Channel], Reads]) -> None:
    web = reads(Channel.WEB)
    first, second = web.submit(), web.submit()
    web.service.get(EDITOR, first)
    web.service.history(EDITOR, ReadHistory(second, 10))
    web.service.history(VIEWER, ReadHistory(first, 10))
    assert [(entry.action, entry.case_ids, entry.sub) for entry in web.entries()] == [
        (ReadAction.READ_CASE, (first,), EDITOR.sub),
        (ReadAction.READ_HISTORY, (second,), EDITOR.sub),
        (ReadAction.READ_HISTORY, (first,), VIEWER.sub),
    ]


def test_a_refused_case_read_folds_nothing(reads: Callable[[Channel], Reads]) -> None:
    web = reads(Channel.WEB)
    case_id = web.submit()
    with pytest.raises(NotVisible):
        web.service.get(FOREIGN_EDITOR, case_id)
    with pytest.raises(NotVisible):
        web.service.history(FOREIGN_EDITOR, ReadHistory(case_id, 10))
    # Each read's "answered" entry, written while it was read, then its refusal (D121); the access
    # log shows each read once, refused.
    assert [(entry.action, entry.outcome.value) for entry in web.entries()] == [
        (ReadAction.READ_CASE, "answered"),
        (ReadAction.READ_CASE, "refused"),
        (ReadAction.READ_HISTORY, "answered"),
        (ReadAction.READ_HISTORY, "refused"),
    ]
    shown = web.service.access_log(EDITOR, ReadAccessLog(case_id)).items
    assert [(entry.action, entry.outcome.value) for entry in shown] == [
        (ReadAction.READ_HISTORY, "refused"),
        (ReadAction.READ_CASE, "refused"),
    ]


def test_a_case_read_whose_entry_failed_folds_nothing(reads: Callable[[Channel], Reads]) -> None:
    web = reads(Channel.WEB)
    case_id = web.submit()
    web.trail.failing = True
    with pytest.raises(AuditUnavailable):
        web.service.get(EDITOR, case_id)
    with pytest.raises(AuditUnavailable):
        web.service.history(EDITOR, ReadHistory(case_id, 10))
