"""Who has seen this case, in the web app: each page's reads recorded (the case, edit and conflict
pages, the list, as every role), the "Who has seen this case" page for the ICB's editors and the
national team, and no page shown when its read cannot be recorded."""

from dataclasses import replace

import pytest

from tests.support.memory import InMemoryAuditTrail
from tests.unit.web.conftest import EDITOR, FOREIGN_EDITOR, NATIONAL, REGIONAL, VIEWER, Harness
from tracker.access import AccessPolicy, Caller
from tracker.logic.audit import AccessLog, AuditedCaseService, AuditRecorder, as_read
from tracker.logic.commands import UpdateCase, VersionCondition
from tracker.logic.cursor import CursorCodec
from tracker.models.access_log import AccessEntry, Channel, ReadAction
from tracker.models.enums import Role
from tracker.reference import reference_data
from tracker.web.app import WebApp

PROVIDER = Caller(Role.PROVIDER, "RXX", "provider-1")
SECRET = "Synthetic restricted comment 5J"


class Audited:
    def __init__(self, web: Harness) -> None:
        self.trail = InMemoryAuditTrail()
        self.failures: list[int] = []
        policy = AccessPolicy(reference_data())
        codec = CursorCodec(b"unit-test-cursor-key-0123456789")
        recorder = AuditRecorder(
            lambda: self.trail, Channel.WEB, lambda: "web-request", lambda: self.failures.append(1)
        )
        log = AccessLog(web.service, policy, lambda: self.trail, recorder, lambda: codec)
        audited = AuditedCaseService(web.service, recorder, log)
        old = web.app
        app = WebApp(
            base_url="https://tracker.example.test",
            sealer=old.sealer,
            oidc=old.oidc,
            policy=policy,
            reference=old.reference,
            case_service=lambda: audited,  # type: ignore[arg-type,return-value]
            contact_service=lambda: web.contacts,
            latest_summary=lambda: None,
            ended_sessions=old.ended_sessions,
        )
        self.web = replace(web, app=app)

    def entries(self) -> list[AccessEntry]:
        return list(self.trail.entries.values())


@pytest.fixture
def audited(web: Harness) -> Audited:
    return Audited(web)


def _case_id(audited: Audited) -> str:
    return audited.web.submit(providersInvolved=["RXX"], comments=SECRET).case_id


@pytest.mark.parametrize(
    "reader", [EDITOR, VIEWER, REGIONAL, NATIONAL, PROVIDER], ids=lambda caller: caller.role.value
)
def test_each_page_s_reads_are_recorded_as_every_role(audited: Audited, reader: Caller) -> None:
    case_id = _case_id(audited)
    assert audited.entries() == []
    assert audited.web.request("GET", f"/app/cases/{case_id}", caller=reader).status == 200
    # The case page is one entry: opening the case covers the page of its history it shows.
    assert [entry.action for entry in audited.entries()] == [ReadAction.READ_CASE]
    assert audited.web.request("GET", "/app/", caller=reader).status == 200
    listed = audited.entries()[-1]
    assert (listed.action, listed.case_ids) == (ReadAction.LIST_CASES, (case_id,))
    for entry in audited.entries():
        assert (entry.role, entry.org, entry.sub) == (reader.role.value, reader.org, reader.sub)
        assert entry.channel is Channel.WEB and entry.request_id == "web-request"
        assert SECRET not in entry.canonical().decode()
    assert len(audited.entries()) == 2


def test_the_edit_page_and_a_refused_page_are_recorded(audited: Audited) -> None:
    case_id = _case_id(audited)
    assert audited.web.request("GET", f"/app/cases/{case_id}/edit", caller=EDITOR).status == 200
    assert audited.web.request("GET", f"/app/cases/{case_id}", caller=FOREIGN_EDITOR).status == 404
    edit, refused = as_read(audited.entries())  # the refused read's two entries shown as one (D121)
    assert (edit.action, edit.outcome.value, edit.sub) == (ReadAction.READ_CASE, "answered", EDITOR.sub)
    assert (refused.outcome.value, refused.refusal, refused.org) == ("refused", "not-found", "QOP")


def test_the_conflict_page_s_read_is_recorded(audited: Audited) -> None:
    from tests.unit.web.test_pages import _post_edit, edit_form

    case_id = _case_id(audited)
    mine = edit_form(audited.web, case_id)  # opened at version 1
    later = UpdateCase(case_id, {"comments": "Synthetic later note."}, VersionCondition(frozenset({1})))
    audited.web.service.update(EDITOR, later)  # someone else saves first
    before = len(audited.entries())
    mine["localReference"] = ["SYN-MINE-1"]
    assert _post_edit(audited.web, case_id, mine).status == 409
    after = audited.entries()[before:]
    assert ReadAction.READ_CASE in [entry.action for entry in after]


@pytest.mark.parametrize("reader", [EDITOR, NATIONAL], ids=lambda caller: caller.role.value)
def test_who_has_seen_this_case_for_the_icb_s_editors_and_the_national_team(
    audited: Audited, reader: Caller
) -> None:
    case_id = _case_id(audited)
    audited.web.request("GET", f"/app/cases/{case_id}", caller=PROVIDER)
    page = audited.web.request("GET", f"/app/cases/{case_id}/access", caller=reader)
    assert page.status == 200, page.body
    assert "Who has seen this case" in page.body
    assert "Opened the case in the tracker" in page.body and "RXX" in page.body
    assert SECRET not in page.body
    assert audited.entries()[-1].action is ReadAction.READ_ACCESS_LOG


@pytest.mark.parametrize(
    ("reader", "status"),
    [(VIEWER, 403), (REGIONAL, 403), (PROVIDER, 403), (FOREIGN_EDITOR, 404)],
    ids=lambda value: getattr(value, "role", value),
)
def test_nobody_else_sees_the_page(audited: Audited, reader: Caller, status: int) -> None:
    case_id = _case_id(audited)
    assert audited.web.request("GET", f"/app/cases/{case_id}/access", caller=reader).status == status
    (entry,) = audited.entries()
    assert (entry.action, entry.outcome.value) == (ReadAction.READ_ACCESS_LOG, "refused")


def test_no_page_is_shown_when_its_read_cannot_be_recorded(audited: Audited) -> None:
    case_id = _case_id(audited)
    audited.trail.failing = True
    page = audited.web.request("GET", f"/app/cases/{case_id}", caller=EDITOR)
    assert page.status == 503
    assert SECRET not in page.body
    assert audited.failures == [1]
