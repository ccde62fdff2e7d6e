"""How pages show things to people: field values, a case's rows and deadlines, who changed
what (people by name, never by identifier), organisations by name. What to offer the caller is the
access policy's answer."""

from collections.abc import Callable
from typing import Any

from tracker import clock
from tracker.access import acted_as
from tracker.models.case import Case, HistoryEntry
from tracker.models.fields import (
    CODED_FIELDS,
    DATE_FIELDS,
    PROVIDER_CODE_FIELDS,
    TIMESTAMP_FIELDS,
    FieldSpec,
    client_field,
)
from tracker.models.wording import DEADLINE_LABELS
from tracker.reference import NHS_ENGLAND_ORG, REGION_NAMES, ReferenceData
from tracker.web.labels import field_label, format_date, format_time, organisation_name, value_label

# --- showing values -------------------------------------------------------------------------------

ProviderName = Callable[[str], str]


def show(name: str, value: Any, provider_name: ProviderName = str) -> str:
    """One value as people read it (lists of rows summarised per row); a provider by its name and
    code when ``provider_name`` knows it."""
    if value is None or value == [] or value == "":
        return "Not given"
    if name in PROVIDER_CODE_FIELDS:
        codes = value if isinstance(value, list) else [value]
        return "; ".join(provider_name(str(code)) for code in codes)
    if name in DATE_FIELDS:
        return format_date(value)
    if name in TIMESTAMP_FIELDS:
        return format_time(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(
            show_row(name, item, provider_name) if isinstance(item, dict) else value_label(str(item))
            for item in value
        )
    if name in CODED_FIELDS:
        return value_label(str(value))
    return str(value)


def show_row(name: str, row: dict[str, Any], provider_name: ProviderName = str) -> str:
    return ", ".join(
        f"{field_label(part).lower()} {show(part, value, provider_name)}" for part, value in row.items()
    )


def icb_name(reference: ReferenceData, code: str) -> str:
    icb = reference.icb(code)
    return f"{icb.name} ({code})" if icb else code


def provider_namer(reference: ReferenceData) -> ProviderName:
    """A provider as people read it: its name and ODS code (the code alone once the list drops it)."""

    def name(code: str) -> str:
        provider = reference.provider(code)
        return f"{organisation_name(provider.name)} ({code})" if provider else code

    return name


def provider_list(reference: ReferenceData) -> list[tuple[str, str]]:
    """Every trust open today, (code, name) by name, for the form's list of codes (a closed one
    stays readable on old cases, by name, but is not offered)."""
    providers = reference.open_providers(clock.today_london())
    named = [(provider.code, organisation_name(provider.name)) for provider in providers]
    return sorted(named, key=lambda pair: (pair[1], pair[0]))


# --- people ---------------------------------------------------------------------------------------

PersonName = Callable[[str, str | None], str]
"""Who made a change, from the identifier recorded and the name recorded beside it (if any)."""

PEOPLE_FIELDS = {"createdBy": "createdByName", "updatedBy": "updatedByName"}
"""The identifiers of who recorded and who last changed a case, each with its recorded name."""
NATIONAL_TEAM = "NHS England"


def organisation(reference: ReferenceData, code: str) -> str:
    """An organisation by name, whatever it is (ODS codes of ICBs, regions, trusts and NHS England do
    not overlap); its code when the reference data does not know it."""
    icb = reference.icb(code)
    if icb is not None:
        return icb.name
    if code in REGION_NAMES:
        return REGION_NAMES[code]
    provider = reference.provider(code)
    if provider is not None:
        return organisation_name(provider.name)
    return NATIONAL_TEAM if code == NHS_ENGLAND_ORG else code


def person_namer(reference: ReferenceData) -> PersonName:
    """Who made a change as people read it: their name when one was recorded, otherwise their role at
    their organisation ("An ICB editor at NHS ... Integrated Care Board"), never the identifier (a
    version saved before names were recorded, or by the forms platform's client, has no name)."""

    def person(audit_name: str, name: str | None) -> str:
        if name:
            return name
        acted = acted_as(audit_name)
        if acted is None:
            return "Someone"
        role_words, org = acted
        return f"{role_words} at {organisation(reference, org)}"

    return person


def case_rows(
    reference: ReferenceData, document: dict[str, Any], hidden: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Every field present and not ``hidden``, in the model's order, as summary list rows."""
    skip = {"recommendations", "deadlines", "caseId", *PEOPLE_FIELDS.values(), *hidden}
    named = provider_namer(reference)
    person = person_namer(reference)
    rows: list[dict[str, Any]] = []
    for name, value in document.items():
        if name in skip:
            continue
        if name in PEOPLE_FIELDS:
            who = person(value, document.get(PEOPLE_FIELDS[name]))
            rows.append({"key": {"text": field_label(name)}, "value": {"text": who}})
            continue
        if name == "providersInvolved" and value:
            # One per line: the template writes them as a list.
            rows.append({"key": {"text": field_label(name)}, "providers": [named(code) for code in value]})
            continue
        text = icb_name(reference, value) if name == "icbCode" else show(name, value, named)
        if name == "regionCode":
            text = f"{REGION_NAMES.get(value, value)} ({value})"
        rows.append({"key": {"text": field_label(name)}, "value": {"text": text}})
    return rows


def deadline_rows(case: Case) -> list[dict[str, Any]]:
    deadlines = case.deadlines
    found = []
    for label, due, overdue in (
        (DEADLINE_LABELS["rapid_review_due"], deadlines.rapid_review_due, deadlines.rapid_review_overdue),
        (DEADLINE_LABELS["publication_due"], deadlines.publication_due, deadlines.publication_overdue),
        (DEADLINE_LABELS["completion_due"], deadlines.completion_due, deadlines.completion_overdue),
    ):
        if due is not None:
            found.append({"label": label, "due": format_date(due), "overdue": overdue})
    return found


EARLIER_VALUE = "See older changes"
"""The value before the oldest change on a page that does not start at version 1: it is on the
page of older changes, not read for this one."""

ROWS_FIELDS = {"recommendations": client_field("recommendations")}
"""Lists of rows whose changes read row by row (by each row's id), not as the whole list again."""


def recommendation_headings() -> list[str]:
    """The recommendations table's headings: the catalogue's labels of a recommendation's parts."""
    return [part.label for part in client_field("recommendations").parts]


def recommendation_cells(
    row: dict[str, Any], provider_name: ProviderName = str, overdue: bool = False
) -> list[dict[str, Any]]:
    """One recommendation as table cells, in the catalogue's order of its parts."""
    cells: list[dict[str, Any]] = []
    for part in client_field("recommendations").parts:
        text = show(part.name, row.get(part.name), provider_name)
        if part.name == "dueDate" and overdue:
            cells.append({"text": text, "overdue": True})
        else:
            cells.append({"text": text})
    return cells


def _row_changes(
    spec: FieldSpec, before: Any, after: Any, provider_name: ProviderName
) -> list[dict[str, str]]:
    """What changed in a list of rows, row by row: "Recommendation R2: Status", before, after; a row
    added or removed whole, in words."""
    key = spec.id_part
    assert key is not None
    item = spec.item_label[:1].upper() + spec.item_label[1:]
    old = {str(row.get(key)): row for row in before or [] if isinstance(row, dict)}
    new = {str(row.get(key)): row for row in after or [] if isinstance(row, dict)}
    changes: list[dict[str, str]] = []
    for row_id in [*new, *(row_id for row_id in old if row_id not in new)]:
        was, now = old.get(row_id), new.get(row_id)
        if was is None and now is not None:
            shown = show_row(spec.name, now, provider_name)
            changes.append({"field": f"{item} {row_id}: added", "before": "Not given", "after": shown})
        elif now is None and was is not None:
            shown = show_row(spec.name, was, provider_name)
            changes.append({"field": f"{item} {row_id}: removed", "before": shown, "after": "Not given"})
        else:
            assert was is not None and now is not None
            for part in spec.parts:
                if was.get(part.name) != now.get(part.name):
                    changes.append(
                        {
                            "field": f"{item} {row_id}: {part.label}",
                            "before": show(part.name, was.get(part.name), provider_name),
                            "after": show(part.name, now.get(part.name), provider_name),
                        }
                    )
    return changes


def field_changes(
    name: str, before: Any, after: Any, provider_name: ProviderName = str, *, before_known: bool = True
) -> list[dict[str, str]]:
    """One field's change as table rows (field, before, after): a list of rows row by row, when what
    it was is known; any other field in one row."""
    if name in ROWS_FIELDS and before_known:
        return _row_changes(ROWS_FIELDS[name], before, after, provider_name)
    return [
        {
            "field": field_label(name),
            "before": show(name, before, provider_name) if before_known else EARLIER_VALUE,
            "after": show(name, after, provider_name),
        }
    ]


def history_rows(
    entries: list[HistoryEntry],
    provider_name: ProviderName,
    hidden: frozenset[str],
    person: PersonName,
) -> list[dict[str, Any]]:
    """Who changed what and when, with each changed field's value before and after (``entries``
    oldest first, consecutive versions); a ``hidden`` field is not named, even as changed; who, as
    ``person`` names them (``person_namer``)."""
    shown = []
    previous: dict[str, Any] | None = None
    for entry in entries:
        document = entry.case.model_dump(mode="json", by_alias=True, exclude_none=True)
        changes = [
            change
            for name in entry.changed_fields
            if name not in hidden
            for change in field_changes(
                name,
                previous.get(name) if previous is not None else None,
                document.get(name),
                provider_name,
                before_known=previous is not None,
            )
        ]
        shown.append(
            {
                "version": entry.version,
                "when": format_time(entry.model_dump(mode="json", by_alias=True)["changedAt"]),
                "who": person(entry.changed_by, entry.changed_by_name),
                "first": entry.version == 1,
                "changes": changes,
            }
        )
        previous = document
    return list(reversed(shown))  # newest first to read
