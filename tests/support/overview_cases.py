"""A hand-counted synthetic collection for the overview's figures and the saved Athena queries:
late, on-time, open, overdue, embargoed and converted cases across a quarter boundary (31 March and
1 April 2026) and the Christmas bank holidays. Every figure the tests expect is counted here by hand.
"""

from datetime import UTC, date, datetime
from typing import Any

from tests.support.extracts_fixtures import build_case
from tracker.models.case import Case

DAY = date(2027, 1, 20)
GENERATED_AT = datetime(2027, 1, 20, 2, 0, tzinfo=UTC)
LANCASHIRE = ("QE1", "Y62")
MANCHESTER = ("QOP", "Y62")
NORTH_CENTRAL_LONDON = ("QMJ", "Y56")
CONVERTED_FROM = "7b0c5f0e-1d1e-4c38-9a53-4f0f0f0f0f01"


def _recommendation(
    rid: str, theme: str, due: str, status: str, provider: str | None = None
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "recommendationId": rid,
        "theme": theme,
        "text": "Synthetic recommendation text",
        "owner": "Synthetic owner",
        "dueDate": due,
        "status": status,
    }
    if provider:
        row["ownerProviderCode"] = provider
    return row


def overview_cases() -> list[Case]:
    """Ten cases; the comments say how each deadline stands on ``DAY``."""
    cspr: dict[str, Any] = {"reviewType": "CSPR", "incidentDate": "2026-01-05"}
    none: list[dict[str, Any]] = []
    rapid: dict[str, Any] = {
        "reviewType": "RAPID_REVIEW",
        "incidentDate": "2026-12-10",
        "dateAdded": "2026-12-18",
    }
    return [
        # 1. Q1 2026 (31 March): due 30 September, published that day: on time.
        build_case(
            icb=LANCASHIRE,
            number=1,
            **{**cspr, "dateAdded": "2026-03-31", "publicationDate": "2026-09-30", "stage": "PUBLISHED"},
            learningDissemination=[{"method": "SEVEN_MINUTE_BRIEFING", "date": "2027-01-05"}],
            recommendations=[
                _recommendation("R1", "NEGLECT", "2026-12-01", "IN_PROGRESS", "RXX"),  # overdue
                _recommendation("R2", "DOMESTIC_ABUSE", "2026-06-01", "COMPLETE", "RXX"),
            ],
        ),
        # 2. Q2 (1 April): due 1 October, published 31 October: 30 days late.
        build_case(
            icb=LANCASHIRE,
            number=2,
            **{**cspr, "dateAdded": "2026-04-01", "publicationDate": "2026-10-31", "stage": "PUBLISHED"},
            learningDissemination=[
                {"method": "SEVEN_MINUTE_BRIEFING", "date": "2026-11-03"},
                {"method": "LOCAL_EVENT", "date": "2026-11-10"},
            ],
            recommendations=[_recommendation("R1", "NEGLECT", "2027-06-01", "NOT_STARTED")],
        ),
        # 3. Q2: due 15 October, published 25 October: 10 days late.
        build_case(
            icb=LANCASHIRE,
            number=3,
            **{**cspr, "dateAdded": "2026-04-15", "publicationDate": "2026-10-25", "stage": "PUBLISHED"},
            learningDissemination=[{"method": "SEVEN_MINUTE_BRIEFING", "date": "2026-12-31"}],
            recommendations=none,
        ),
        # 4. Q2: embargoed, not published: not counted.
        build_case(
            icb=LANCASHIRE,
            number=4,
            **{**cspr, "dateAdded": "2026-04-20"},
            embargoed=True,
            stage="EMBARGOED",
            recommendations=none,
        ),
        # 5. Q2: due 1 November, not published: overdue, 80 days on 20 January.
        build_case(
            icb=LANCASHIRE,
            number=5,
            **{**cspr, "dateAdded": "2026-05-01"},
            themes=["SELF_NEGLECT"],
            recommendations=none,
        ),
        # 6. Q2, converted from a rapid review: due 10 October, published 9 October: on time.
        build_case(
            icb=MANCHESTER,
            number=6,
            **{**cspr, "dateAdded": "2026-04-10", "publicationDate": "2026-10-09", "stage": "PUBLISHED"},
            convertedFromCaseId=CONVERTED_FROM,
            convertedDate="2026-04-10",
            recommendations=none,
        ),
        # 7. Q4: decided Friday 18 December, due Wednesday 13 January (Christmas, the Boxing Day
        # substitute and New Year's Day are not working days), completed that day: on time.
        build_case(
            icb=LANCASHIRE,
            number=7,
            **rapid,
            stage="DECISION_PENDING",
            rapidReviewCompletedDate="2027-01-13",
            recommendations=none,
        ),
        # 8. Q4: completed 14 January: 1 day late.
        build_case(
            icb=LANCASHIRE,
            number=8,
            **rapid,
            stage="DECISION_PENDING",
            rapidReviewCompletedDate="2027-01-14",
            recommendations=none,
        ),
        # 9. London, Q2: due 2 October, published 1 December: 60 days late.
        build_case(
            icb=NORTH_CENTRAL_LONDON,
            number=9,
            **{**cspr, "dateAdded": "2026-04-02", "publicationDate": "2026-12-01", "stage": "PUBLISHED"},
            recommendations=none,
        ),
        # 10. A DHR decided in Q4, due 1 May 2027: open, not counted.
        build_case(
            icb=LANCASHIRE,
            number=10,
            reviewType="DHR",
            incidentDate="2026-10-01",
            dateAdded="2026-11-01",
            recommendations=none,
        ),
    ]


def records() -> list[dict[str, Any]]:
    """The cases as the table's reader gives them (no derived deadlines)."""
    return [case.model_dump(mode="json", by_alias=True, exclude={"deadlines"}) for case in overview_cases()]
