"""The case form: which fields each kind of editor sees, form values ↔ case documents, and errors.

Form fields carry the API's camelCase names (``stage``, ``publicationDate``), rows of a list carry
their place (``recommendations[0].dueDate``), and a date is the design system's three boxes
(``publicationDate[day]``, ``[month]``, ``[year]``). Validation is the domain's: the form only turns
boxes into the API's JSON values, and the domain's ``FieldError`` pointers are placed back beside
the boxes they name.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, get_args

from tracker.errors import FieldError
from tracker.logic.numbers import whole_number
from tracker.models.case import CLIENT_FIELDS, CaseFields
from tracker.models.enums import (
    AssuranceAnswer,
    CaseStatus,
    DesignatedProfessional,
    DisseminationMethod,
    IdentifierType,
    RecommendationStatus,
    ReviewType,
    Stage,
    Theme,
)
from tracker.web.labels import field_label, options, readable_detail

FormData = Mapping[str, list[str]]

TEXT, TEXTAREA, SELECT, RADIOS, CHECKBOXES, DATE, YES_NO, CODES, CODE = (
    "text",
    "textarea",
    "select",
    "radios",
    "checkboxes",
    "date",
    "yes_no",
    "codes",  # several ODS codes in one box, one a line (providersInvolved)
    "code",  # one ODS code (a recommendation's ownerProviderCode)
)
VERSION_FIELD = "version"
"""The hidden field holding the version a form was read at (a stale save writes nothing)."""
DATE_PARTS = ("day", "month", "year")
BLANK_ROWS = 1  # one empty row to add an item, without JavaScript


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""

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


def _enum(name: str, values: Any, kind: str = SELECT, hint: str = "") -> Field:
    return Field(name, kind, tuple(options(values)), hint)


ANSWER_OPTIONS = tuple(options(AssuranceAnswer))

SECTIONS: tuple[Section, ...] = (
    Section(
        "review",
        "The review",
        (
            _enum("reviewType", ReviewType),
            Field("reviewTypeOther", TEXT, hint="Only when the review type is Other."),
            _enum("status", CaseStatus, RADIOS),
            _enum("stage", Stage),
            _enum("designatedProfessional", DesignatedProfessional),
            Field("safeguardingPartnership", TEXT),
            _enum("themes", Theme, CHECKBOXES, "Choose 1 to 3."),
        ),
    ),
    Section(
        "dates",
        "Dates",
        (
            Field("incidentDate", DATE, hint="For example, 15 3 2026"),
            Field("dateAdded", DATE, hint="For example, 15 3 2026"),
            Field("reportSignedOffDate", DATE),
            Field("publicationDate", DATE),
            Field("convertedDate", DATE, hint="When a rapid review became a full review."),
        ),
    ),
    Section(
        "identifiers",
        "References",
        (
            Field("steisNumber", TEXT),
            Field("localReference", TEXT),
            Field("convertedFromCaseId", TEXT, hint="The case id of the rapid review this review came from."),
            Rows(
                "otherIdentifiers",
                (_enum("type", IdentifierType), Field("value", TEXT)),
                item_label="identifier",
            ),
        ),
    ),
    Section(
        "providers",
        "Providers involved",
        (
            Field(
                "providersInvolved",
                CODES,
                hint=(
                    "The ODS codes of the NHS providers (trusts) the review names, one on each line, "
                    "for example RXL. Up to 20. Each provider named can read this case, "
                    "but not its restricted information."
                ),
            ),
        ),
    ),
    Section(
        "report",
        "Report and learning",
        (
            Field("reportUrl", TEXT, hint="An https:// address."),
            Field("embargoed", YES_NO),
            Field("lessonsLearnt", TEXTAREA),
            Field("goodPractice", TEXTAREA),
            Rows(
                "learningDissemination",
                (_enum("method", DisseminationMethod), Field("date", DATE)),
                item_label="learning event",
            ),
        ),
    ),
    Section(
        "restricted",
        "Restricted information",
        (
            Field("caseInformation", TEXTAREA, hint="Never shown in reports. No NHS numbers or postcodes."),
            Field("comments", TEXTAREA, hint="Never shown in reports. No NHS numbers or postcodes."),
        ),
    ),
    Section(
        "recommendations",
        "Recommendations",
        (
            Rows(
                "recommendations",
                (
                    Field(
                        "recommendationId", TEXT, hint="Left empty, the next free id (R1, R2, ...) is used."
                    ),
                    _enum("theme", Theme),
                    Field("text", TEXTAREA),
                    Field("owner", TEXT),
                    Field(
                        "ownerProviderCode",
                        CODE,
                        hint="Optional: the ODS code of one of the providers involved, for example RXL.",
                    ),
                    Field("dueDate", DATE),
                    _enum("status", RecommendationStatus),
                    Field("evidence", TEXTAREA),
                ),
                item_label="recommendation",
                id_part="recommendationId",
            ),
        ),
    ),
    Section(
        "dhr",
        "Domestic homicide review questions",
        (
            Field("icbChiefNurseAssuredDhrHealthRecs", RADIOS, ANSWER_OPTIONS),
            Field("regionalChiefNurseContentToAcceptDhrHealthRecs", RADIOS, ANSWER_OPTIONS),
        ),
    ),
)


def _known(item: Field | Rows) -> bool:
    """Fields the record has (another change may add or remove one, like providersInvolved)."""
    return item.name in CLIENT_FIELDS


def _row_part_known(rows: Rows, part: Field) -> bool:
    annotation = CaseFields.model_fields[_snake(rows.name)].annotation
    model = _row_model(annotation)
    return model is None or part.name in {f.alias or n for n, f in model.model_fields.items()}


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", r"_\1", name).lower()


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


def _row_model(annotation: Any) -> Any:
    from pydantic import BaseModel

    stack = [annotation]
    while stack:
        current = stack.pop()
        if isinstance(current, type) and issubclass(current, BaseModel):
            return current
        stack.extend(get_args(current))
    return None


def sections_for(fields: frozenset[str], only: str = "") -> list[Section]:
    """The sections offering ``fields`` (what the access policy lets the caller set), in the form's
    order, or just the one named by ``only``, to edit a section at a time."""
    chosen: list[Section] = []
    for section in SECTIONS:
        if only and section.key != only and any(s.key == only for s in SECTIONS):
            continue
        items: list[Field | Rows] = []
        for item in section.fields:
            if not _known(item) or item.name not in fields:
                continue
            if isinstance(item, Rows):
                item = Rows(
                    item.name,
                    tuple(part for part in item.parts if _row_part_known(item, part)),
                    item.item_label,
                    item.removable,
                    item.id_part,
                )
            items.append(item)
        if items:
            chosen.append(Section(section.key, section.title, tuple(items)))
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
    if spec.kind == DATE:
        year, month, day = str(value).split("-")
        values[date_part(name, "day")] = [str(int(day))]
        values[date_part(name, "month")] = [str(int(month))]
        values[date_part(name, "year")] = [year]
    elif spec.kind == CHECKBOXES:
        values[name] = [str(item) for item in value]
    elif spec.kind == CODES:
        values[name] = ["\n".join(str(item) for item in value)]
    elif spec.kind == YES_NO:
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
    if spec.kind == DATE:
        parts = [_first(form, date_part(name, part)) for part in DATE_PARTS]
        if not any(parts):
            return None
        day, month, year = (whole_number(part) for part in parts)
        if day is None or month is None or year is None or len(parts[2]) != 4:
            errors.append(FieldError(name, "must be a real date"))
            return None
        return f"{year}-{month:02d}-{day:02d}"
    if spec.kind == CHECKBOXES:
        chosen = [value for value in form.get(name, []) if value.strip()]
        return chosen or None
    if spec.kind == CODES:
        return split_codes(_first(form, name)) or None
    if spec.kind == CODE:
        return _first(form, name).upper() or None
    if spec.kind == YES_NO:
        return {"yes": True, "no": False}.get(_first(form, name))
    # Free text keeps its lines; other values are single words.
    raw = (form.get(name) or [""])[-1]
    text = raw.strip()
    return text or None


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
            if any(part.name == last and part.kind == DATE for part in parts):
                return True
    return False


def _codes_fields(sections: list[Section]) -> set[str]:
    return {
        item.name
        for section in sections
        for item in section.fields
        if isinstance(item, Field) and item.kind == CODES
    }


def quoted(value: Any, limit: int = 40) -> str:
    """What was typed, shortened, to say which line of a box an error is about."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def place_errors(
    errors: list[FieldError],
    sections: list[Section],
    row_positions: Mapping[str, list[int]] | None = None,
    document: Mapping[str, Any] | None = None,
) -> FormErrors:
    """Each domain error beside the box it names (rows mapped back to the form's own rows).

    A box holding several codes gets one message per bad code, naming it (from ``document``, the
    values the form read), since the box itself cannot point at a line."""
    placed = FormErrors()
    row_names = {item.name for section in sections for item in section.fields if isinstance(item, Rows)}
    codes_fields = _codes_fields(sections)
    for error in errors:
        path = error.field
        match = _ROW_PATH.match(path)
        if match and match.group(1) not in row_names:
            match = None
        label = field_label(path)
        if match:
            rows, index, rest = match.group(1), int(match.group(2)), match.group(3)
            form_rows = (row_positions or {}).get(rows)
            form_index = form_rows[index] if form_rows and index < len(form_rows) else index
            path = f"{rows}[{form_index}]{rest}"
            part = rest.lstrip(".").split(".")[0].split("[")[0]
            label = (
                f"{field_label(rows)} {form_index + 1}: {field_label(part).lower()}"
                if part
                else field_label(rows)
            )
        elif "[" in path:
            name = path.split("[", 1)[0]
            label = field_label(name)
            position = re.match(r"^[A-Za-z]+\[(\d+)\]$", path)
            listed = (document or {}).get(name)
            if name in codes_fields and position and isinstance(listed, list):
                index = int(position.group(1))
                if index < len(listed):
                    label = f"{label} ({quoted(listed[index])})"
        elif not path:
            label = "The case"
        element = element_id(path.split("[", 1)[0] if not match and "[" in path else path)
        anchor = f"{element}-day" if _date_like(sections, path) else element
        message = f"{label} {readable_detail(error.detail)}"
        if element not in placed.by_element:
            placed.by_element[element] = message
        placed.summary.append({"text": message, "href": f"#{anchor}" if element else "#main-form"})
    return placed
