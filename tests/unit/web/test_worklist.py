"""The case list as a worklist (issue 19 item 1): which deadline is due and when, the overdue
caption, search, the DHR and region filters, columns for the role, and "Back to cases" returning
to the list as it was."""

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.unit.web.conftest import EDITOR, NATIONAL, REGIONAL, Harness
from tracker.access import Caller
from tracker.logic.commands import UpdateCase, VersionCondition
from tracker.models.enums import Role

LONDON_EDITOR = Caller(Role.ICB_EDITOR, "QKK", "editor-london")
PROVIDER = Caller(Role.PROVIDER, "RXX", "provider-1")
# Publication due in April 2027: neither overdue nor due soon on the fixed day (26 November 2026).
ON_TIME: dict[str, Any] = {"incidentDate": "2026-09-01", "dateAdded": "2026-10-01"}


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def rows_of(body: str) -> list[str]:
    """The text of each row of the list's table (after its head)."""
    table = re.search(r"<tbody[^>]*>(.*?)</tbody>", body, re.S)
    return [text_of(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)] if table else []


def head_of(body: str) -> list[str]:
    head = re.search(r"<thead[^>]*>(.*?)</thead>", body, re.S)
    assert head, "no table head"
    return [text_of(cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", head.group(1), re.S)]


def _recommendation(due: str, status: str = "IN_PROGRESS") -> dict[str, Any]:
    return {
        "recommendationId": "R1",
        "theme": "NEGLECT",
        "text": "Agree the escalation pathway",
        "owner": "Synthetic Trust",
        "dueDate": due,
        "status": status,
    }


def _row_for(body: str, reference: str) -> str:
    found = [row for row in rows_of(body) if reference in row]
    assert len(found) == 1, f"{reference} not listed once"
    return found[0]


def test_each_overdue_or_due_soon_case_says_which_deadline_and_when(web: Harness) -> None:
    rapid = web.submit(reviewType="RAPID_REVIEW", stage="RAPID_REVIEW", dateAdded="2026-02-02")
    late_recommendation = web.submit(
        **ON_TIME, embargoed=True, recommendations=[_recommendation("2026-11-02")]
    )
    soon = web.submit(**ON_TIME, embargoed=True, recommendations=[_recommendation("2026-12-03")])
    on_time = web.submit(**ON_TIME)

    body = web.request("GET", "/app/", caller=EDITOR).body

    assert "Rapid review due 23 February 2026" in _row_for(body, rapid.reference)
    assert "Overdue" in _row_for(body, rapid.reference)
    row = _row_for(body, late_recommendation.reference)
    assert "Recommendation R1 due 2 November 2026" in row and "Overdue" in row
    row = _row_for(body, soon.reference)
    assert "Recommendation R1 due 3 December 2026" in row and "Due soon" in row and "Overdue" not in row
    row = _row_for(body, on_time.reference)
    assert "due" not in row.split(on_time.reference, 1)[1].lower().replace("publication due", "")
    assert "Overdue" not in row and "Due soon" not in row


def test_the_overdue_list_says_the_most_overdue_come_first(web: Harness) -> None:
    web.submit(reviewType="RAPID_REVIEW", stage="RAPID_REVIEW", dateAdded="2026-02-02")

    overdue = web.request("GET", "/app/", caller=EDITOR, query={"overdue": "true"}).body
    everything = web.request("GET", "/app/", caller=EDITOR).body

    assert "Overdue cases, most overdue first" in text_of(overdue)
    assert "Cases, most recently updated first" in text_of(everything)


def test_search_by_reference_or_local_reference(web: Harness) -> None:
    first = web.submit(localReference="SYN-LOCAL-0042")
    second = web.submit(localReference="SYN-LOCAL-0077")

    by_reference = web.request("GET", "/app/", caller=EDITOR, query={"q": second.reference.lower()}).body
    by_local = web.request("GET", "/app/", caller=EDITOR, query={"q": "local-0042"}).body

    assert [second.reference in row for row in rows_of(by_reference)] == [True]
    assert [first.reference in row for row in rows_of(by_local)] == [True]
    assert f'value="{second.reference.lower()}"' in by_reference  # the search box keeps what was typed
    hidden = web.request("GET", "/app/", caller=LONDON_EDITOR, query={"q": first.reference}).body
    assert rows_of(hidden) == [] and "No cases match" in hidden


def test_dhrs_waiting_for_the_icb_or_for_the_region(web: Harness) -> None:
    waiting_for_icb = web.submit(reviewType="DHR_CHILD")
    waiting_for_region = web.submit(reviewType="DHR", icbChiefNurseAssuredDhrHealthRecs="YES")
    web.submit(reviewType="SAR")

    for caller in (EDITOR, REGIONAL):
        icb = web.request("GET", "/app/", caller=caller, query={"awaiting": "icb"}).body
        region = web.request("GET", "/app/", caller=caller, query={"awaiting": "regional"}).body
        assert [waiting_for_icb.reference in row for row in rows_of(icb)] == [True]
        assert [waiting_for_region.reference in row for row in rows_of(region)] == [True]
    page = web.request("GET", "/app/", caller=REGIONAL).body
    assert "Waiting for the ICB&#39;s DHR answer" in page or "Waiting for the ICB's DHR answer" in page
    assert "Waiting for the regional answer" in page


def test_both_dhr_types_at_once(web: Harness) -> None:
    dhr = web.submit(reviewType="DHR")
    child = web.submit(reviewType="DHR_CHILD")
    sar = web.submit(reviewType="SAR")

    body = web.request("GET", "/app/", caller=EDITOR, query={"reviewType": "ANY_DHR"}).body

    listed = " ".join(rows_of(body))
    assert dhr.reference in listed and child.reference in listed and sar.reference not in listed
    assert '<option value="ANY_DHR" selected' in body


def test_the_national_team_filters_by_region_and_nobody_else_widens_by_it(web: Harness) -> None:
    north_west = web.submit(reviewType="SAR")
    london = web.submit(LONDON_EDITOR, icbCode="QKK", reviewType="SAR")

    london_sars = {"regionCode": "Y56", "reviewType": "SAR"}
    national = web.request("GET", "/app/", caller=NATIONAL, query=london_sars).body
    assert [london.reference in row for row in rows_of(national)] == [True]
    assert 'name="regionCode"' in national and "Region" in head_of(national)

    regional = web.request("GET", "/app/", caller=REGIONAL).body
    listed = " ".join(rows_of(regional))
    assert london.reference not in listed and north_west.reference in listed
    assert 'name="regionCode"' not in regional  # one region of its own: nothing to choose
    # A region not its own is refused (test_list_filter_errors), never its own list as if filtered.
    other = web.request("GET", "/app/", caller=REGIONAL, query={"regionCode": "Y56"})
    assert other.status == 400 and rows_of(other.body) == []


def test_columns_fit_the_role(web: Harness) -> None:
    web.submit()

    assert "ICB" not in head_of(web.request("GET", "/app/", caller=EDITOR).body)
    assert "ICB" in head_of(web.request("GET", "/app/", caller=REGIONAL).body)
    assert "ICB" in head_of(web.request("GET", "/app/", caller=NATIONAL).body)
    assert "Region" not in head_of(web.request("GET", "/app/", caller=REGIONAL).body)


def _case_links(body: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="(/app/cases/[0-9a-f-]{36}[^"]*)"', body)]


def _back_link(body: str) -> str:
    found = re.search(r'<a class="nhsuk-back-link[^"]*" href="([^"]+)"', body) or re.search(
        r'href="([^"]+)"[^>]*>\s*(?:<[^>]+>\s*)*Back to cases', body
    )
    assert found, "no back link"
    return unescape(found.group(1))


def test_back_to_cases_returns_to_the_list_as_it_was_filtered_and_paged(web: Harness) -> None:
    for number in range(30):
        web.submit(reviewType="SAR", localReference=f"SYN-{number:03d}")
    first = web.request("GET", "/app/", caller=EDITOR, query={"reviewType": "SAR"})
    next_href = re.search(r'href="([^"]+)" rel="next"', first.body)
    assert next_href
    second_query = parse_qsl(urlsplit(unescape(next_href.group(1))).query)
    second = web.request("GET", "/app/", caller=EDITOR, query=second_query)
    link = _case_links(second.body)[0]
    path, _, query = link.partition("?")

    case_page = web.request("GET", path, caller=EDITOR, query=parse_qsl(query))
    back = _back_link(case_page.body)

    assert urlsplit(back).path == "/app/"
    assert sorted(parse_qsl(urlsplit(back).query)) == sorted(second_query)
    again = web.request("GET", "/app/", caller=EDITOR, query=parse_qsl(urlsplit(back).query))
    assert rows_of(again.body) == rows_of(second.body)


def test_an_unfiltered_list_links_cases_plainly(web: Harness) -> None:
    case = web.submit()
    assert _case_links(web.request("GET", "/app/", caller=EDITOR).body) == [f"/app/cases/{case.case_id}"]


def test_the_back_address_keeps_only_the_lists_own_parameters() -> None:
    from tracker.web.case_list import back_url

    assert back_url("https://evil.example/?x=1") == "/app/"
    assert back_url("reviewType=SAR&next=https://evil.example&q=QE1") == "/app/?reviewType=SAR&q=QE1"
    assert back_url("") == "/app/"
    assert back_url("//evil.example/app/") == "/app/"


def test_a_case_changed_since_still_shows_in_the_list_with_its_new_deadline(web: Harness) -> None:
    case = web.submit(**ON_TIME, embargoed=True, recommendations=[_recommendation("2027-06-01")])
    web.service.update(
        EDITOR,
        UpdateCase(
            case.case_id,
            {"recommendations": [_recommendation("2026-11-30")]},
            VersionCondition(frozenset({case.version})),
        ),
    )
    row = _row_for(web.request("GET", "/app/", caller=EDITOR).body, case.reference)
    assert "Recommendation R1 due 30 November 2026" in row and "Due soon" in row
