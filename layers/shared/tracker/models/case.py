"""The case record: the domain object every entry point shares, camelCase on the wire.

Models are strict where lax parsing would accept nonsense (``false`` for a number, ``"yes"`` for a
boolean); dates are ``YYYY-MM-DD`` strings only. Each field's description, and the ``RESTRICTED``
mark in the JSON schema extra of restricted free text (which extracts and logs use to drop it), come
from the field catalogue (``tracker.models.fields``), where people's words for each field live too.
"""

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
)
from pydantic.alias_generators import to_camel

from tracker import clock
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
from tracker.models.fields import FieldSpec, client_field, row_part, server_field
from tracker.rules.pii import patient_identifier_problem, url_identifier_problem

RESTRICTED = "x-restricted"
"""JSON schema extra key marking restricted free text: never in extracts, never in logs."""

RESTRICTED_TEXT_MAX = 4000
LONG_TEXT_MAX = 4000
SHORT_TEXT_MAX = 200
CODE_MAX = 64

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,5}$")
ODS_CODE_PATTERN = _ODS_CODE.pattern


def is_ods_code(text: str) -> bool:
    """Whether ``text`` is written as an ODS code is (known to the reference data or not: a trust
    that has since closed keeps its code on the cases that named it)."""
    return _ODS_CODE.fullmatch(text) is not None


def _iso_date_only(value: Any) -> Any:
    # Lax date parsing would take Unix timestamps and datetimes; the contract says YYYY-MM-DD.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"is not a real date: {error}") from None
    raise ValueError("must be a date written YYYY-MM-DD")


# Characters no one types into a form: C0 controls other than tab, newline and carriage return, DEL,
# C1 controls, and the bidirectional overrides and isolates that make text display other than it reads.
_INVISIBLE_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# The same rule as a JSON Schema pattern, so the OpenAPI document states it (the validator above
# words the refusal; a pattern's own message would quote the expression).
_CONTROL_CLASS = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069"
NO_CONTROLS_PATTERN = f"^[^{_CONTROL_CLASS}]*$"
SOME_TEXT_PATTERN = f"^[^{_CONTROL_CLASS}]*[^\\s{_CONTROL_CLASS}][^{_CONTROL_CLASS}]*$"


def _no_patient_identifiers(value: str) -> str:
    if _INVISIBLE_CONTROLS.search(value):
        raise ValueError("must not contain control characters")
    problem = patient_identifier_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _no_controls(value: str) -> str:
    if _INVISIBLE_CONTROLS.search(value):
        raise ValueError("must not contain control characters")
    return value


def person_name(value: object) -> str | None:
    """A person's name as a change records it, from what an identity provider says: its words
    without control or direction characters, spaces collapsed, cut to ``SHORT_TEXT_MAX``; None when
    nothing is left. A name is not patient data, but it keeps the limits of the record's short text."""
    if not isinstance(value, str):
        return None
    words = " ".join(_INVISIBLE_CONTROLS.sub(" ", value).split())
    return words[:SHORT_TEXT_MAX].rstrip() or None


# No whitespace (in any script), control or direction characters in a URL; one pattern for the
# check and the OpenAPI document, so both engines read the same class.
_NOT_IN_URL = (
    r"\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200B\u2028\u2029\u202A-\u202F\u205F\u2066-\u2069\u3000\uFEFF"
)
HTTPS_URL_PATTERN = f"^https://[^{_NOT_IN_URL}/$.?#][^{_NOT_IN_URL}]*$"


def _https_only(value: str) -> str:
    if not re.match(HTTPS_URL_PATTERN, value):
        raise ValueError("must be an https:// URL")
    # A URL is free text too: its path or query string could carry an identifier into the extracts.
    problem = url_identifier_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _serialize_timestamp(moment: datetime) -> str:
    return clock.format_timestamp(moment)


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
Timestamp = Annotated[datetime, PlainSerializer(_serialize_timestamp, return_type=str)]
ShortText = Annotated[
    str,
    Field(min_length=1, max_length=SHORT_TEXT_MAX, json_schema_extra={"pattern": SOME_TEXT_PATTERN}),
    AfterValidator(_no_patient_identifiers),
]
LongText = Annotated[
    str,
    Field(min_length=1, max_length=LONG_TEXT_MAX, json_schema_extra={"pattern": SOME_TEXT_PATTERN}),
    AfterValidator(_no_patient_identifiers),
]
RestrictedText = Annotated[
    str,
    Field(max_length=RESTRICTED_TEXT_MAX, json_schema_extra={"pattern": NO_CONTROLS_PATTERN}),
    AfterValidator(_no_patient_identifiers),
]
PersonName = Annotated[
    str,
    Field(min_length=1, max_length=SHORT_TEXT_MAX, json_schema_extra={"pattern": SOME_TEXT_PATTERN}),
    AfterValidator(_no_controls),
]
"""Who made a change, as a person: set by the server from the caller's identity, never by a client."""
CaseId = Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
OdsCode = Annotated[str, Field(pattern=_ODS_CODE.pattern, examples=["QE1"])]
ProviderCode = Annotated[str, Field(pattern=_ODS_CODE.pattern, examples=["RXX"])]
MAX_PROVIDERS_INVOLVED = 20


def _described(spec: FieldSpec, **settings: Any) -> Any:
    """A model field as the catalogue describes it: its description, and restricted text marked.

    Only what the catalogue says is passed: an explicit None would replace what the field's type
    states (a text pattern, ``uniqueItems``) in the JSON schema."""
    if spec.description is not None:
        settings["description"] = spec.description
    if spec.restricted:
        settings["json_schema_extra"] = {RESTRICTED: True}
    return Field(**settings)


class WireModel(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown fields are an error, not ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,  # the wire is camelCase only: snake_case keys are unknown fields
        serialize_by_alias=True,
        extra="forbid",
        str_strip_whitespace=True,
        use_enum_values=False,
    )


class OtherIdentifier(WireModel):
    type: IdentifierType
    value: ShortText


class LearningDissemination(WireModel):
    method: DisseminationMethod
    date: IsoDate


class Recommendation(WireModel):
    recommendation_id: Annotated[
        str,
        Field(min_length=1, max_length=CODE_MAX, pattern=r"^[A-Za-z0-9._-]+$"),
        AfterValidator(_no_patient_identifiers),
    ]
    theme: Theme
    text: LongText
    owner: ShortText
    due_date: IsoDate
    status: RecommendationStatus
    evidence: LongText | None = None
    owner_provider_code: ProviderCode | None = _described(
        row_part("recommendations", "ownerProviderCode"), default=None
    )


class CaseFields(WireModel):
    """Every field a client may set: the body of ``POST /cases`` and the target of a merge patch."""

    icb_code: OdsCode = _described(client_field("icbCode"))
    review_type: ReviewType = _described(client_field("reviewType"))
    review_type_other: ShortText | None = _described(client_field("reviewTypeOther"), default=None)
    status: CaseStatus = _described(client_field("status"))
    stage: Stage = _described(client_field("stage"))
    incident_date: IsoDate = _described(client_field("incidentDate"))
    date_added: IsoDate = _described(client_field("dateAdded"))
    designated_professional: DesignatedProfessional = _described(client_field("designatedProfessional"))
    safeguarding_partnership: ShortText = _described(client_field("safeguardingPartnership"))
    themes: Annotated[
        list[Theme], Field(min_length=1, max_length=3, json_schema_extra={"uniqueItems": True})
    ] = _described(client_field("themes"))
    steis_number: (
        Annotated[
            str,
            Field(min_length=1, max_length=CODE_MAX, pattern=r"^[A-Za-z0-9/ -]+$"),
            AfterValidator(_no_patient_identifiers),
        ]
        | None
    ) = _described(client_field("steisNumber"), default=None)
    local_reference: ShortText | None = _described(client_field("localReference"), default=None)
    other_identifiers: Annotated[list[OtherIdentifier], Field(max_length=10)] | None = _described(
        client_field("otherIdentifiers"), default=None
    )
    providers_involved: (
        Annotated[
            list[ProviderCode],
            Field(max_length=MAX_PROVIDERS_INVOLVED, json_schema_extra={"uniqueItems": True}),
        ]
        | None
    ) = _described(client_field("providersInvolved"), default=None)
    converted_from_case_id: CaseId | None = _described(client_field("convertedFromCaseId"), default=None)
    converted_date: IsoDate | None = _described(client_field("convertedDate"), default=None)
    case_information: RestrictedText | None = _described(client_field("caseInformation"), default=None)
    comments: RestrictedText | None = _described(client_field("comments"), default=None)
    rapid_review_completed_date: IsoDate | None = _described(
        client_field("rapidReviewCompletedDate"), default=None
    )
    report_signed_off_date: IsoDate | None = _described(client_field("reportSignedOffDate"), default=None)
    publication_date: IsoDate | None = _described(client_field("publicationDate"), default=None)
    report_url: (
        Annotated[
            str,
            Field(max_length=2048, json_schema_extra={"pattern": HTTPS_URL_PATTERN}),
            AfterValidator(_https_only),
        ]
        | None
    ) = _described(client_field("reportUrl"), default=None)
    embargoed: StrictBool | None = _described(client_field("embargoed"), default=None)
    learning_dissemination: Annotated[list[LearningDissemination], Field(max_length=50)] | None = _described(
        client_field("learningDissemination"), default=None
    )
    lessons_learnt: LongText | None = _described(client_field("lessonsLearnt"), default=None)
    good_practice: LongText | None = _described(client_field("goodPractice"), default=None)
    recommendations: Annotated[list[Recommendation], Field(max_length=100)] | None = _described(
        client_field("recommendations"), default=None
    )
    icb_chief_nurse_assured_dhr_health_recs: AssuranceAnswer | None = _described(
        client_field("icbChiefNurseAssuredDhrHealthRecs"), default=None
    )
    regional_chief_nurse_content_to_accept_dhr_health_recs: AssuranceAnswer | None = _described(
        client_field("regionalChiefNurseContentToAcceptDhrHealthRecs"), default=None
    )


class DeadlineKind(StrEnum):
    """The deadline a review's timeliness is judged by (``tracker.rules.deadlines``)."""

    RAPID_REVIEW = "RAPID_REVIEW"  # 15 working days from the decision
    CSPR_PUBLICATION = "CSPR_PUBLICATION"  # 6 months from the decision
    DHR_COMPLETION = "DHR_COMPLETION"  # 6 months from the decision
    SAR_COMPLETION = "SAR_COMPLETION"  # SAR_COMPLETION_MONTHS from the decision


class Timeliness(StrEnum):
    """Whether a review's deadline was met: on time or late, or not yet, and why not."""

    ON_TIME = "ON_TIME"  # met on or before the due date
    LATE = "LATE"  # met after the due date
    OPEN = "OPEN"  # not met, not yet due
    OVERDUE = "OVERDUE"  # not met, past due, the case open
    EMBARGOED = "EMBARGOED"  # a CSPR not published while under embargo
    DATE_NOT_RECORDED = "DATE_NOT_RECORDED"  # the case moved on without the date it was met
    CLOSED_UNMET = "CLOSED_UNMET"  # the case was closed without the deadline being met


TIMELINESS_DECIDED = frozenset({Timeliness.ON_TIME, Timeliness.LATE, Timeliness.OVERDUE})
"""The states a share met on time counts: met either way, or past due and still not met."""


class Deadlines(WireModel):
    """Derived from the record and today's date; never set by a client."""

    rapid_review_due: IsoDate | None = None
    rapid_review_overdue: bool = False
    publication_due: IsoDate | None = Field(default=None, description="CSPR: 6 months after dateAdded.")
    publication_overdue: bool = False
    completion_due: IsoDate | None = Field(
        default=None,
        description="DHR: 6 months after dateAdded; SAR: SAR_COMPLETION_MONTHS (default 6) after dateAdded.",
    )
    completion_overdue: bool = False
    overdue_recommendation_ids: list[str] = Field(default_factory=list)
    overdue: bool = False
    deadline: DeadlineKind | None = Field(
        default=None, description="The deadline the review's timeliness is judged by; none for other reviews."
    )
    deadline_due: IsoDate | None = Field(default=None, description="When `deadline` falls due.")
    deadline_met_date: IsoDate | None = Field(
        default=None,
        description="When `deadline` was met: rapidReviewCompletedDate, publicationDate (once past) or "
        "reportSignedOffDate.",
    )
    timeliness: Timeliness | None = Field(
        default=None,
        description="Met on time or late, or not yet met (open, overdue) and why not (embargoed, closed).",
    )
    days_late: StrictInt | None = Field(
        default=None,
        ge=0,
        description="Calendar days after `deadlineDue`: when met (LATE), or as of the snapshot (OVERDUE).",
    )


class ServerFields(WireModel):
    """Owned by the server: a patch naming any of these is refused (422)."""

    case_id: str
    reference: str = Field(examples=["QE1-2026-0007"])
    version: StrictInt = Field(ge=1)
    region_code: str
    created_at: Timestamp
    created_by: str
    created_by_name: PersonName | None = _described(server_field("createdByName"), default=None)
    updated_at: Timestamp
    updated_by: str
    updated_by_name: PersonName | None = _described(server_field("updatedByName"), default=None)


class Case(ServerFields, CaseFields):
    """The full case representation returned by the API."""

    deadlines: Deadlines = Field(default_factory=Deadlines)


SERVER_OWNED_FIELDS = frozenset(field.alias or name for name, field in ServerFields.model_fields.items()) | {
    "deadlines"
}
CLIENT_FIELDS = frozenset(field.alias or name for name, field in CaseFields.model_fields.items())
PERSON_NAME_FIELDS = frozenset({"createdByName", "updatedByName"})
"""People's names beside the identifiers: shown to those who read the case, kept out of the
reporting extracts (dashboards count cases; who typed them is the case's own history's business)."""


def restricted_fields(model: type[BaseModel] = Case) -> frozenset[str]:
    """camelCase names of restricted free-text fields, from the model's own classification."""
    names = set()
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra
        if isinstance(extra, dict) and extra.get(RESTRICTED):
            names.add(field.alias or name)
    return frozenset(names)


def without_restricted_text(case: Case) -> Case:
    """The case with every restricted free-text field removed (not blanked): what a provider reads."""
    cleared = {
        name: None
        for name, field in Case.model_fields.items()
        if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get(RESTRICTED)
    }
    return case.model_copy(update=cleared)


class HistoryEntry(WireModel):
    version: int
    changed_at: Timestamp
    changed_by: str
    changed_by_name: PersonName | None = Field(
        default=None, description="The name of the person who made this version, when their sign-in gave one."
    )
    changed_fields: list[str]
    case: Case
