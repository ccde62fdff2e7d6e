"""The template (from the field catalogue) round trip, and the report in the file's own format."""

import io

from openpyxl import load_workbook

from tracker.imports.columns import COLUMNS, OUTCOME_HEADER, PROBLEMS_HEADER, REFERENCE_HEADER
from tracker.imports.reading import Cell, read_table
from tracker.imports.report import Outcome, Status, api_problems, outcome_summary, report_bytes
from tracker.imports.rows import read_rows
from tracker.imports.template import (
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    column_guides,
    template_csv,
    template_xlsx,
)
from tracker.models.fields import CLIENT_FIELD_SPECS
from tracker.models.wording import value_label

FILLED = {
    "Review type": "Safeguarding adult review (SAR)",
    "Status": "Open",
    "Stage": "Notified",
    "Designated professional": "Designated professional adults",
    "Safeguarding partnership": "Synthetic Safeguarding Adults Board",
    "Themes": "Neglect; Self neglect",
    "Incident date": "10/01/2026",
    "Date the decision to review was made": "2 February 2026",
}


def test_the_xlsx_template_heads_every_column_with_its_label_and_lists_every_coded_value() -> None:
    workbook = load_workbook(io.BytesIO(template_xlsx()))
    cases = workbook["Cases"]
    assert [cell.value for cell in cases[1]] == [column.label for column in COLUMNS]
    assert workbook[LISTS_SHEET].sheet_state == "hidden"
    validated = {str(validation.sqref).split(":")[0] for validation in cases.data_validations.dataValidation}
    coded = [position for position, column in enumerate(COLUMNS, start=1) if column.spec.choices is not None]
    assert validated == {f"{cases.cell(row=2, column=position).column_letter}2" for position in coded}
    for name in ("reviewType", "stage", "status", "themes", "designatedProfessional"):
        assert name in {COLUMNS[position - 1].name for position in coded}
    lists = workbook[LISTS_SHEET]
    listed = {column[0].value: [cell.value for cell in column[1:] if cell.value] for column in lists.columns}
    for column in COLUMNS:
        if column.spec.choices is not None:
            assert listed[column.label] == [value_label(member.value) for member in column.spec.choices]


def test_the_instructions_describe_each_column_from_the_catalogue() -> None:
    workbook = load_workbook(io.BytesIO(template_xlsx()))
    rows = list(workbook[INSTRUCTIONS_SHEET].iter_rows(min_row=5, values_only=True))
    assert [row[0] for row in rows] == [column.label for column in COLUMNS]
    assert [row[1] for row in rows] == [column.name for column in COLUMNS]
    by_name = {spec.name: spec for spec in CLIENT_FIELD_SPECS}
    for row, guide in zip(rows, column_guides(), strict=True):
        assert row[3] == guide.entry
        assert (by_name[guide.api_name].description or "") in guide.entry
    required = {row[1] for row in rows if row[2] == "Yes"}
    assert {"reviewType", "status", "stage", "incidentDate", "dateAdded", "themes"} <= required
    assert "localReference" not in required


def _filled_xlsx() -> bytes:
    workbook = load_workbook(io.BytesIO(template_xlsx()))
    cases = workbook["Cases"]
    for position, column in enumerate(COLUMNS, start=1):
        cases.cell(row=2, column=position, value=FILLED.get(column.label))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _filled_csv() -> bytes:
    text = template_csv().decode("utf-8-sig").rstrip("\r\n")
    values = [FILLED.get(column.label, "") for column in COLUMNS]
    return (text + "\r\n" + ",".join(values) + "\r\n").encode("utf-8-sig")


EXPECTED = {
    "icbCode": "QE1",
    "reviewType": "SAR",
    "status": "OPEN",
    "stage": "NOTIFIED",
    "designatedProfessional": "DESIGNATED_PROFESSIONAL_ADULTS",
    "safeguardingPartnership": "Synthetic Safeguarding Adults Board",
    "themes": ["NEGLECT", "SELF_NEGLECT"],
    "incidentDate": "2026-01-10",
    "dateAdded": "2026-02-02",
}


def test_a_filled_xlsx_template_reads_back_as_the_case() -> None:
    imported = read_rows(read_table(_filled_xlsx(), "filled.xlsx"), "QE1")
    assert imported.file_problems == []
    [row] = imported.rows
    assert (row.number, row.problems, row.document) == (2, [], EXPECTED)


def test_a_filled_csv_template_reads_back_as_the_case() -> None:
    imported = read_rows(read_table(_filled_csv(), "filled.csv"), "QE1")
    assert imported.file_problems == []
    [row] = imported.rows
    assert (row.number, row.problems, row.document) == (2, [], EXPECTED)


def test_api_problems_are_worded_as_the_web_app_words_them_naming_the_column() -> None:
    problem = {
        "status": 422,
        "detail": "The case record breaks a rule.",
        "errors": [
            {"field": "dateAdded", "detail": "must not be before incidentDate"},
            {"field": "caseInformation", "detail": "must not contain an NHS number"},
            {"field": "stage", "detail": "Field required"},
            {"field": "", "detail": "Enter the publication date, or choose a stage before Published"},
        ],
    }
    assert api_problems(problem) == [
        "Date the decision to review was made must be the same as or after the incident date",
        "Case information (restricted) must not contain an NHS number",
        "Select the stage",
        "Enter the publication date, or choose a stage before Published",
    ]
    assert api_problems({"status": 403, "detail": "You may record cases only for your own ICB."}) == [
        "You may record cases only for your own ICB."
    ]


def _report_of(data: bytes, name: str) -> tuple[list[str], list[list[Cell]]]:
    imported = read_rows(read_table(data, name), "QE1")
    outcomes = {
        2: Outcome(Status.CREATED, "QE1-2026-0001"),
        3: Outcome(Status.NOT_IMPORTED, problems=["Select the stage", "Incident date must be a real date"]),
    }
    report = report_bytes(imported, outcomes, outcome_summary(list(outcomes.values()), dry_run=False))
    table = read_table(report, name)
    return table.headers, [cells for _, cells in table.rows]


def test_the_report_is_the_file_with_each_rows_outcome_and_a_summary_in_its_own_format() -> None:
    source = b'Review type,Stage\nSAR,Notified\n=HYPERLINK("x"),\n'
    for name, data in (("cases.csv", source), ("cases.xlsx", _as_xlsx(source))):
        headers, rows = _report_of(data, name)
        assert headers == ["Review type", "Stage", OUTCOME_HEADER, REFERENCE_HEADER, PROBLEMS_HEADER]
        assert rows[0][:4] == ["SAR", "Notified", "Created", "QE1-2026-0001"]
        assert rows[1][0] == '=HYPERLINK("x")'  # text stays text: never written back as a formula
        assert rows[1][2] == "Not imported"
        assert rows[1][4] == "Select the stage\nIncident date must be a real date"
        assert rows[2][2] == "Imported: 2 rows: 1 row created; 1 row not imported."


def _as_xlsx(csv_bytes: bytes) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Cases"
    for _, cells in [(0, read_table(csv_bytes).headers), *read_table(csv_bytes).rows]:
        sheet.append(cells)
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s" if isinstance(cell.value, str) else cell.data_type
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
