"""Columns of every extract, derived from the pydantic models so the extracts cannot drift from them.

Each column's type comes from the model's JSON schema; restricted free text (the model's own
``x-restricted`` classification, see ``restricted_fields``) never becomes a column, at the top
level or inside a nested object. The data dictionary (``docs/extracts.md``) is rendered from here.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel

from tracker.models.case import (
    HTTPS_URL_PATTERN,
    NO_CONTROLS_PATTERN,
    RESTRICTED,
    SERVER_OWNED_FIELDS,
    SOME_TEXT_PATTERN,
    Case,
    Deadlines,
    Recommendation,
    restricted_fields,
)

SCHEMA_VERSION = 1
"""Bumped on any incompatible change of a column's name, type or meaning; carried by every row."""


class Origin(StrEnum):
    """Where a column's value comes from."""

    EXTRACT = "extract"  # metadata the publisher adds
    CASE = "Case"  # a field of the case record
    DEADLINES = "Deadlines"  # derived from the case record
    RECOMMENDATION = "Recommendation"  # a field of one of the case's recommendations
    REFERENCE = "reference data"  # the name of a code the row holds, as the reference data gives it


class ChangeType(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    REMOVED = "REMOVED"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Glue/Athena type of the JSON value: string, date, timestamp, bigint, boolean, array<...>
    origin: Origin
    field: str  # the camelCase field of ``origin`` it holds (or the column itself for EXTRACT)
    description: str
    struct_fields: tuple[str, ...] = ()  # for array<struct<...>>: the nested fields kept
    required: bool = True  # False: may be null

    @property
    def source(self) -> str:
        if self.origin is Origin.EXTRACT:
            return "extract metadata"
        if self.origin is Origin.REFERENCE:
            return f"name of `{self.field}` in the reference data"
        return f"{self.origin.value}.{self.field}"


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return dict(defs[schema["$ref"].rsplit("/", 1)[-1]])
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if option.get("type") != "null"]
        if len(options) == 1:
            return _resolve(options[0], defs)
    return schema


TEXT_PATTERNS = frozenset({NO_CONTROLS_PATTERN, SOME_TEXT_PATTERN})


def _type_of(schema: dict[str, Any], defs: dict[str, Any]) -> tuple[str, str, tuple[str, ...]]:
    """(Glue type, note for the dictionary, struct field names) of one JSON schema property."""
    resolved = _resolve(schema, defs)
    if "enum" in resolved:
        return "string", "One of: " + ", ".join(f"`{value}`" for value in resolved["enum"]) + ".", ()
    kind = resolved.get("type")
    if kind == "array":
        inner, note, fields = _type_of(resolved["items"], defs)
        return f"array<{inner}>", note, fields
    if kind == "object":
        fields = tuple(
            name
            for name, prop in resolved["properties"].items()
            if not prop.get(RESTRICTED)  # restricted nested text is dropped like top-level text
        )
        members = ",".join(f"{name}:{_type_of(resolved['properties'][name], defs)[0]}" for name in fields)
        return f"struct<{members}>", "", fields
    if kind == "string":
        fmt = resolved.get("format")
        pattern = resolved.get("pattern")
        if pattern == HTTPS_URL_PATTERN:
            return "string", f"An https:// address, up to {resolved['maxLength']} characters.", ()
        if pattern is not None and pattern not in TEXT_PATTERNS:  # text rules are the API's, not a format
            return "string", f"Matches `{pattern}`.", ()
        if "maxLength" in resolved:
            return "string", f"Up to {resolved['maxLength']} characters.", ()
        if fmt == "date":
            return "date", "`YYYY-MM-DD`.", ()
        if fmt == "date-time":
            return "timestamp", "ISO 8601 UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`.", ()
        return "string", "", ()
    if kind == "integer":
        return "bigint", "", ()
    if kind == "boolean":
        return "boolean", "", ()
    raise ValueError(f"no extract type for JSON schema {resolved!r}")


def model_columns(
    model: type[BaseModel], origin: Origin, *, skip: frozenset[str] = frozenset()
) -> list[Column]:
    """A column per field of ``model`` (in model order), restricted fields and ``skip`` left out."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    defs = schema.get("$defs", {})
    hidden = restricted_fields(model) | skip
    fields = {field.alias or name: field for name, field in model.model_fields.items()}
    columns = []
    for name, prop in schema["properties"].items():
        if name in hidden:
            continue
        glue_type, note, struct_fields = _type_of(prop, defs)
        description = " ".join(part for part in (prop.get("description", ""), note) if part)
        field = fields[name]
        # A field with a non-null default (a flag, a list) is never null either.
        always = field.is_required() or field.default_factory is not None or field.default is not None
        columns.append(Column(name, glue_type, origin, name, description, struct_fields, always))
    return columns


def _extract(name: str, glue_type: str, description: str) -> Column:
    return Column(name, glue_type, Origin.EXTRACT, name, description, required=True)


SCHEMA_VERSION_COLUMN = _extract(
    "schemaVersion", "bigint", f"Extract schema version, currently {SCHEMA_VERSION}."
)
CHANGE_TYPE_COLUMN = _extract(
    "changeType", "string", "One of: " + ", ".join(f"`{value}`" for value in ChangeType) + "."
)
CHANGED_AT_COLUMN = _extract(
    "changedAt",
    "timestamp",
    "When this version was written: `updatedAt`, or for `REMOVED` the stream record's creation time.",
)
SNAPSHOT_DATE_COLUMN = _extract("snapshotDate", "date", "The snapshot's date (its `dt=` partition).")
RECOMMENDATION_OVERDUE_COLUMN = Column(
    "overdue",
    "boolean",
    Origin.DEADLINES,
    "overdueRecommendationIds",
    "Past its `dueDate` on the snapshot date and not `COMPLETE`.",
)


NAME_COLUMNS = {
    "icbCode": ("icbName", "The ICB's name (NHS ... Integrated Care Board), from the reference data."),
    "regionCode": ("regionName", "The NHS England region's name, from the reference data."),
    "reviewType": ("reviewTypeLabel", "The review type in words, as the web app says it."),
    "ownerProviderCode": ("ownerProviderName", "The owning NHS provider's name, from the reference data."),
    "providersInvolved": ("providerName", "The NHS provider's name, from the reference data."),
}
"""Code field -> the column naming it, placed beside the code in the snapshot's CSVs, which people
open in spreadsheets (the stream's JSON extracts keep codes only, for machines)."""


def with_names(columns: Sequence[Column]) -> tuple[Column, ...]:
    """``columns`` with each code's name column right after it."""
    named: list[Column] = []
    for column in columns:
        named.append(column)
        if column.field in NAME_COLUMNS and column.origin is not Origin.REFERENCE:
            name, description = NAME_COLUMNS[column.field]
            named.append(Column(name, "string", Origin.REFERENCE, column.field, description, required=False))
    return tuple(named)


@cache
def case_columns() -> tuple[Column, ...]:
    columns = model_columns(Case, Origin.CASE, skip=frozenset({"deadlines"}))
    # Identity and audit columns first, where a reader of a table looks for them.
    return tuple(sorted(columns, key=lambda column: column.field not in SERVER_OWNED_FIELDS))


DAY_DEPENDENT_DATES = frozenset({"deadlineMetDate"})
"""A planned publication date meets the deadline only once it has come: as of the snapshot's day."""


@cache
def due_date_columns() -> tuple[Column, ...]:
    """Deadline dates only: they follow from the record alone, so a replayed version renders the same."""
    return tuple(
        column
        for column in model_columns(Deadlines, Origin.DEADLINES)
        if column.type == "date" and column.field not in DAY_DEPENDENT_DATES
    )


@cache
def deadline_columns() -> tuple[Column, ...]:
    return tuple(model_columns(Deadlines, Origin.DEADLINES))


@cache
def changes_columns() -> tuple[Column, ...]:
    return (
        SCHEMA_VERSION_COLUMN,
        CHANGE_TYPE_COLUMN,
        CHANGED_AT_COLUMN,
        *case_columns(),
        *due_date_columns(),
    )


@cache
def current_columns() -> tuple[Column, ...]:
    return (SCHEMA_VERSION_COLUMN, *case_columns(), *due_date_columns())


@cache
def snapshot_case_columns() -> tuple[Column, ...]:
    # Recommendations have their own table; the rest of the record is one row per case.
    kept = tuple(column for column in case_columns() if column.field != "recommendations")
    return with_names((SCHEMA_VERSION_COLUMN, SNAPSHOT_DATE_COLUMN, *kept, *deadline_columns()))


SNAPSHOT_RECOMMENDATION_CASE_FIELDS = ("caseId", "reference", "icbCode", "regionCode")
PROVIDER_CODE_COLUMN = Column(
    "providerCode",
    "string",
    Origin.CASE,
    "providersInvolved",
    "ODS code of one NHS provider the case names (one row per provider in `providersInvolved`).",
)


@cache
def snapshot_case_provider_columns() -> tuple[Column, ...]:
    """The bridge between cases and the providers they name: a dashboard joins it to apply
    row-level security per provider."""
    by_field = {column.field: column for column in case_columns()}
    return with_names((SCHEMA_VERSION_COLUMN, SNAPSHOT_DATE_COLUMN, by_field["caseId"], PROVIDER_CODE_COLUMN))


@cache
def snapshot_recommendation_columns() -> tuple[Column, ...]:
    by_field = {column.field: column for column in case_columns()}
    return with_names(
        (
            SCHEMA_VERSION_COLUMN,
            SNAPSHOT_DATE_COLUMN,
            *(by_field[name] for name in SNAPSHOT_RECOMMENDATION_CASE_FIELDS),
            *model_columns(Recommendation, Origin.RECOMMENDATION),
            RECOMMENDATION_OVERDUE_COLUMN,
        )
    )
