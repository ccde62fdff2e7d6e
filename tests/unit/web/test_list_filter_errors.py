"""Every filter of the web app's lists refuses a value it cannot read (a mistyped or stale link): 400,
an NHS.UK error summary naming the field and linking to its box, the message beside the box, and no
rows; never a list that ignores the filter and looks filtered. The worklist's first filters here
(its further ones: ``test_worklist_figure_filters``), a provider's recommendations and their CSV."""

from html import unescape

import pytest

from tests.unit.web.conftest import EDITOR, NATIONAL, REGIONAL, Harness
from tests.unit.web.test_owned_recommendations import PROVIDER, recommendation, submit, table_rows
from tests.unit.web.test_worklist import rows_of
from tests.unit.web.test_worklist_figure_filters import error_summary
from tracker.access import Caller
from tracker.web.case_list import MAX_SEARCH_LENGTH


def _refused_with_the_field_named(body: str, anchor: str, words: str) -> None:
    assert "<title>Error: " in body  # the title says it first, as the app's forms' titles do
    ((href, text),) = error_summary(body)
    assert href == anchor and words in text
    box = f'id="{anchor[1:]}"'
    assert box in body  # the link leads to the box at fault
    # The box's message is tied to it for a screen reader, as the further filters' are.
    tag = body[body.rindex("<", 0, body.index(box)) : body.index(">", body.index(box))]
    error_id = f"{anchor[1:]}-error"
    assert f'aria-describedby="{error_id}' in tag or f"{error_id}" in tag
    assert f'id="{error_id}"' in body and words in unescape(body.split(f'id="{error_id}"', 1)[1][:400])


@pytest.mark.parametrize(
    ("caller", "query", "anchor", "words"),
    [
        (EDITOR, {"reviewType": "NOT_A_TYPE"}, "#filter-reviewType", "Review type"),
        (EDITOR, {"reviewType": "sar"}, "#filter-reviewType", "Review type"),  # codes are capitals
        (EDITOR, {"status": "SHUT"}, "#filter-status", "Status"),
        (EDITOR, {"stage": "NOWHERE"}, "#filter-stage", "Stage"),
        (EDITOR, {"awaiting": "someone"}, "#filter-awaiting", "Waiting for a DHR answer"),
        (EDITOR, {"overdue": "yes"}, "#filter-overdue", "Overdue"),
        # One ICB of its own: the box is not offered until a link names another, then it is shown.
        (EDITOR, {"icbCode": "QKK"}, "#filter-icbCode", "ICB"),
        (NATIONAL, {"icbCode": "NOPE"}, "#filter-icbCode", "ICB"),
        (NATIONAL, {"regionCode": "Y00"}, "#filter-regionCode", "Region"),
        # A region not the caller's: refused, never a wider list, nor its own list as if filtered.
        (REGIONAL, {"regionCode": "Y56"}, "#filter-regionCode", "Region"),
        (EDITOR, {"q": "Q" * (MAX_SEARCH_LENGTH + 1)}, "#filter-q", "Reference or local reference"),
    ],
)
def test_a_bad_first_filter_of_the_worklist_is_an_error_summary_and_no_list(
    web: Harness, caller: Caller, query: dict[str, str], anchor: str, words: str
) -> None:
    web.submit(reviewType="SAR")
    web.submit(reviewType="DHR_CHILD")
    assert rows_of(web.request("GET", "/app/", caller=caller).body)  # there is a list to hide
    page = web.request("GET", "/app/", caller=caller, query=query)
    assert page.status == 400
    _refused_with_the_field_named(page.body, anchor, words)
    assert rows_of(page.body) == [] and "Correct the filters to see the cases." in page.body


def test_every_bad_filter_is_named_at_once_in_the_forms_order(web: Harness) -> None:
    page = web.request(
        "GET", "/app/", caller=EDITOR, query={"status": "SHUT", "theme": "NOT_A_THEME", "reviewType": "X"}
    )
    assert page.status == 400
    assert [href for href, _ in error_summary(page.body)] == [
        "#filter-reviewType",
        "#filter-status",
        "#filter-theme",
    ]


def test_good_first_filters_still_filter_and_empty_ones_mean_any(web: Harness) -> None:
    notified = web.submit(reviewType="SAR", stage="NOTIFIED")
    rapid = web.submit(reviewType="RAPID_REVIEW", stage="RAPID_REVIEW")

    def listed(**query: str) -> str:
        page = web.request("GET", "/app/", caller=EDITOR, query=query)
        assert page.status == 200 and "nhsuk-error-summary" not in page.body
        return " ".join(rows_of(page.body))

    by_stage = listed(stage="RAPID_REVIEW", status="OPEN")
    assert rapid.reference in by_stage and notified.reference not in by_stage
    assert listed(status="CLOSED") == ""
    by_icb = listed(icbCode="QE1", reviewType="SAR", overdue="true")  # its own ICB, though not offered
    assert notified.reference in by_icb and rapid.reference not in by_icb
    everything = listed(reviewType="", status="", stage="", awaiting="", overdue="", icbCode="", q=" ")
    assert notified.reference in everything and rapid.reference in everything
    region = web.request("GET", "/app/", caller=REGIONAL, query={"regionCode": REGIONAL.org})
    assert region.status == 200 and len(rows_of(region.body)) == 2


@pytest.fixture
def owned(web: Harness) -> Harness:
    submit(
        web,
        recommendations=[
            recommendation("A-LATE", "2026-10-01"),
            recommendation("A-SOON", "2026-12-10", "NOT_STARTED"),
            recommendation("A-DONE", "2026-08-01", "COMPLETE"),
        ],
    )
    return web


@pytest.mark.parametrize(
    ("query", "anchor", "words"),
    [
        ({"status": "DONE"}, "#filter-status", "Status"),
        ({"status": "complete"}, "#filter-status", "Status"),
        ({"overdue": "1"}, "#filter-overdue", "Overdue"),
        ({"dueSoon": "soon"}, "#filter-dueSoon", "Due soon"),
    ],
)
def test_a_bad_recommendations_filter_is_an_error_summary_and_no_rows(
    owned: Harness, query: dict[str, str], anchor: str, words: str
) -> None:
    page = owned.request("GET", "/app/recommendations", caller=PROVIDER, query=query)
    assert page.status == 400
    _refused_with_the_field_named(page.body, anchor, words)
    assert "<tbody" not in page.body and "Correct the filters to see the recommendations." in page.body
    assert "recommendations.csv" not in page.body  # no download of other rows than those asked for


@pytest.mark.parametrize(
    ("query", "parameter"),
    [({"status": "DONE"}, "status"), ({"overdue": "maybe"}, "overdue"), ({"dueSoon": "x"}, "dueSoon")],
)
def test_the_csv_with_a_bad_filter_is_refused_naming_it_never_every_row(
    owned: Harness, query: dict[str, str], parameter: str
) -> None:
    page = owned.request("GET", "/app/recommendations.csv", caller=PROVIDER, query=query)
    assert page.status == 400
    assert not page.header("Content-Type").startswith("text/csv")
    assert "attachment" not in page.header("Content-Disposition")
    assert "A-LATE" not in page.body and f"({parameter})" in unescape(page.body)


def test_good_recommendations_filters_still_filter_and_empty_ones_mean_any(owned: Harness) -> None:
    def rows(**query: str) -> list[str]:
        page = owned.request("GET", "/app/recommendations", caller=PROVIDER, query=query)
        assert page.status == 200 and "nhsuk-error-summary" not in page.body
        return table_rows(page.body) if "<tbody" in page.body else []

    assert rows(status="COMPLETE") == ["A-DONE"]
    assert rows(overdue="true") == ["A-LATE"]
    assert rows(dueSoon="true") == ["A-SOON"]
    assert rows(status="", overdue="", dueSoon="") == ["A-LATE", "A-SOON", "A-DONE"]
    csv = owned.request("GET", "/app/recommendations.csv", caller=PROVIDER, query={"dueSoon": "false"})
    assert csv.status == 200 and "A-SOON" not in csv.body and "A-LATE" in csv.body


def test_someone_else_with_a_bad_filter_is_still_refused_the_page(owned: Harness) -> None:
    """The page is a trust's staff's alone: that answer comes before any word on the filters."""
    for path in ("/app/recommendations", "/app/recommendations.csv"):
        page = owned.request("GET", path, caller=EDITOR, query={"status": "DONE"})
        assert page.status == 403
