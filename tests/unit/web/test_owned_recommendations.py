"""A provider's recommendations across every review naming its trust (issue 20 item 3): the page and
its CSV, with due dates and statuses, most overdue first, filtered by status and overdue, names
beside codes, formula-escaped, bounded per page, restricted text never shown, and nobody else's."""

import csv
import io
from html import unescape
from typing import Any

import pytest

from tests.unit.web.conftest import EDITOR, FOREIGN_EDITOR, NATIONAL, REGIONAL, Harness
from tracker.access import AccessPolicy, Caller
from tracker.models.enums import Role
from tracker.reference import reference_data
from tracker.web import recommendations as page_module

PROVIDER = Caller(Role.PROVIDER, "RXL", "provider-1")
OTHER_PROVIDER = "RXN"
RESTRICTED = "Synthetic restricted marker ZQX"


def recommendation(
    rec_id: str, due: str, status: str = "IN_PROGRESS", owner: str | None = "RXL"
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "recommendationId": rec_id,
        "theme": "NEGLECT",
        "text": f"Synthetic recommendation {rec_id}",
        "owner": "Synthetic named lead",
        "dueDate": due,
        "status": status,
    }
    if owner is not None:
        found["ownerProviderCode"] = owner
    return found


def submit(web: Harness, caller: Caller = EDITOR, **overrides: Any) -> Any:
    return web.submit(
        caller,
        providersInvolved=["RXL", OTHER_PROVIDER],
        caseInformation=RESTRICTED,
        comments=RESTRICTED,
        **overrides,
    )


def table_rows(body: str) -> list[str]:
    """The recommendation ids in the table, in the page's order."""
    start = body.index("<tbody")
    rows = body[start : body.index("</tbody>", start)].split("<tr")[1:]
    return [unescape(row.split('data-recommendation="', 1)[1].split('"', 1)[0]) for row in rows]


@pytest.fixture
def two_reviews(web: Harness) -> Harness:
    # Today is 26 November 2026 (the harness's fixed day).
    submit(
        web,
        icbCode="QE1",
        recommendations=[
            recommendation("A-LATE", "2026-10-01"),
            recommendation("A-SOON", "2026-12-10", "NOT_STARTED"),
            recommendation("A-OTHER", "2026-09-01", owner=OTHER_PROVIDER),
            recommendation("A-NOBODY", "2026-09-01", owner=None),
        ],
    )
    submit(
        web,
        FOREIGN_EDITOR,
        icbCode=FOREIGN_EDITOR.org,
        reviewType="SAR",
        designatedProfessional="DESIGNATED_PROFESSIONAL_ADULTS",
        recommendations=[
            recommendation("B-LATER", "2026-11-20"),
            recommendation("B-DONE", "2026-08-01", "COMPLETE"),
        ],
    )
    # A review not naming the trust at all: none of it is the provider's.
    web.submit(
        EDITOR,
        providersInvolved=[OTHER_PROVIDER],
        recommendations=[recommendation("C-ELSEWHERE", "2026-07-01", owner=OTHER_PROVIDER)],
    )
    return web


def test_the_provider_sees_the_recommendations_its_trust_owns_across_reviews_most_overdue_first(
    two_reviews: Harness,
) -> None:
    page = two_reviews.request("GET", "/app/recommendations", caller=PROVIDER)
    assert page.status == 200
    assert table_rows(page.body) == ["A-LATE", "B-LATER", "A-SOON", "B-DONE"]
    text = unescape(page.body)
    reference = reference_data()
    for icb in ("QE1", FOREIGN_EDITOR.org):
        found = reference.icb(icb)
        assert found is not None and found.name in text
    assert "Safeguarding adult review" in text and "1 October 2026" in text
    assert "56 days overdue" in text  # 1 October to 26 November
    assert RESTRICTED not in text
    assert "A-OTHER" not in text and "A-NOBODY" not in text and "C-ELSEWHERE" not in text


def test_filters_by_status_and_by_overdue(two_reviews: Harness) -> None:
    complete = two_reviews.request(
        "GET", "/app/recommendations", caller=PROVIDER, query={"status": "COMPLETE"}
    )
    assert table_rows(complete.body) == ["B-DONE"]
    overdue = two_reviews.request("GET", "/app/recommendations", caller=PROVIDER, query={"overdue": "true"})
    assert table_rows(overdue.body) == ["A-LATE", "B-LATER"]
    not_overdue = two_reviews.request(
        "GET", "/app/recommendations", caller=PROVIDER, query={"overdue": "false", "status": "NOT_STARTED"}
    )
    assert table_rows(not_overdue.body) == ["A-SOON"]


def test_the_csv_holds_the_same_rows_with_names_beside_codes(two_reviews: Harness) -> None:
    page = two_reviews.request("GET", "/app/recommendations.csv", caller=PROVIDER, query={"overdue": "true"})
    assert page.status == 200
    assert page.header("Content-Type").startswith("text/csv")
    assert "attachment" in page.header("Content-Disposition")
    rows = list(csv.DictReader(io.StringIO(page.body)))
    assert [row["recommendationId"] for row in rows] == ["A-LATE", "B-LATER"]
    first = rows[0]
    qe1 = reference_data().icb("QE1")
    assert qe1 is not None
    assert (first["icbCode"], first["icbName"]) == ("QE1", qe1.name)
    assert (first["reviewType"], first["reviewTypeLabel"]) == (
        "CSPR",
        "Child safeguarding practice review (CSPR)",
    )
    assert first["providerCode"] == "RXL" and "Blackpool" in first["providerName"]
    assert (first["dueDate"], first["status"], first["overdue"], first["daysOverdue"]) == (
        "2026-10-01",
        "IN_PROGRESS",
        "true",
        "56",
    )
    assert RESTRICTED not in page.body


def test_the_csv_escapes_text_a_spreadsheet_would_run_as_a_formula(web: Harness) -> None:
    formula = recommendation("F1", "2026-10-01")
    formula["text"] = '=HYPERLINK("https://example.test","Synthetic")'
    formula["owner"] = "+Synthetic lead"
    submit(web, recommendations=[formula])
    page = web.request("GET", "/app/recommendations.csv", caller=PROVIDER)
    (row,) = list(csv.DictReader(io.StringIO(page.body)))
    assert row["text"].startswith("'=HYPERLINK")
    assert row["owner"] == "'+Synthetic lead"


@pytest.mark.parametrize("caller", [EDITOR, REGIONAL, NATIONAL])
def test_only_a_provider_has_its_owned_recommendations(web: Harness, caller: Caller) -> None:
    submit(web, recommendations=[recommendation("A1", "2026-10-01")])
    for path in ("/app/recommendations", "/app/recommendations.csv"):
        page = web.request("GET", path, caller=caller)
        assert page.status == 403
        assert "Synthetic recommendation A1" not in page.body  # (a bare "A1" may be in a masked token)


def test_the_policy_answers_who_reads_a_trusts_recommendations() -> None:
    policy = AccessPolicy(reference_data())
    assert policy.may_read_owned_recommendations(PROVIDER, "RXL")
    assert not policy.may_read_owned_recommendations(PROVIDER, OTHER_PROVIDER)
    assert not policy.may_read_owned_recommendations(Caller(Role.PROVIDER, "ZZ999", "p"), "ZZ999")
    assert not policy.may_read_owned_recommendations(NATIONAL, "RXL")
    assert not policy.may_read_owned_recommendations(EDITOR, "RXL")


def test_each_page_reads_a_bounded_number_of_reviews_and_leads_to_the_next(
    web: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_module, "CASES_PER_PAGE", 2)
    for number in range(3):
        submit(web, recommendations=[recommendation(f"P{number}", "2026-10-0" + str(number + 1))])
    first = web.request("GET", "/app/recommendations", caller=PROVIDER, query={"overdue": "true"})
    assert len(table_rows(first.body)) == 2
    next_link = unescape(first.body.split('rel="next"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0])
    assert "overdue=true" in next_link and "cursor=" in next_link
    query = dict(pair.split("=", 1) for pair in next_link.split("?", 1)[1].split("&"))
    from urllib.parse import unquote

    second = web.request(
        "GET", "/app/recommendations", caller=PROVIDER, query={k: unquote(v) for k, v in query.items()}
    )
    assert len(table_rows(second.body)) == 1
    assert set(table_rows(first.body)) | set(table_rows(second.body)) == {"P0", "P1", "P2"}
