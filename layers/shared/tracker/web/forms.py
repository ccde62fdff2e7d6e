"""The case form, drawn from the field catalogue (``tracker.models.fields``: each field's section,
input, choices and hint): the fields a caller may set, form values ↔ case documents, and errors.

Form fields carry the API's camelCase names (``stage``, ``publicationDate``), rows of a list carry
their place (``recommendations[0].dueDate``), and a date is the design system's three boxes
(``publicationDate[day]``, ``[month]``, ``[year]``). Validation is the domain's: the form only turns
boxes into the API's JSON values, and the domain's ``FieldError`` pointers are placed back beside
the boxes they name.
"""

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel

from tracker.errors import FieldError
from tracker.logic.numbers import whole_number
from tracker.models.case import CaseFields
from tracker.models.fields import CLIENT_FIELD_SPECS, FieldSpec, Kind
from tracker.models.fields import SECTIONS as CATALOGUE_SECTIONS
from tracker.web.labels import field_label, options
from tracker.web.messages import REAL_DATE, field_kind, field_message, missing_date_parts

if TYPE_CHECKING:
    pass

FormData = Mapping[str, list[str]]

VERSION_FIELD = "version"
"""The hidden field holding the version a form was read at (a stale save writes nothing)."""
DATE_PARTS = ("day", "month", "year")
BLANK_ROWS = 1  # one empty row to add an item, without JavaScript


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    optional: bool = False  # the record takes it empty: its label says "(optional)"

    @property
    def label(self) -> str:
        return field_label(self.name)


@dataclass(frozen=True)
class Rows:
    """A list of objects (recommendations, other identifiers, learning shared), one row each."""

    name: str
    parts: tuple[Field, ...]
    item_label: str = "item"  # one row, as a heading says it: "Add a recommendation"
    removable: bool = True
    id_part: str | None = None  # filled in ("R3") when a new row leaves it empty

    @property
    def label(self) -> str:
        return field_label(self.name)

    @property
    def max_rows(self) -> int:
        """As many rows as the case record accepts items in this list."""
        return list_limit(self.name)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[Field | Rows, ...]


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", r"_\1", name).lower()


def _form_item(spec: FieldSpec) -> Field | Rows:
    """A field of the form as the catalogue describes it: its input, its choices and hint."""
    if spec.kind is Kind.ROWS:
        required = _required(_row_model(spec.name))
        return Rows(
            spec.name,
            # The id a new row leaves empty is filled in: optional to the person, not to the record.
            tuple(
                _form_field(part, part.name not in required or part.name == spec.id_part)
                for part in spec.parts
            ),
            spec.item_label,
            id_part=spec.id_part,
        )
    return _form_field(spec, spec.name not in _required(CaseFields))


def _form_field(spec: FieldSpec, optional: bool) -> Field:
    return Field(
        spec.name, spec.kind, tuple(options(spec.choices)) if spec.choices else (), spec.hint, optional
    )


def _required(model: type[BaseModel]) -> frozenset[str]:
    """The fields ``model`` cannot take empty, by their names on the wire."""
    return frozenset(info.alias or name for name, info in model.model_fields.items() if info.is_required())


def _row_model(name: str) -> type[BaseModel]:
    """The model of one row of the list ``name`` (a recommendation, a learning event)."""
    pending = [CaseFields.model_fields[_snake(name)].annotation]
    while pending:
        current = pending.pop(0)
        if isinstance(current, type) and issubclass(current, BaseModel):
            return current
        pending.extend(get_args(current))
    raise LookupError(f"The case record has no rows in {name}.")


SECTIONS: tuple[Section, ...] = tuple(
    Section(
        section.key,
        section.title,
        tuple(_form_item(spec) for spec in CLIENT_FIELD_SPECS if spec.section == section),
    )
    for section in CATALOGUE_SECTIONS
)
"""The case form, section by section, in the catalogue's order."""


@cache
def list_limit(name: str) -> int:
    """How many items the case record accepts in the list ``name``: the model's own ``max_length``
    (the outermost one: a list of codes may limit each code's length too)."""
    pending = [CaseFields.model_fields[_snake(name)].annotation]
    while pending:
        current = pending.pop(0)
        for field_info in getattr(current, "__metadata__", ()):  # Annotated[list[...], Field(...)]
            for constraint in getattr(field_info, "metadata", ()):
                limit = getattr(constraint, "max_length", None)
                if isinstance(limit, int):
                    return limit
        pending.extend(get_args(current))
    raise LookupError(f"The case record sets no limit on {name}.")


def sections_for(fields: frozenset[str], only: str = "") -> list[Section]:
    """The sections offering ``fields`` (what the access policy lets the caller set), in the form's
    order, or just the one named by ``only``, to edit a section at a time."""
    chosen: list[Section] = []
    for section in SECTIONS:
        if only and section.key != only and any(s.key == only for s in SECTIONS):
            continue
        items = tuple(item for item in section.fields if item.name in fields)
        if items:
            chosen.append(Section(section.key, section.title, items))
    return chosen


# --- element ids and names ------------------------------------------------------------------------


def element_id(path: str) -> str:
    """An HTML id for a field path: recommendations[0].dueDate → recommendations-0-dueDate."""
    return re.sub(r"[\[\].]+", "-", path).strip("-")


def row_name(rows: str, index: int, part: str) -> str:
    return f"{rows}[{index}].{part}"


def date_part(name: str, part: str) -> str:
    """A date box's name, as the design system's date input writes it: publicationDate[day]."""
    return f"{name}[{part}]"


# --- case → form values ---------------------------------------------------------------------------


def _put(values: dict[str, list[str]], name: str, spec: Field, value: Any) -> None:
    if value is None:
        return
    if spec.kind is Kind.DATE:
        year, month, day = str(value).split("-")
        values[date_part(name, "day")] = [str(int(day))]
        values[date_part(name, "month")] = [str(int(month))]
        values[date_part(name, "year")] = [year]
    elif spec.kind is Kind.CHECKBOXES:
        values[name] = [str(item) for item in value]
    elif spec.kind is Kind.PROVIDER_CODES:
        values[name] = ["\n".join(str(item) for item in value)]
    elif spec.kind is Kind.YES_NO:
        values[name] = ["yes" if value else "no"]
    else:
        values[name] = [str(value)]


def form_values(document: Mapping[str, Any], sections: list[Section]) -> dict[str, list[str]]:
    """The form's values for a case document (JSON types, camelCase)."""
    values: dict[str, list[str]] = {}
    for section in sections:
        for item in section.fields:
            if isinstance(item, Rows):
                rows = document.get(item.name) or []
                values[row_count_name(item)] = [str(len(rows) + BLANK_ROWS)]
                for index, row in enumerate(rows):
                    for part in item.parts:
                        _put(values, row_name(item.name, index, part.name), part, row.get(part.name))
            else:
                _put(values, item.name, item, document.get(item.name))
    return values


# --- form values → case document ------------------------------------------------------------------


def split_codes(text: str) -> list[str]:
    """ODS codes as typed into one box: one a line (spaces, commas or semicolons also part them),
    in capitals as ODS writes them. Whether each is known is the domain's answer."""
    return [code.upper() for code in re.split(r"[\s,;]+", text) if code]


@dataclass(frozen=True)
class BoxError(FieldError):
    """A problem the form found in one box of a date: the error summary links to that box (the
    month, when the month is wrong), not always the day."""

    box: str = "day"


@dataclass
class ParsedForm:
    document: dict[str, Any] = field(default_factory=dict)  # every field the form shows (None: empty)
    errors: list[FieldError] = field(default_factory=list)  # what the form itself could not read
    # The form's own hidden fields not as it wrote them (a forged form): nothing can be drawn again.
    unreadable: list[FieldError] = field(default_factory=list)
    row_positions: dict[str, list[int]] = field(default_factory=dict)  # list index → form row


def _first(form: FormData, name: str) -> str:
    values = form.get(name) or [""]
    return values[-1].strip()


def _read(form: FormData, name: str, spec: Field, errors: list[FieldError]) -> Any:
    if spec.kind is Kind.DATE:
        return read_date_boxes(form, name, errors)
    if spec.kind is Kind.CHECKBOXES:
        chosen = [value for value in form.get(name, []) if value.strip()]
        return chosen or None
    if spec.kind is Kind.PROVIDER_CODES:
        return split_codes(_first(form, name)) or None
    if spec.kind is Kind.PROVIDER_CODE:
        return _first(form, name).upper() or None
    if spec.kind is Kind.YES_NO:
        return {"yes": True, "no": False}.get(_first(form, name))
    # Free text keeps its lines; other values are single words.
    raw = (form.get(name) or [""])[-1]
    text = raw.strip()
    return text or None


def read_date_boxes(form: FormData, name: str, errors: list[FieldError]) -> str | None:
    """A date from its three boxes as the API writes it (YYYY-MM-DD), or None with the problem named
    against the box at fault: an empty box, then a box that is not a number, then a year that is
    not 4 digits, a month outside 1 to 12, a day the month does not have."""
    typed = {part: _first(form, date_part(name, part)) for part in DATE_PARTS}
    if not any(typed.values()):
        return None
    missing = [part for part in DATE_PARTS if not typed[part]]
    if missing:
        errors.append(BoxError(name, missing_date_parts(missing), box=missing[0]))
        return None
    numbers = {part: whole_number(typed[part]) for part in DATE_PARTS}
    day, month, year = numbers["day"], numbers["month"], numbers["year"]
    wrong = next((part for part in DATE_PARTS if numbers[part] is None), None)
    if wrong is None and (len(typed["year"]) != 4 or not year):
        wrong = "year"
    if wrong is None and month is not None and not 1 <= month <= 12:
        wrong = "month"
    if (
        wrong is None
        and year is not None
        and month is not None
        and day is not None
        and not 1 <= day <= calendar.monthrange(year, month)[1]
    ):
        wrong = "day"
    if wrong is not None or day is None or month is None or year is None:
        errors.append(BoxError(name, REAL_DATE, box=wrong or "day"))
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_form(form: FormData, sections: list[Section]) -> ParsedForm:
    parsed = ParsedForm()
    for section in sections:
        for item in section.fields:
            if isinstance(item, Rows):
                _parse_rows(form, item, parsed)
            else:
                parsed.document[item.name] = _read(form, item.name, item, parsed.errors)
    return parsed


def row_count_name(rows: Rows) -> str:
    return f"{rows.name}-count"


def row_count(form: FormData, rows: Rows) -> int | None:
    """How many rows of a list the form holds (0 when it does not say), never more than the record
    accepts and the blank row to add another: a larger count is cut to that, so no form reads or
    draws more. None when the count is not a whole number."""
    raw = _first(form, row_count_name(rows))
    count = whole_number(raw) if raw else 0
    return None if count is None else min(count, rows.max_rows + BLANK_ROWS)


def rows_to_draw(form: FormData, rows: Rows) -> int:
    """The rows to draw: those the form holds, or the blank row alone."""
    return row_count(form, rows) or BLANK_ROWS


def _parse_rows(form: FormData, rows: Rows, parsed: ParsedForm) -> None:
    kept: list[dict[str, Any]] = []
    positions: list[int] = []
    count = row_count(form, rows)
    if count is None:
        # Not read as no rows: saved, that would remove every item of the list.
        parsed.unreadable.append(FieldError(rows.name, "row count must be a whole number"))
        return
    for index in range(count):
        if rows.removable and _first(form, row_name(rows.name, index, "remove")) == "yes":
            continue
        errors: list[FieldError] = []
        row: dict[str, Any] = {}
        for part in rows.parts:
            value = _read(form, row_name(rows.name, index, part.name), part, errors)
            if value is not None:
                row[part.name] = value
        if not row and not errors:
            continue  # an empty row: nothing added
        kept.append(row)
        positions.append(index)
        parsed.errors.extend(errors)
    if rows.id_part:
        taken = {str(row.get(rows.id_part)) for row in kept if row.get(rows.id_part)}
        number = 1
        for row in kept:
            if not row.get(rows.id_part):
                while f"R{number}" in taken:
                    number += 1
                row[rows.id_part] = f"R{number}"
                taken.add(f"R{number}")
    parsed.document[rows.name] = kept or None
    parsed.row_positions[rows.name] = positions


# --- errors beside their fields -------------------------------------------------------------------

_ROW_PATH = re.compile(r"^([A-Za-z]+)\[(\d+)\](.*)$")


@dataclass
class FormErrors:
    by_element: dict[str, str] = field(default_factory=dict)  # element id → message
    summary: list[dict[str, str]] = field(default_factory=list)  # the error summary's list

    def __bool__(self) -> bool:
        return bool(self.summary)


def _date_like(sections: list[Section], path: str) -> bool:
    last = path.rsplit(".", 1)[-1]
    for section in sections:
        for item in section.fields:
            parts = item.parts if isinstance(item, Rows) else (item,)
            if any(part.name == last and part.kind is Kind.DATE for part in parts):
                return True
    return False


def _codes_fields(sections: list[Section]) -> set[str]:
    return {
        item.name
        for section in sections
        for item in section.fields
        if isinstance(item, Field) and item.kind is Kind.PROVIDER_CODES
    }


def quoted(value: Any, limit: int = 40) -> str:
    """What was typed, shortened, to say which line of a box an error is about."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _later_date_than_a_wrong_one(error: FieldError, wrong: set[str]) -> bool:
    """An ordering problem ("must not be before incidentDate") whose earlier date is itself wrong:
    the one wrong date is reported once, not again against every date after it."""
    before = re.match(r"^must not be before ([A-Za-z]+)$", error.detail)
    return before is not None and before.group(1) in wrong


def place_errors(
    errors: list[FieldError],
    sections: list[Section],
    row_positions: Mapping[str, list[int]] | None = None,
    document: Mapping[str, Any] | None = None,
) -> FormErrors:
    """Each domain error beside the box it names (rows mapped back to the form's own rows), in the
    words of ``tracker.web.messages``; every problem of a field is in the summary, the first beside
    the box.

    A box holding several codes gets one message per bad code, naming it (from ``document``, the
    values the form read), since the box itself cannot point at a line."""
    placed = FormErrors()
    row_items = {item.name: item for section in sections for item in section.fields if isinstance(item, Rows)}
    codes_fields = _codes_fields(sections)
    wrong = {error.field for error in errors if not error.detail.startswith("must not be before ")}
    for error in errors:
        if _later_date_than_a_wrong_one(error, wrong):
            continue
        path = error.field
        match = _ROW_PATH.match(path)
        if match and match.group(1) not in row_items:
            match = None
        subject = field_label(path)
        if match:
            rows, index, rest = match.group(1), int(match.group(2)), match.group(3)
            form_rows = (row_positions or {}).get(rows)
            form_index = index if isinstance(error, BoxError) else _form_row(form_rows, index)
            path = f"{rows}[{form_index}]{rest}"
            part = rest.lstrip(".").split(".")[0].split("[")[0]
            item = f"{row_items[rows].item_label} {form_index + 1}"
            subject = f"{field_label(part)} of {item}" if part else item[:1].upper() + item[1:]
        elif "[" in path:
            name = path.split("[", 1)[0]
            subject = field_label(name)
            position = re.match(r"^[A-Za-z]+\[(\d+)\]$", path)
            listed = (document or {}).get(name)
            if name in codes_fields and position and isinstance(listed, list):
                index = int(position.group(1))
                if index < len(listed):
                    subject = f"{subject} ({quoted(listed[index])})"
        elif not path:
            subject = "The case"
        element = element_id(path.split("[", 1)[0] if not match and "[" in path else path)
        if isinstance(error, BoxError):
            anchor = f"{element}-{error.box}"
        else:
            anchor = f"{element}-day" if _date_like(sections, path) else element
        message = field_message(subject, error.detail, field_kind(error.field))
        # Every problem of a box beside it, not only the first.
        shown = placed.by_element.get(element)
        placed.by_element[element] = f"{shown}. {message}" if shown else message
        placed.summary.append({"text": message, "href": f"#{anchor}" if element else "#main-form"})
    return placed


def _form_row(form_rows: list[int] | None, index: int) -> int:
    """The form's row for the ``index``-th item the form read (removed and empty rows skipped)."""
    return form_rows[index] if form_rows and index < len(form_rows) else index
