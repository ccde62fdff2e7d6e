"""A case linked by its reference: the web app's forms take and show ``QE1-2026-0075``, while the
domain stores the case id (``convertedFromCaseId``), which only an address bar would show.

The form pages call ``with_case_ids`` on what they read (before the use case sees it) and
``with_references`` on what they draw; the case page calls ``linked_case`` to show the link.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracker.access import Caller
from tracker.errors import FieldError, NotVisible
from tracker.logic.cases import CaseService

LINKED_FIELDS = ("convertedFromCaseId",)
"""Fields holding another case's id: typed and shown as that case's reference."""


def not_found(typed: str) -> str:
    """The form's words when no visible case has the reference typed (the same whether it exists)."""
    return f"No rapid review with reference {typed.strip()} that you can see"


def with_case_ids(
    cases: CaseService, caller: Caller, document: dict[str, Any], stored: Mapping[str, Any] | None = None
) -> list[FieldError]:
    """Put the case id in place of each reference typed into ``document`` (changed in place); the
    problems, one per reference no visible case has.

    A value equal to what the case already stores (``stored``) is kept as it is: an id shown
    because its case is out of the caller's sight (``with_references``) comes back unchanged.
    """
    problems: list[FieldError] = []
    for name in LINKED_FIELDS:
        typed = document.get(name)
        if not isinstance(typed, str) or not typed.strip():
            continue
        if stored is not None and typed.strip() == stored.get(name):
            document[name] = stored[name]
            continue
        try:
            document[name] = cases.find_by_reference(caller, typed).case_id
        except NotVisible:
            problems.append(FieldError(name, not_found(typed)))
    return problems


def with_references(cases: CaseService, caller: Caller, document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with each linked case's id shown as its reference (an id whose case
    the caller may not read stays an id: nothing about that case is told)."""
    shown = dict(document)
    for name in LINKED_FIELDS:
        case_id = shown.get(name)
        if isinstance(case_id, str) and case_id:
            shown[name] = cases.reference_of(caller, case_id) or case_id
    return shown


@dataclass(frozen=True)
class LinkedCase:
    reference: str
    case_id: str


def linked_case(cases: CaseService, caller: Caller, case_id: str | None) -> LinkedCase | None:
    """The linked case as a page shows it (its reference, and its id for the link), if the caller
    may read it."""
    if not case_id:
        return None
    reference = cases.reference_of(caller, case_id)
    return LinkedCase(reference, case_id) if reference is not None else None
