"""The weekly digest reads as people read the web app: field and value labels, dates such as
"20 November 2026", the week as dates, the most overdue first, and a link to the ICB's overdue
worklist that opens the case list filtered so."""

from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.memory import InMemoryCaseStore
from tests.support.reminders import InMemoryReminderLedger, RecordingSender
from tests.unit.logic.test_reminders_digest import MONDAY, Clock, make_case, recommendation
from tests.unit.web.conftest import EDITOR, Harness, ticking_clock, web  # noqa: F401 - fixtures
from tracker.access import Caller
from tracker.logic.reminders import ReminderService
from tracker.models.enums import Role
from tracker.models.fields import FIELD_LABELS
from tracker.reference import reference_data
from tracker.web import labels
from tracker.web.case_list import FILTERS

APP = "https://tracker.example.nhs.uk"
TEMPLATE = "11111111-2222-4333-8444-555555555555"


def digest_fields(
    cases: list[Any], today: date = MONDAY, icb: str = "QE1", base_url: str = APP
) -> dict[str, Any]:
    store = InMemoryCaseStore()
    for case in cases:
        store.cases[case.case_id] = case
    sender = RecordingSender()
    ReminderService(
        store,
        lambda code: ["lead.one@nhs.example"] if code == icb else [],
        InMemoryReminderLedger(),
        sender,
        reference_data(),
        template_id=TEMPLATE,
        app_base_url=base_url,
        now=Clock(),
    ).run(today)
    [mail] = sender.sent
    return mail.personalisation


def test_a_line_reads_in_labels_and_long_dates_without_codes() -> None:
    case = make_case(reviewType="CSPR", stage="IN_PROGRESS", dateAdded="2026-05-20")  # due 20 November
    [line] = digest_fields([case])["overdue"]
    assert line == (
        f"{case.reference}: Publication due 20 November 2026 (10 days overdue)."
        f" {FIELD_LABELS['reviewType']}: Child safeguarding practice review (CSPR)."
        f" {FIELD_LABELS['stage']}: In progress. {APP}/app/cases/{case.case_id}"
    )
    for code in ("CSPR,", "IN_PROGRESS", "2026-11-20"):
        assert code not in line


def test_a_recommendation_line_names_it_and_when_it_falls_due() -> None:
    case = make_case(
        reviewType="CSPR",
        stage="IN_PROGRESS",
        dateAdded="2026-10-01",  # publication due in April 2027: beyond the 14 days
        recommendations=[recommendation("R7", "2026-12-01"), recommendation("R8", "2026-11-29")],
    )
    fields = digest_fields([case])
    assert fields["overdue"] == [
        f"{case.reference}: Recommendation R8, due date 29 November 2026 (1 day overdue)."
        " Review type: Child safeguarding practice review (CSPR). Stage: In progress."
        f" {APP}/app/cases/{case.case_id}"
    ]
    assert fields["due_soon"][0].startswith(
        f"{case.reference}: Recommendation R7, due date 1 December 2026 (in 1 day)."
    )


def test_the_week_is_its_monday_and_sunday_as_dates() -> None:
    case = make_case(reviewType="CSPR", stage="IN_PROGRESS", dateAdded="2026-05-20")
    assert digest_fields([case], today=date(2026, 12, 2))["week"] == "30 November 2026 to 6 December 2026"
    assert digest_fields([case], today=date(2026, 12, 29))["week"] == "28 December 2026 to 3 January 2027"


def test_the_most_overdue_come_first_and_the_soonest_due_after() -> None:
    older = make_case(reviewType="CSPR", stage="IN_PROGRESS", dateAdded="2026-04-01")  # due 1 October
    newer = make_case(reviewType="CSPR", stage="IN_PROGRESS", dateAdded="2026-05-20")  # due 20 November
    soon = make_case(
        reviewType="CSPR",
        stage="IN_PROGRESS",
        dateAdded="2026-10-01",
        recommendations=[recommendation("R2", "2026-12-09"), recommendation("R1", "2026-12-02")],
    )
    fields = digest_fields([newer, soon, older])
    assert [line.split(":")[0] for line in fields["overdue"]] == [older.reference, newer.reference]
    assert "(60 days overdue)" in fields["overdue"][0]
    assert [line.split(",")[0] for line in fields["due_soon"]] == [
        f"{soon.reference}: Recommendation R1",
        f"{soon.reference}: Recommendation R2",
    ]


def test_the_worklist_link_is_the_case_list_filtered_to_the_icbs_overdue_cases() -> None:
    case = make_case(reviewType="CSPR", stage="IN_PROGRESS", dateAdded="2026-05-20")
    link = digest_fields([case], base_url=f"{APP}/")["worklist_link"]
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{APP}/app/"
    query = dict(parse_qsl(parts.query))
    assert query == {"icbCode": "QE1", "overdue": "true"}
    assert set(query) <= {*FILTERS, "overdue"}  # the parameters the case list reads


def test_an_icb_that_succeeded_others_links_to_all_its_overdue_cases_not_its_own_code_alone() -> None:
    """QRL took over QNQ's cases: a list filtered on QRL alone would hide them."""
    case = make_case(icbCode="QNQ", reviewType="CSPR", stage="IN_PROGRESS", dateAdded="2026-05-20")
    fields = digest_fields([case], icb="QRL")
    assert case.reference in fields["overdue"][0]
    assert dict(parse_qsl(urlsplit(fields["worklist_link"]).query)) == {"overdue": "true"}


def test_following_the_worklist_link_shows_the_overdue_cases_and_not_the_others(web: Harness) -> None:  # noqa: F811
    overdue = web.submit(reviewType="RAPID_REVIEW", stage="RAPID_REVIEW", dateAdded="2026-02-02")
    on_time = web.submit(dateAdded="2026-10-01")
    link = digest_fields(list(web.store.cases.values()), today=date(2026, 11, 26))["worklist_link"]
    parts = urlsplit(link)
    page = web.request("GET", parts.path, caller=EDITOR, query=parse_qsl(parts.query))
    assert page.status == 200
    assert overdue.reference in page.body
    assert on_time.reference not in page.body


def test_the_web_app_and_the_digest_share_one_table_of_value_labels() -> None:
    from tracker.models import wording

    assert labels.VALUE_LABELS is wording.VALUE_LABELS
    assert labels.value_label is wording.value_label


def test_an_editor_of_a_successor_icb_following_its_link_sees_the_predecessors_overdue_case(
    web: Harness,  # noqa: F811
) -> None:
    inherited = make_case(icbCode="QNQ", reviewType="CSPR", stage="IN_PROGRESS", dateAdded="2026-05-20")
    web.store.cases[inherited.case_id] = inherited
    link = digest_fields([inherited], today=date(2026, 11, 26), icb="QRL")["worklist_link"]
    parts = urlsplit(link)
    page = web.request(
        "GET", parts.path, caller=Caller(Role.ICB_EDITOR, "QRL", "editor-qrl"), query=parse_qsl(parts.query)
    )
    assert page.status == 200
    assert inherited.reference in page.body
