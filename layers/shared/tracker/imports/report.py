"""Each row's outcome, in words a person can act on, and the report: the file's own columns and
rows with three more (outcome, the case's reference, the problems), and a summary line, in the
file's own format. A report read back in is a file like any other (``columns.REPORT_HEADERS``)."""

import csv
import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tracker.imports.columns import OUTCOME_HEADER, PROBLEMS_HEADER, REFERENCE_HEADER, REPORT_HEADERS
from tracker.imports.reading import UTF8_BOM, Cell
from tracker.imports.rows import ImportFile, ImportRow
from tracker.models.fields import FIELD_LABELS
from tracker.models.plural import counted
from tracker.web.messages import field_kind, field_message


class Status(StrEnum):
    CREATED = "Created"
    ALREADY_IMPORTED = "Already imported"
    READY = "Ready to create"  # a dry run's answer: nothing was created
    NOT_IMPORTED = "Not imported"
    NOT_SENT = "Not sent"  # the import stopped before this row (a failure it could not retry)


@dataclass
class Outcome:
    status: Status
    reference: str | None = None
    problems: list[str] = field(default_factory=list)


def api_problems(problem: Mapping[str, Any]) -> list[str]:
    """A problem+json answer's problems in the web app's words, each naming its column."""
    found = []
    for error in problem.get("errors") or []:
        path = str(error.get("field") or "")
        detail = str(error.get("detail") or "")
        top = path.split("[", 1)[0].split(".", 1)[0]
        if not top:
            found.append(detail[:1].upper() + detail[1:] if detail else str(problem.get("detail") or ""))
            continue
        found.append(field_message(FIELD_LABELS.get(top, top), detail, field_kind(path)))
    return found or [str(problem.get("detail") or problem.get("title") or "The tracker refused this case.")]


def row_outcome_before_sending(row: ImportRow) -> Outcome | None:
    """The outcome a row has without asking the API: refused for what could not be read, or
    already imported (a report's row with its reference)."""
    if row.reference:
        return Outcome(Status.ALREADY_IMPORTED, row.reference)
    if row.problems:
        return Outcome(Status.NOT_IMPORTED, problems=[problem.message for problem in row.problems])
    return None


def outcome_summary(outcomes: list[Outcome], dry_run: bool) -> str:
    tally = Counter(outcome.status for outcome in outcomes)
    parts = [counted(tally[status], "row") + " " + status.value.lower() for status in Status if tally[status]]
    what = "Checked (nothing created)" if dry_run else "Imported"
    return f"{what}: {counted(len(outcomes), 'row')}: " + ("; ".join(parts) if parts else "none") + "."


def _report_table(
    imported: ImportFile, outcomes: Mapping[int, Outcome], summary_line: str
) -> list[list[Cell]]:
    own = imported.headers.report_columns
    keep = [position for position in range(len(imported.table.headers)) if position not in own.values()]
    width = len(imported.table.headers)
    headers: list[Cell] = [imported.table.headers[p] for p in keep]
    table: list[list[Cell]] = [headers + list(REPORT_HEADERS)]
    for row in imported.rows:
        cells = row.cells + [None] * (width - len(row.cells))
        outcome = outcomes.get(row.number) or Outcome(Status.NOT_SENT)
        added: list[Cell] = [outcome.status.value, outcome.reference, "\n".join(outcome.problems) or None]
        table.append([cells[p] for p in keep] + added)
    last: list[Cell] = [None] * len(keep)
    table.append([*last, summary_line, None, None])
    return table


def report_bytes(imported: ImportFile, outcomes: Mapping[int, Outcome], summary_line: str) -> bytes:
    """The report in the file's own format (outcomes by row number)."""
    table = _report_table(imported, outcomes, summary_line)
    if imported.table.kind == "xlsx":
        return _xlsx(table)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    for row in table:
        writer.writerow([_csv_cell(cell) for cell in row])
    return UTF8_BOM + out.getvalue().encode("utf-8")


def _csv_cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return cell.strftime("%d/%m/%Y")
    return str(cell)


def _xlsx(table: list[list[Cell]]) -> bytes:
    """Written row by row (openpyxl's write-only mode), so a report's memory does not grow with
    openpyxl's object per cell."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Cases")
    for header in (OUTCOME_HEADER, REFERENCE_HEADER, PROBLEMS_HEADER):
        letter = get_column_letter(table[0].index(header) + 1)
        sheet.column_dimensions[letter].width = 80 if header == PROBLEMS_HEADER else 20
    sheet.freeze_panes = "A2"
    bold, wrapped = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for row_number, row in enumerate(table, start=1):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text that starts with "=" stays text, never a formula
            elif isinstance(value, datetime | date):
                cell.number_format = "dd/mm/yyyy"
            if row_number == 1:
                cell.font = bold
            cells.append(cell)
        cells[-1].alignment = wrapped
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
