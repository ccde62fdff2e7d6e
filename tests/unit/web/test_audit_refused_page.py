"""The page a person sees when a case page is refused because its read could not be recorded
(issue 21 item 5): it says why nothing is shown and when to try again, never the case."""

from tests.unit.web.conftest import EDITOR, Harness
from tests.unit.web.test_access_log_page import SECRET, Audited

WHY = "We could not record that you opened this page, so it is not shown."


def test_a_page_refused_for_want_of_its_audit_entry_says_why_and_to_try_again(web: Harness) -> None:
    audited = Audited(web)
    case_id = audited.web.submit(comments=SECRET).case_id
    audited.trail.failing = True

    page = audited.web.request("GET", f"/app/cases/{case_id}", caller=EDITOR)

    assert page.status == 503
    assert WHY in page.body
    assert "Try again in a few minutes." in page.body
    assert SECRET not in page.body and case_id not in page.body


def test_other_errors_do_not_say_the_read_could_not_be_recorded(web: Harness) -> None:
    audited = Audited(web)
    page = audited.web.request("GET", "/app/cases/00000000-0000-4000-8000-000000000000", caller=EDITOR)
    assert page.status == 404
    assert WHY not in page.body


def test_the_web_harness_reads_through_the_audit_as_deployed(web: Harness) -> None:
    case_id = web.submit().case_id
    assert web.request("GET", f"/app/cases/{case_id}", caller=EDITOR).status == 200
    assert [entry.case_ids for entry in web.audit.entries.values()] == [(case_id,)]
