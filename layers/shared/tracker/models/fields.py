"""Every field of the case record described once, for people and for documents: its label, hint,
form section and kind (how a person gives it, and whether it is a date), its coded values'
enumeration, its description (the API's and the data dictionary's words), and whether it is
restricted free text, the regional team's alone or a DHR question.

The case model (``tracker.models.case``) takes each field's description and restricted mark from
here; the web forms and pages take the rest; a test fails when the model and this catalogue do not
name the same fields. Plain frozen data with no third-party import: every function loads it.
Entries are in the order the case form asks for them, section by section.
"""

from dataclasses import dataclass
from enum import StrEnum

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


class Kind(StrEnum):
    """What a field holds and how a person gives it (the web form's input for it)."""

    TEXT = "text"
    TEXTAREA = "textarea"
    SELECT = "select"  # one of the coded values, from a list
    RADIOS = "radios"  # one of a few coded values
    CHECKBOXES = "checkboxes"  # several coded values
    DATE = "date"  # YYYY-MM-DD, typed as day, month and year
    YES_NO = "yes_no"
    PROVIDER_CODES = "codes"  # ODS codes of NHS providers, one a line
    PROVIDER_CODE = "code"  # one NHS provider's ODS code
    ICB_CODE = "icb_code"  # the ICB the case belongs to: the recording editor's own
    ROWS = "rows"  # a list of objects, one row each, described by its parts
    NUMBER = "number"
    TIMESTAMP = "timestamp"  # a moment the server records


@dataclass(frozen=True)
class Section:
    """A part of the case form, as its heading names it."""

    key: str
    title: str


REVIEW = Section("review", "The review")
DATES = Section("dates", "Dates")
REFERENCES = Section("identifiers", "References")
PROVIDERS = Section("providers", "Providers involved")
REPORT = Section("report", "Report and learning")
RESTRICTED_INFORMATION = Section("restricted", "Restricted information")
RECOMMENDATIONS = Section("recommendations", "Recommendations")
DHR_QUESTIONS = Section("dhr", "Domestic homicide review questions")
SECTIONS = (
    REVIEW,
    DATES,
    REFERENCES,
    PROVIDERS,
    REPORT,
    RESTRICTED_INFORMATION,
    RECOMMENDATIONS,
    DHR_QUESTIONS,
)


@dataclass(frozen=True)
class FieldSpec:
    name: str  # camelCase, as on the wire
    label: str
    kind: Kind
    section: Section | None = None  # None: not on the case form (set by the server, or from the caller)
    hint: str = ""
    description: str | None = None
    choices: type[StrEnum] | None = None  # the coded values, for a field holding them
    restricted: bool = False  # restricted free text: never in extracts, logs, e-mails or to providers
    regional_only: bool = False  # set by the regional team of the case's region alone
    dhr_only: bool = False  # only for domestic homicide reviews
    parts: tuple["FieldSpec", ...] = ()  # ROWS: the fields of one row
    item_label: str = ""  # ROWS: one row, as a heading says it ("Add a recommendation")
    id_part: str | None = None  # ROWS: the part filled in (R1, R2, ...) when a new row leaves it empty

    @property
    def is_date(self) -> bool:
        return self.kind is Kind.DATE


DATE_EXAMPLE = "For example, 15 3 2026"
RESTRICTED_HINT = "Never shown in reports. No NHS numbers or postcodes."
RESTRICTED_DESCRIPTION = "Restricted free text: never in extracts or logs."

CLIENT_FIELD_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "icbCode",
        "ICB",
        Kind.ICB_CODE,
        description="ODS code of the ICB the review belongs to (a current ICB on submit).",
    ),
    FieldSpec(
        "reviewType",
        "Review type",
        Kind.SELECT,
        REVIEW,
        description="Kind of statutory review.",
        choices=ReviewType,
    ),
    FieldSpec(
        "reviewTypeOther",
        "Other review type",
        Kind.TEXT,
        REVIEW,
        hint="Only when the review type is Other.",
        description="What the review is, when reviewType is OTHER.",
    ),
    FieldSpec(
        "status",
        "Status",
        Kind.RADIOS,
        REVIEW,
        description="CLOSED once published, embargoed, or completed and signed off.",
        choices=CaseStatus,
    ),
    FieldSpec(
        "stage",
        "Stage",
        Kind.SELECT,
        REVIEW,
        description="Where the review is on its way from notification to publication.",
        choices=Stage,
    ),
    FieldSpec(
        "designatedProfessional",
        "Designated professional",
        Kind.SELECT,
        REVIEW,
        description="Role of the designated professional.",
        choices=DesignatedProfessional,
    ),
    FieldSpec(
        "safeguardingPartnership",
        "Safeguarding partnership",
        Kind.TEXT,
        REVIEW,
        description="Children's safeguarding partnership, adults board or community safety partnership.",
    ),
    FieldSpec(
        "themes",
        "Themes",
        Kind.CHECKBOXES,
        REVIEW,
        hint="Choose 1 to 3.",
        description="One to three abuse or vulnerability themes.",
        choices=Theme,
    ),
    FieldSpec(
        "incidentDate",
        "Incident date",
        Kind.DATE,
        DATES,
        hint=DATE_EXAMPLE,
        description="Date of the incident that led to the review.",
    ),
    FieldSpec(
        "dateAdded",
        "Date the decision to review was made",
        Kind.DATE,
        DATES,
        hint=DATE_EXAMPLE,
        description="The date the decision to review was made.",
    ),
    FieldSpec(
        "rapidReviewCompletedDate",
        "Rapid review completed",
        Kind.DATE,
        DATES,
        hint="When the rapid review was sent to the national panel.",
        description="When the rapid review was completed: on time if by its 15th working day.",
    ),
    FieldSpec(
        "reportSignedOffDate",
        "Report signed off",
        Kind.DATE,
        DATES,
        description="When the report was signed off.",
    ),
    FieldSpec(
        "publicationDate",
        "Publication date",
        Kind.DATE,
        DATES,
        description="When the report was (or will be) published.",
    ),
    FieldSpec(
        "convertedDate",
        "Date converted",
        Kind.DATE,
        DATES,
        hint="When a rapid review became a full review.",
        description="When the rapid review was converted.",
    ),
    FieldSpec(
        "steisNumber",
        "StEIS number",
        Kind.TEXT,
        REFERENCES,
        description="Serious incident (StEIS) reference, if any.",
    ),
    FieldSpec(
        "localReference",
        "Local reference",
        Kind.TEXT,
        REFERENCES,
        description="The ICB's own reference.",
    ),
    FieldSpec(
        "convertedFromCaseId",
        "Converted from rapid review (reference)",
        Kind.TEXT,
        REFERENCES,
        hint="The reference of the rapid review this review came from, for example QE1-2026-0075.",
        description="The rapid review this review was converted from.",
    ),
    FieldSpec(
        "otherIdentifiers",
        "Other identifiers",
        Kind.ROWS,
        REFERENCES,
        description="Other non-patient references (police, coroner, local authority, ...).",
        parts=(
            FieldSpec("type", "Identifier type", Kind.SELECT, choices=IdentifierType),
            FieldSpec("value", "Identifier", Kind.TEXT),
        ),
        item_label="identifier",
    ),
    FieldSpec(
        "providersInvolved",
        "Providers involved",
        Kind.PROVIDER_CODES,
        PROVIDERS,
        hint=(
            "The ODS codes of the NHS providers (trusts) the review names, one on each line, "
            "for example RXL. Up to 20. Each provider named can read this case, "
            "but not its restricted information."
        ),
        description=(
            "ODS codes of the NHS providers (trusts) named in the review, 0 to 20, each once and known to "
            "the provider reference data. Each provider named may read the case, without restricted text."
        ),
    ),
    FieldSpec(
        "reportUrl",
        "Report URL",
        Kind.TEXT,
        REPORT,
        hint="An https:// address.",
        description="Where the published report is (https only).",
    ),
    FieldSpec(
        "embargoed",
        "Embargoed",
        Kind.YES_NO,
        REPORT,
        description="The report is complete but under embargo.",
    ),
    FieldSpec(
        "lessonsLearnt",
        "Lessons learnt",
        Kind.TEXTAREA,
        REPORT,
        description="Lessons learnt, without identifying data.",
    ),
    FieldSpec(
        "goodPractice",
        "Good practice",
        Kind.TEXTAREA,
        REPORT,
        description="Good practice found by the review.",
    ),
    FieldSpec(
        "learningDissemination",
        "Learning shared",
        Kind.ROWS,
        REPORT,
        description="How and when the learning was shared.",
        parts=(
            FieldSpec("method", "How it was shared", Kind.SELECT, choices=DisseminationMethod),
            FieldSpec("date", "Date shared", Kind.DATE),
        ),
        item_label="learning event",
    ),
    FieldSpec(
        "caseInformation",
        "Case information (restricted)",
        Kind.TEXTAREA,
        RESTRICTED_INFORMATION,
        hint=RESTRICTED_HINT,
        description=RESTRICTED_DESCRIPTION,
        restricted=True,
    ),
    FieldSpec(
        "comments",
        "Comments (restricted)",
        Kind.TEXTAREA,
        RESTRICTED_INFORMATION,
        hint=RESTRICTED_HINT,
        description=RESTRICTED_DESCRIPTION,
        restricted=True,
    ),
    FieldSpec(
        "recommendations",
        "Recommendations",
        Kind.ROWS,
        RECOMMENDATIONS,
        description="Recommendations and their progress.",
        parts=(
            FieldSpec(
                "recommendationId",
                "Recommendation id",
                Kind.TEXT,
                hint="Left empty, the next free id (R1, R2, ...) is used.",
            ),
            FieldSpec("theme", "Theme", Kind.SELECT, choices=Theme),
            FieldSpec("text", "Recommendation", Kind.TEXTAREA),
            FieldSpec("owner", "Owner", Kind.TEXT),
            FieldSpec(
                "ownerProviderCode",
                "Owning provider",
                Kind.PROVIDER_CODE,
                hint="The ODS code of one of the providers involved, for example RXL.",
                description=(
                    "ODS code of the NHS provider that owns the recommendation: one of providersInvolved."
                ),
            ),
            FieldSpec("dueDate", "Due date", Kind.DATE),
            FieldSpec("status", "Status", Kind.SELECT, choices=RecommendationStatus),
            FieldSpec("evidence", "Evidence", Kind.TEXTAREA),
        ),
        item_label="recommendation",
        id_part="recommendationId",
    ),
    FieldSpec(
        "icbChiefNurseAssuredDhrHealthRecs",
        "Has the ICB chief nurse assured the DHR health recommendations?",
        Kind.RADIOS,
        DHR_QUESTIONS,
        description="DHR only: has the ICB chief nurse assured the health recommendations?",
        choices=AssuranceAnswer,
        dhr_only=True,
    ),
    FieldSpec(
        "regionalChiefNurseContentToAcceptDhrHealthRecs",
        "Is the regional chief nurse content to accept the DHR health recommendations?",
        Kind.RADIOS,
        DHR_QUESTIONS,
        description="DHR only, set by the regional team: is the regional chief nurse content to accept them?",
        choices=AssuranceAnswer,
        regional_only=True,
        dhr_only=True,
    ),
)
"""The fields a client sets (``CaseFields``)."""

SERVER_FIELD_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("caseId", "Case id", Kind.TEXT),
    FieldSpec("reference", "Reference", Kind.TEXT),
    FieldSpec("version", "Version", Kind.NUMBER),
    FieldSpec("regionCode", "Region", Kind.TEXT),
    FieldSpec("createdAt", "Created", Kind.TIMESTAMP),
    FieldSpec("createdBy", "Created by", Kind.TEXT),
    FieldSpec(
        "createdByName",
        "Created by (name)",
        Kind.TEXT,
        description="The name of the person who recorded the case, when their sign-in gave one.",
    ),
    FieldSpec("updatedAt", "Last updated", Kind.TIMESTAMP),
    FieldSpec("updatedBy", "Last updated by", Kind.TEXT),
    FieldSpec(
        "updatedByName",
        "Last updated by (name)",
        Kind.TEXT,
        description="The name of the person who made this version, when their sign-in gave one.",
    ),
)
"""The fields the server owns (``ServerFields``): shown, never typed."""

CLIENT_FIELDS_BY_NAME = {spec.name: spec for spec in CLIENT_FIELD_SPECS}
_EVERY_SPEC = (
    *CLIENT_FIELD_SPECS,
    *SERVER_FIELD_SPECS,
    *(part for spec in CLIENT_FIELD_SPECS for part in spec.parts),
)


def client_field(name: str) -> FieldSpec:
    return CLIENT_FIELDS_BY_NAME[name]


def server_field(name: str) -> FieldSpec:
    return next(spec for spec in SERVER_FIELD_SPECS if spec.name == name)


def row_part(rows: str, name: str) -> FieldSpec:
    return next(part for part in client_field(rows).parts if part.name == name)


def _named(*kinds: Kind) -> frozenset[str]:
    return frozenset(spec.name for spec in _EVERY_SPEC if spec.kind in kinds)


FIELD_LABELS = {spec.name: spec.label for spec in _EVERY_SPEC}
"""Every field's label by its name, row parts too (a name has one label wherever it stands)."""
DATE_FIELDS = _named(Kind.DATE)
TIMESTAMP_FIELDS = _named(Kind.TIMESTAMP)
PROVIDER_CODE_FIELDS = _named(Kind.PROVIDER_CODES, Kind.PROVIDER_CODE)
CODED_FIELDS = frozenset(spec.name for spec in _EVERY_SPEC if spec.choices is not None)
REGIONAL_ONLY_FIELDS = frozenset(spec.name for spec in CLIENT_FIELD_SPECS if spec.regional_only)
DHR_ONLY_FIELDS = tuple(spec.name for spec in CLIENT_FIELD_SPECS if spec.dhr_only)
