"""A table's rows as case documents: headers, values of each kind, dates and the row's problems."""

from datetime import date, datetime

import pytest

from tracker.imports.columns import COLUMNS, REPORT_HEADERS, match_headers
from tracker.imports.reading import Cell, Table, read_table
from tracker.imports.rows import DATE_WORDS, ImportRow, idempotency_key, read_date, read_rows


def _rows(headers: list[str], *rows: list[Cell], icb: str = "QE1") -> list[ImportRow]:
    table = Table(headers, [(number, list(cells)) for number, cells in enumerate(rows, start=2)], "csv")
    return read_rows(table, icb).rows


def test_headers_match_by_label_or_api_name_in_any_order_and_case() -> None:
    matched = match_headers(["  INCIDENT DATE ", "reviewtype", "stage", "Themes:", "designated_professional"])
    assert [column.name for column in matched.columns.values()] == [
        "incidentDate",
        "reviewType",
        "stage",
        "themes",
        "designatedProfessional",
    ]
    assert matched.unknown == ()


def test_unknown_and_repeated_columns_are_reported_not_ignored() -> None:
    table = read_table(b"Review type,Victim initials,reviewType\nSAR,AB,SAR\n")
    imported = read_rows(table, "QE1")
    assert imported.headers.unknown == ("Victim initials",)
    problems = imported.file_problems
    assert any("'Victim initials' is not one the tracker knows" in problem for problem in problems)
    assert any("'Review type' appears more than once" in problem for problem in problems)


def test_a_row_becomes_the_document_the_api_takes() -> None:
    [row] = _rows(
        [
            "Review type",
            "Status",
            "Stage",
            "Designated professional",
            "Themes",
            "Incident date",
            "Date the decision to review was made",
            "Providers involved",
            "Embargoed",
            "Local reference",
        ],
        [
            "Child safeguarding practice review (CSPR)",
            "open",
            "In progress",
            "ICB safeguarding lead",
            "Neglect; self neglect",
            "15/03/2026",
            datetime(2026, 4, 2),
            "rxl, rxn",
            "No",
            1234.0,
        ],
    )
    assert row.problems == []
    assert row.document == {
        "icbCode": "QE1",
        "reviewType": "CSPR",
        "status": "OPEN",
        "stage": "IN_PROGRESS",
        "designatedProfessional": "ICB_SAFEGUARDING_LEAD",
        "themes": ["NEGLECT", "SELF_NEGLECT"],
        "incidentDate": "2026-03-15",
        "dateAdded": "2026-04-02",
        "providersInvolved": ["RXL", "RXN"],
        "embargoed": False,
        "localReference": "1234",
    }


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("15/03/2026", date(2026, 3, 15)),
        ("5/3/2026", date(2026, 3, 5)),
        ("5 March 2026", date(2026, 3, 5)),
        ("5 Mar 2026", date(2026, 3, 5)),
        ("2026-03-05", date(2026, 3, 5)),
        (datetime(2026, 3, 5, 0, 0), date(2026, 3, 5)),
        (date(2026, 3, 5), date(2026, 3, 5)),
    ],
)
def test_dates_are_read_day_first_in_words_or_as_date_cells(written: object, meant: date) -> None:
    assert read_date(written) == meant  # type: ignore[arg-type]


def test_a_date_that_is_not_one_names_its_column_in_the_web_apps_words() -> None:
    [row] = _rows(
        ["Incident date", "Publication date", "Report signed off"], ["31/02/2026", "March 2026", 45000]
    )
    assert [problem.message for problem in row.problems] == [
        "Incident date must be a real date",
        f"Publication date {DATE_WORDS}",
        f"Report signed off {DATE_WORDS}",
    ]
    assert [problem.column for problem in row.problems] == [
        "Incident date",
        "Publication date",
        "Report signed off",
    ]


def test_a_value_not_in_the_list_and_a_formula_error_are_problems_of_their_column() -> None:
    [row] = _rows(["Stage", "Local reference", "Embargoed"], ["Nearly done", "#REF!", "maybe"])
    assert [problem.message for problem in row.problems] == [
        "Select one of the choices offered for the stage",
        "Local reference holds a formula error (#REF!): correct the formula",
        "Embargoed must be Yes or No",
    ]


def test_an_icb_column_must_name_the_icb_imported_for() -> None:
    rows = _rows(["ICB", "Review type"], ["qe1", "SAR"], ["QHM", "SAR"])
    assert rows[0].problems == [] and rows[0].document["icbCode"] == "QE1"
    assert [problem.message for problem in rows[1].problems] == [
        "ICB must be QE1, the ICB this file is imported for"
    ]


def test_the_idempotency_key_follows_the_icb_and_the_case_not_how_the_file_wrote_it() -> None:
    [first] = _rows(["Review type", "Incident date"], ["SAR", "15/03/2026"])
    [same] = _rows(["incidentDate", "REVIEW TYPE"], ["15 March 2026", "Safeguarding adult review (SAR)"])
    [fixed] = _rows(["Review type", "Incident date"], ["SAR", "16/03/2026"])
    assert idempotency_key("QE1", first.document) == idempotency_key("QE1", same.document)
    assert idempotency_key("QE1", first.document) != idempotency_key("QE1", fixed.document)
    assert idempotency_key("QE1", first.document) != idempotency_key("QHM", first.document)
    assert len(idempotency_key("QE1", first.document)) <= 128  # the API's limit


def test_a_report_read_back_in_skips_its_summary_and_keeps_created_references() -> None:
    headers = ["Review type", *REPORT_HEADERS]
    imported = read_rows(
        Table(
            headers,
            [
                (2, ["SAR", "Created", "QE1-2026-0075", None]),
                (3, ["SAR", "Not imported", None, "Stage ..."]),
                (4, [None, "Imported: 2 rows", None, None]),
            ],
            "csv",
        ),
        "QE1",
    )
    assert imported.headers.unknown == ()
    assert [(row.number, row.reference) for row in imported.rows] == [(2, "QE1-2026-0075"), (3, None)]


def test_every_column_of_the_template_is_a_field_a_client_may_submit() -> None:
    from tracker.models.case import CaseFields

    wire_names = {info.alias for info in CaseFields.model_fields.values()}
    assert {column.name for column in COLUMNS} <= wire_names
    assert "regionalChiefNurseContentToAcceptDhrHealthRecs" not in {column.name for column in COLUMNS}
