"""The rules of a case record: turning a client's document into valid ``CaseFields``, or naming
every field that breaks a rule.

Field-level rules live in the model (``tracker.models.case``); the cross-field rules a safeguarding
lead would expect live here, kept out of a model validator so each is named with its own field.
"""

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from tracker import clock
from tracker.errors import FieldError, InvalidInput
from tracker.models.case import CLIENT_FIELDS, SERVER_OWNED_FIELDS, Case, CaseFields
from tracker.models.enums import DHR_REVIEW_TYPES, CaseStatus, ReviewType, Stage
from tracker.models.fields import DHR_ONLY_FIELDS, FIELD_LABELS
from tracker.models.wording import value_label

# A field's Python attribute by its camelCase name.
ATTRIBUTE_OF = {field.alias or name: name for name, field in CaseFields.model_fields.items()}
_VALUE_ERROR_PREFIX = "Value error, "
MAX_UNKNOWN_FIELDS_NAMED = 20
"""A document with more unknown fields than this is refused at once, naming only the first ones:
validating tens of thousands of them would take seconds and answer with a body too big to send."""


EARLIEST_REVIEW_DATE = date(2011, 4, 13)
"""No review the collection holds can be dated before this: the oldest statutory framework it
records, domestic homicide reviews (Domestic Violence, Crime and Victims Act 2004 s.9, in force
13 April 2011), predates SARs (Care Act 2014, 1 April 2015) and CSPRs (29 June 2018). It bounds the
review's own dates, not the incident's: a review of non-recent abuse concerns older incidents."""
EARLIEST_REVIEW_DATE_TEXT = "13 April 2011"

# Where a review has its report: the stages a review may be closed at.
_FINISHED_STAGES = frozenset(
    {Stage.REPORT_SIGNED_OFF, Stage.PUBLISHED, Stage.EMBARGOED, Stage.ACTIONS_MONITORING, Stage.CLOSED}
)

_DHR_TYPES_TEXT = " or ".join(value_label(review_type) for review_type in sorted(DHR_REVIEW_TYPES))

Problem = tuple[str, str]
"""A broken rule as (camelCase field, message)."""


def consistency_problems(case: CaseFields) -> list[Problem]:
    """Stage, status and dates that cannot all be true, each with how to fix it.

    Added after cases were stored: a stored case may break these, so an update is refused only for
    a breach it introduces (``validate_case_fields``' ``tolerated``)."""
    problems: list[Problem] = []
    today = clock.today_london()
    if case.stage is Stage.CLOSED and case.status is not CaseStatus.CLOSED:
        problems.append(("status", "Select status Closed, or choose a stage before Closed"))
    if case.status is CaseStatus.CLOSED and case.stage not in _FINISHED_STAGES:
        problems.append(
            (
                "stage",
                "Choose the stage the review reached (Report signed off or later), or select status Open",
            )
        )
    if case.stage is Stage.PUBLISHED:
        if case.publication_date is None:
            problems.append(
                ("publicationDate", "Enter the publication date, or choose a stage before Published")
            )
        elif case.publication_date > today:
            problems.append(
                (
                    "publicationDate",
                    "Publication date must be today or in the past when the stage is Published, "
                    "or choose a stage before Published",
                )
            )
    if case.stage is Stage.REPORT_SIGNED_OFF and case.report_signed_off_date is None:
        problems.append(
            (
                "reportSignedOffDate",
                "Enter the date the report was signed off, or choose a stage before Report signed off",
            )
        )
    if case.stage is Stage.EMBARGOED and case.embargoed is not True:
        problems.append(("embargoed", "Select yes for embargoed, or choose a stage other than Embargoed"))

    floor = (
        f"must be on or after {EARLIEST_REVIEW_DATE_TEXT}, when the earliest reviews began: check the year"
    )
    review_dates = [
        ("dateAdded", case.date_added),
        ("reportSignedOffDate", case.report_signed_off_date),
        ("publicationDate", case.publication_date),
        ("convertedDate", case.converted_date),
    ]
    review_dates += [
        (f"learningDissemination[{position}].date", dissemination.date)
        for position, dissemination in enumerate(case.learning_dissemination or [])
    ]
    review_dates += [
        (f"recommendations[{position}].dueDate", recommendation.due_date)
        for position, recommendation in enumerate(case.recommendations or [])
    ]
    problems.extend(
        (name, floor) for name, value in review_dates if value is not None and value < EARLIEST_REVIEW_DATE
    )
    return problems


def case_rule_problems(case: CaseFields) -> list[Problem]:
    """Cross-field rules, as (camelCase field, message) pairs."""
    problems: list[tuple[str, str]] = []
    today = clock.today_london()
    for field in (
        "incident_date",
        "date_added",
        "report_signed_off_date",
        "converted_date",
        "rapid_review_completed_date",
    ):
        value = getattr(case, field)
        if value is not None and value > today:
            problems.append((to_camel(field), "must be today or in the past"))

    ordered = [
        ("incidentDate", case.incident_date),
        ("dateAdded", case.date_added),
        ("reportSignedOffDate", case.report_signed_off_date),
        ("publicationDate", case.publication_date),
    ]
    present = [(name, value) for name, value in ordered if value is not None]
    for (earlier_name, earlier), (later_name, later) in pairwise(present):
        if later < earlier:
            problems.append((later_name, f"must not be before {earlier_name}"))
    # A rapid review is completed after the decision to review, never before it.
    if (
        case.rapid_review_completed_date
        and case.date_added
        and case.rapid_review_completed_date < case.date_added
    ):
        problems.append(("rapidReviewCompletedDate", "must not be before dateAdded"))

    # A planned (future) publication date does not close a review: only a publication that happened.
    published = case.publication_date is not None and case.publication_date <= today
    if case.status is CaseStatus.CLOSED and not (case.report_signed_off_date or published or case.embargoed):
        problems.append(
            (
                "status",
                "Status can be Closed only once the report is signed off, published or embargoed: "
                "enter the date it was signed off, a publication date today or in the past, "
                "or select yes for embargoed",
            )
        )

    if case.review_type is ReviewType.OTHER and not case.review_type_other:
        problems.append(
            ("reviewTypeOther", "Enter the other review type, or choose a review type other than Other")
        )
    if case.review_type is not ReviewType.OTHER and case.review_type_other:
        problems.append(
            ("reviewTypeOther", "Empty the other review type, or choose Other as the review type")
        )

    if case.review_type not in DHR_REVIEW_TYPES:
        # The catalogue's DHR questions (tracker.models.fields), whichever they are.
        problems.extend(
            (
                field,
                f"The question \u201c{FIELD_LABELS[field]}\u201d is only for domestic homicide reviews "
                f"({_DHR_TYPES_TEXT}): leave it unanswered, or choose one of those review types",
            )
            for field in DHR_ONLY_FIELDS
            if getattr(case, ATTRIBUTE_OF[field]) is not None
        )

    # Named against the one missing, so the message points at the box to fill.
    if case.converted_from_case_id is not None and case.converted_date is None:
        problems.append(
            ("convertedDate", "Enter the date converted, or empty the rapid review it was converted from")
        )
    if case.converted_from_case_id is None and case.converted_date is not None:
        problems.append(
            (
                "convertedFromCaseId",
                "Enter the rapid review this review was converted from, or empty the date converted",
            )
        )
    if case.converted_date is not None and case.converted_date < case.date_added:
        problems.append(("convertedDate", "must not be before dateAdded"))

    if len(set(case.themes)) != len(case.themes):
        problems.append(("themes", "must not repeat a theme"))
    providers = case.providers_involved or []
    if len(set(providers)) != len(providers):
        problems.append(("providersInvolved", "must not repeat a provider"))
    for position, recommendation in enumerate(case.recommendations or []):
        owner = recommendation.owner_provider_code
        if owner is not None and owner not in providers:
            named = f"({', '.join(providers)})" if providers else "(none are named yet)"
            problems.append(
                (
                    f"recommendations[{position}].ownerProviderCode",
                    f"must be one of the providers involved {named}, not {owner}",
                )
            )
    if case.recommendations:
        ids = [recommendation.recommendation_id for recommendation in case.recommendations]
        repeated = sorted({identifier for identifier in ids if ids.count(identifier) > 1})
        if repeated:
            problems.append(
                (
                    "recommendations",
                    f"Give each recommendation its own id: {', '.join(repeated)} is used more than once",
                )
            )
    problems.extend(consistency_problems(case))
    return problems


@dataclass(frozen=True)
class StoredCaseProblem:
    """A stored case breaking a current rule: who to correct, never the case's text."""

    case_id: str
    reference: str
    icb_code: str
    field: str
    message: str


def stored_case_problems(records: Iterable[dict[str, Any]]) -> Iterator[StoredCaseProblem]:
    """Every current rule each stored case record breaks (``scrt check-cases``): a record the model
    no longer reads is listed by its fields too, never raised, so one bad case stops no check."""
    for record in records:
        case_id = str(record.get("caseId", ""))
        reference = str(record.get("reference", ""))
        icb_code = str(record.get("icbCode", ""))
        try:
            problems: list[Problem] = case_rule_problems(Case.model_validate(record))
        except ValidationError as error:
            problems = [(found.field, found.detail) for found in field_errors_from_pydantic(error)]
        for field, message in problems:
            yield StoredCaseProblem(case_id, reference, icb_code, field, message)


@dataclass(frozen=True)
class StoredCaseCheck:
    cases_read: int
    problems: tuple[StoredCaseProblem, ...]

    def as_dict(self) -> dict[str, Any]:
        """What an operator's command prints: identifiers, the field and the message, no case text."""
        return {
            "casesRead": self.cases_read,
            "casesBreakingARule": len({problem.case_id for problem in self.problems}),
            "problems": [
                {
                    "caseId": problem.case_id,
                    "reference": problem.reference,
                    "icbCode": problem.icb_code,
                    "field": problem.field,
                    "message": problem.message,
                }
                for problem in self.problems
            ],
        }


def check_stored_cases(records: Iterable[dict[str, Any]]) -> StoredCaseCheck:
    """``stored_case_problems`` of every record, and how many records were read."""
    read = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal read
        for record in records:
            read += 1
            yield record

    problems = tuple(stored_case_problems(counted()))
    return StoredCaseCheck(read, problems)


def unknown_provider_problems(
    fields: CaseFields, known: frozenset[str], already_named: frozenset[str] = frozenset()
) -> list[FieldError]:
    """Provider codes the reference data does not know, each named by its place in the record.

    A code the case already carried is kept even if the reference data has since dropped it (a
    trust that merged): only codes a change introduces must be known.
    """
    accepted = known | already_named
    errors = [
        FieldError(f"providersInvolved[{position}]", "must be the ODS code of a known NHS provider")
        for position, code in enumerate(fields.providers_involved or [])
        if code not in accepted
    ]
    for position, recommendation in enumerate(fields.recommendations or []):
        owner = recommendation.owner_provider_code
        if owner is not None and owner not in accepted:
            errors.append(
                FieldError(
                    f"recommendations[{position}].ownerProviderCode",
                    "must be the ODS code of a known NHS provider",
                )
            )
    return errors


def field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def field_errors_from_pydantic(error: ValidationError, location: str = "body") -> list[FieldError]:
    """Field errors without the rejected input: it may be restricted text or an identifier."""
    found = []
    for item in error.errors(include_input=False, include_url=False, include_context=False):
        message = item["msg"].removeprefix(_VALUE_ERROR_PREFIX)
        if item["type"] == "extra_forbidden":
            message = "is not a field of the case record"
        parts = tuple(item["loc"])
        found.append(FieldError(field_path(parts), message, location, path=parts))
    return found


def reject_server_owned(document: dict[str, Any]) -> None:
    owned = sorted(SERVER_OWNED_FIELDS & document.keys())
    if owned:
        raise InvalidInput(
            "Server-owned fields cannot be set by a client.",
            [FieldError(name, "is owned by the server and cannot be set") for name in owned],
        )


def validate_case_fields(document: Any, tolerated: Collection[Problem] = ()) -> CaseFields:
    """A client's document as valid ``CaseFields``, or ``InvalidInput`` naming every bad field.

    ``tolerated``: breaches the stored case already has (``consistency_problems`` of it); a change
    that leaves one as it was is not refused for what the user did not touch."""
    if not isinstance(document, dict):
        raise InvalidInput("The body must be a JSON object.", [FieldError("", "must be a JSON object")])
    reject_server_owned(document)
    unknown = sorted(document.keys() - CLIENT_FIELDS)
    if len(unknown) > MAX_UNKNOWN_FIELDS_NAMED:
        named = [
            FieldError(name, "is not a field of the case record")
            for name in unknown[:MAX_UNKNOWN_FIELDS_NAMED]
        ]
        more = FieldError(
            "", f"and {len(unknown) - MAX_UNKNOWN_FIELDS_NAMED} more fields that are not case fields"
        )
        raise InvalidInput("The case record is not valid.", [*named, more])
    try:
        fields = CaseFields.model_validate(document)
    except ValidationError as error:
        raise InvalidInput("The case record is not valid.", field_errors_from_pydantic(error)) from None
    problems = [problem for problem in case_rule_problems(fields) if problem not in tolerated]
    if problems:
        raise InvalidInput(
            "The case record breaks a rule.", [FieldError(name, message) for name, message in problems]
        )
    return fields
