"""The file to fill in: the columns headed by their labels, from the field catalogue.

The ``.xlsx`` has a Cases sheet (the headers, a drop-down list on every coded column), an
Instructions sheet (each column: what to enter, whether it is required, its allowed values) and a
hidden Lists sheet the drop-downs read. The CSV is the header row alone (UTF-8 with a byte-order
mark, so Excel opens it as UTF-8).
"""

import csv
import io
from dataclasses import dataclass
from typing import Any

from tracker.imports.columns import COLUMNS, Column
from tracker.imports.reading import CASES_SHEET, MAX_ROWS, UTF8_BOM
from tracker.models.fields import Kind
from tracker.models.wording import value_label
from tracker.web.case_links import LINKED_FIELDS

INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Lists"
DATE_ENTRY = "A date: 15/03/2026 or 15 March 2026, or a date cell."
_ENTRY_BY_KIND = {
    Kind.DATE: DATE_ENTRY,
    Kind.SELECT: "One value from the drop-down list.",
    Kind.RADIOS: "One value from the drop-down list.",
    Kind.CHECKBOXES: "Values from the drop-down list, separated by semicolons (;).",
    Kind.YES_NO: "Yes or No.",
    Kind.PROVIDER_CODES: "ODS codes of NHS providers, separated by spaces or commas, for example RXL RXN.",
    Kind.TEXTAREA: "Text. No NHS numbers or postcodes.",
    Kind.TEXT: "Text. No NHS numbers or postcodes.",
}
INTRODUCTION = (
    "One case on each row of the Cases sheet, from row 2. Keep the header row; columns may be in any "
    "order and left out when not needed. Every case is checked by the tracker's own rules before "
    f"anything is created; a file holds at most {MAX_ROWS:,} cases. Never enter patient-identifiable "
    "data (NHS numbers, postcodes, names): a row holding it is refused. Recommendations, other "
    "identifiers and learning shared are added in the web app once the case is in."
)


@dataclass(frozen=True)
class ColumnGuide:
    """One column as the instructions (and docs/importing.md) describe it."""

    label: str
    api_name: str
    required: bool
    entry: str
    allowed: tuple[str, ...]


def allowed_values(column: Column) -> tuple[str, ...]:
    choices = column.spec.choices
    return tuple(value_label(member.value) for member in choices) if choices is not None else ()


def column_guides() -> list[ColumnGuide]:
    guides = []
    for column in COLUMNS:
        entry = _ENTRY_BY_KIND.get(column.kind, "Text.")
        hint = column.spec.hint if column.kind is not Kind.DATE else ""
        if column.name in LINKED_FIELDS:
            # The API stores the linked case's id; the import page and scrt import look it up.
            entry = "The reference of the rapid review, for example QE1-2026-0075."
            hint = ""
        described = " ".join(part for part in (column.spec.description or "", hint, entry) if part)
        guides.append(
            ColumnGuide(column.label, column.name, column.required, described, allowed_values(column))
        )
    return guides


def template_csv() -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerow([column.label for column in COLUMNS])
    return UTF8_BOM + out.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    cases = workbook.active
    assert cases is not None
    cases.title = CASES_SHEET
    lists = workbook.create_sheet(LISTS_SHEET)
    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET)
    lists.sheet_state = "hidden"

    list_number = 0
    for position, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        header = cases.cell(row=1, column=position, value=column.label)
        header.font = Font(bold=True)
        cases.column_dimensions[letter].width = max(14, min(40, len(column.label) + 4))
        values = allowed_values(column)
        if not values:
            continue
        list_number += 1
        list_letter = get_column_letter(list_number)
        lists.cell(row=1, column=list_number, value=column.label)
        for offset, value in enumerate(values, start=2):
            lists.cell(row=offset, column=list_number, value=value)
        several = column.kind is Kind.CHECKBOXES
        validation = DataValidation(
            type="list",
            formula1=f"={LISTS_SHEET}!${list_letter}$2:${list_letter}${len(values) + 1}",
            allow_blank=True,
            # Several values go in one cell, separated by semicolons: offered, not enforced.
            showErrorMessage=not several,
            errorStyle="information" if several else "stop",
            errorTitle=column.label,
            error=f"Choose a {column.label.lower()} from the list.",
        )
        cases.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    cases.freeze_panes = "A2"

    _write_instructions(instructions)

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_instructions(instructions: Any) -> None:
    from openpyxl.styles import Alignment, Font

    for letter, width in zip("ABCDE", (40, 30, 12, 80, 60), strict=True):
        instructions.column_dimensions[letter].width = width
    instructions.cell(row=1, column=1, value="How to fill in the Cases sheet").font = Font(bold=True)
    instructions.cell(row=2, column=1, value=INTRODUCTION).alignment = Alignment(wrap_text=True)
    instructions.merge_cells("A2:E2")
    instructions.row_dimensions[2].height = 75
    headings = ("Column", "API name", "Required", "What to enter", "Allowed values")
    for position, heading in enumerate(headings, start=1):
        instructions.cell(row=4, column=position, value=heading).font = Font(bold=True)
    wrapped = Alignment(wrap_text=True)
    for row, guide in enumerate(column_guides(), start=5):
        instructions.cell(row=row, column=1, value=guide.label)
        instructions.cell(row=row, column=2, value=guide.api_name)
        instructions.cell(row=row, column=3, value="Yes" if guide.required else "No")
        instructions.cell(row=row, column=4, value=guide.entry).alignment = wrapped
        instructions.cell(row=row, column=5, value="; ".join(guide.allowed)).alignment = wrapped


def template_for(filename: str) -> bytes:
    """The template in the format the file name asks for (``.csv``, else ``.xlsx``)."""
    return template_csv() if filename.lower().endswith(".csv") else template_xlsx()


def columns_markdown() -> str:
    """The template's columns as docs/importing.md shows them (a test keeps the two the same)."""
    lines = [
        "| column | API name | required | what to enter | allowed values |",
        "| --- | --- | --- | --- | --- |",
    ]
    for guide in column_guides():
        cells = (
            guide.label,
            f"`{guide.api_name}`",
            "yes" if guide.required else "no",
            guide.entry,
            "; ".join(guide.allowed),
        )
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
