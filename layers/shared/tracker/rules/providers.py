"""The provider rules that need the reference data's closures: a trust that closed (merged or
dissolved) may be named only for an incident that happened while it existed."""

from collections.abc import Iterator

from tracker.errors import FieldError
from tracker.models.case import CaseFields
from tracker.models.wording import long_date
from tracker.reference import ProviderClosure, ReferenceData


def _closed_detail(closure: ProviderClosure) -> str:
    successors = " or ".join(closure.successors)
    instead = (
        f"use its successor {successors} instead"
        if len(closure.successors) == 1
        else f"use one of its successors, {successors}, instead"
    )
    return (
        f"must not be {closure.code} for an incident on or after {long_date(closure.closed_on)}, "
        f"when that trust closed ({closure.note}): {instead}"
    )


def _named_codes(fields: CaseFields) -> Iterator[tuple[str, str]]:
    """Each provider code the record names, with its place in the record."""
    for position, code in enumerate(fields.providers_involved or []):
        yield f"providersInvolved[{position}]", code
    for position, recommendation in enumerate(fields.recommendations or []):
        if recommendation.owner_provider_code is not None:
            yield f"recommendations[{position}].ownerProviderCode", recommendation.owner_provider_code


def closed_provider_problems(
    fields: CaseFields, reference: ReferenceData, already_named: frozenset[str] = frozenset()
) -> list[FieldError]:
    """Codes of trusts that had closed by the incident date, each named by its place in the record.

    The incident date is required by the model, so every record reaching this rule has one. A code
    the case already carried is kept (as the unknown-provider rule keeps one): a record stored
    before a closure was known stays readable and editable.
    """
    errors = []
    for path, code in _named_codes(fields):
        closure = reference.closure(code)
        if closure is None or code in already_named or fields.incident_date < closure.closed_on:
            continue
        errors.append(FieldError(path, _closed_detail(closure)))
    return errors
