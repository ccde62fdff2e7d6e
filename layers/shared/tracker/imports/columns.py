"""The template's columns, from the field catalogue, and how a file's headers are matched to them.

A column is a field a person gives once per case: the case record's fields except the lists of
rows (recommendations, other identifiers, learning shared: added in the web app once the case is
in), the regional team's own answer (an ICB editor may not set it) and the ICB (the file is
imported for one ICB; a column headed ICB is read and must name it). Headers match a column's label
or its API name, in any letter case, spacing or order.
"""

import re
from dataclasses import dataclass

from tracker.models.case import CaseFields
from tracker.models.fields import CLIENT_FIELD_SPECS, FieldSpec, Kind, client_field

ICB_COLUMN = client_field("icbCode")
"""Not in the template (the ICB is the one imported for); read when present, to be checked."""

OUTCOME_HEADER = "Import outcome"
REFERENCE_HEADER = "Case reference"
PROBLEMS_HEADER = "Problems"
REPORT_HEADERS = (OUTCOME_HEADER, REFERENCE_HEADER, PROBLEMS_HEADER)
"""The columns a report adds after the file's own: a report read back in is an input like any other
(its outcome and problems are ignored; a row with a reference was created and is not sent again)."""

_REQUIRED = frozenset(info.alias for info in CaseFields.model_fields.values() if info.is_required())


@dataclass(frozen=True)
class Column:
    spec: FieldSpec

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def kind(self) -> Kind:
        return self.spec.kind

    @property
    def required(self) -> bool:
        return self.spec.name in _REQUIRED


def _importable(spec: FieldSpec) -> bool:
    return spec.kind is not Kind.ROWS and not spec.regional_only and spec is not ICB_COLUMN


COLUMNS: tuple[Column, ...] = tuple(Column(spec) for spec in CLIENT_FIELD_SPECS if _importable(spec))
"""The template's columns, in the case form's order."""


def header_key(text: str) -> str:
    """A header as it is compared: letter case, spacing and surrounding punctuation do not count."""
    return re.sub(r"[\s_]+", " ", text).strip().strip(":*").strip().casefold()


_BY_HEADER: dict[str, Column] = {}
for _column in (*COLUMNS, Column(ICB_COLUMN)):
    _BY_HEADER[header_key(_column.label)] = _column
    _BY_HEADER[header_key(_column.name)] = _column
_REPORT_KEYS = {header_key(header): header for header in REPORT_HEADERS}


@dataclass(frozen=True)
class HeaderMatch:
    columns: dict[int, Column]
    """The position of each recognised column in the file."""
    report_columns: dict[str, int]
    """A report's own columns (``REPORT_HEADERS``) by header, when the file is a report read back."""
    unknown: tuple[str, ...]
    """Headers the tracker does not know, as written: reported, never ignored silently."""
    repeated: tuple[str, ...]
    """Columns headed twice: which one holds the value would be a guess."""


def match_headers(headers: list[str]) -> HeaderMatch:
    columns: dict[int, Column] = {}
    report_columns: dict[str, int] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for position, header in enumerate(headers):
        key = header_key(header)
        if not key:
            continue
        if key in _REPORT_KEYS:
            report_columns[_REPORT_KEYS[key]] = position
            continue
        column = _BY_HEADER.get(key)
        if column is None:
            unknown.append(header.strip())
        elif column in columns.values():
            repeated.append(column.label)
        else:
            columns[position] = column
    return HeaderMatch(columns, report_columns, tuple(unknown), tuple(repeated))
