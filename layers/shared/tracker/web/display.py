"""How pages show things to people: field values, a case's rows and deadlines, who changed
what, organisations by name. What to offer the caller is the access policy's answer."""

from collections.abc import Callable
from typing import Any

from tracker import clock
from tracker.models.case import Case, HistoryEntry
from tracker.models.fields import CODED_FIELDS, DATE_FIELDS, PROVIDER_CODE_FIELDS, TIMESTAMP_FIELDS
from tracker.models.wording import DEADLINE_LABELS
from tracker.reference import REGION_NAMES, ReferenceData
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


def case_rows(
    reference: ReferenceData, document: dict[str, Any], hidden: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Every field present and not ``hidden``, in the model's order, as summary list rows."""
    skip = {"recommendations", "deadlines", "caseId", *hidden}
    named = provider_namer(reference)
    rows = []
    for name, value in document.items():
        if name in skip:
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


def history_rows(
    entries: list[HistoryEntry],
    provider_name: ProviderName = str,
    hidden: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Who changed what and when, with each changed field's value before and after (``entries``
    oldest first, consecutive versions); a ``hidden`` field is not named, even as changed."""
    shown = []
    previous: dict[str, Any] | None = None
    for entry in entries:
        document = entry.case.model_dump(mode="json", by_alias=True, exclude_none=True)
        changes = [
            {
                "field": field_label(name),
                "before": (
                    EARLIER_VALUE if previous is None else show(name, previous.get(name), provider_name)
                ),
                "after": show(name, document.get(name), provider_name),
            }
            for name in entry.changed_fields
            if name not in hidden
        ]
        shown.append(
            {
                "version": entry.version,
                "when": format_time(entry.model_dump(mode="json", by_alias=True)["changedAt"]),
                "who": entry.changed_by,
                "first": entry.version == 1,
                "changes": changes,
            }
        )
        previous = document
    return list(reversed(shown))  # newest first to read
