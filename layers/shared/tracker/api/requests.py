"""The JSON API's edge: headers, query strings and bodies become typed commands.

Nothing here decides; it only reads. What cannot be read becomes ``Unreadable`` inside the command,
so the use case still answers in the contract's order.
"""

import base64
import binascii
import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Protocol

from tracker import clock
from tracker.errors import FieldError, TooLarge, UnreadableInput, UnsupportedFormat
from tracker.logic.commands import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    NO_OWNING_PROVIDER,
    ListCases,
    ReadContactsHistory,
    ReadHistory,
    ReplaceContacts,
    SubmitCase,
    Unreadable,
    UpdateCase,
    VersionCondition,
)
from tracker.logic.numbers import whole_number
from tracker.models.case import Timeliness, is_ods_code
from tracker.models.enums import (
    CaseStatus,
    DisseminationMethod,
    RecommendationStatus,
    ReviewType,
    Stage,
    Theme,
)
from tracker.reference import ReferenceData

MERGE_PATCH_MEDIA_TYPE = "application/merge-patch+json"
PATCH_MEDIA_TYPES = frozenset({MERGE_PATCH_MEDIA_TYPE, "application/json"})
MAX_BODY_BYTES = 512 * 1024
"""Larger bodies are refused (413) before they are parsed; a case is at most 256 KiB stored."""
FIGURE_PARAMETERS = (
    "decidedFrom",
    "decidedTo",
    "timeliness",
    "theme",
    "learningMethod",
    "learnedFrom",
    "learnedTo",
    "recommendationStatus",
    "recommendationTheme",
    "recommendationOwner",
    "recommendationOverdue",
)
"""The list's filters behind the overview's figures (``ListCases``' fields of the same meaning)."""
LIST_PARAMETERS = frozenset(
    {
        "reviewType",
        "status",
        "stage",
        "icbCode",
        "overdue",
        "updatedSince",
        "limit",
        "cursor",
        *FIGURE_PARAMETERS,
    }
)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
HISTORY_PARAMETERS = frozenset({"limit", "cursor"})


def _malformed() -> Unreadable:
    return Unreadable(UnreadableInput("The body is not valid JSON.", [FieldError("", "is not valid JSON")]))


class ProxyEvent(Protocol):
    """What of Powertools' API Gateway event a body is read from."""

    @property
    def body(self) -> str | None: ...

    @property
    def is_base64_encoded(self) -> bool | None: ...


def request_body(event: ProxyEvent) -> str | bytes | None:
    """The body as sent: API Gateway hands every body over base64-encoded (every media type is binary
    to the API, for the web app's uploads), and so does the local gateway."""
    body = event.body
    if not body or not event.is_base64_encoded:
        return body or None
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:  # never from API Gateway: read as the text it is, and refused as such
        return body


def read_json_body(raw_body: str | bytes | None) -> Any:
    """The parsed body (None when empty), or ``Unreadable``: never raises on bad input."""
    if not raw_body:
        return None
    size = len(raw_body) if isinstance(raw_body, bytes) else len(raw_body.encode("utf-8", "surrogatepass"))
    if size > MAX_BODY_BYTES:
        return Unreadable(
            TooLarge(
                f"The body is larger than the {MAX_BODY_BYTES // 1024} KiB this API accepts.",
                [FieldError("", f"must not be larger than {MAX_BODY_BYTES} bytes")],
            )
        )
    if isinstance(raw_body, bytes):
        try:
            raw_body = raw_body.decode("utf-8")
        except UnicodeDecodeError:  # JSON is UTF-8 (RFC 8259 8.1): anything else is malformed
            return _malformed()
    try:
        return json.loads(raw_body)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting is malformed too
        return _malformed()


def submit_command(raw_body: str | bytes | None, idempotency_key: str | None) -> SubmitCase:
    document = read_json_body(raw_body) if raw_body else _empty()
    return SubmitCase(document=document, idempotency_key=idempotency_key)


DRY_RUN_PARAMETER = "dryRun"


def dry_run_flag(parameters: Mapping[str, str] | None) -> bool | Unreadable:
    """``POST /cases?dryRun=true``: check the submission by every rule and record nothing. Absent or
    ``false`` records; any other value cannot be read (400, in its turn: after access)."""
    raw = (parameters or {}).get(DRY_RUN_PARAMETER)
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    return Unreadable(
        UnreadableInput(
            "The query is not valid.", [FieldError(DRY_RUN_PARAMETER, "must be true or false", "query")]
        )
    )


def _empty() -> Unreadable:
    return Unreadable(UnreadableInput("The body is empty.", [FieldError("", "must be a JSON object")]))


def version_condition(if_match: str | None) -> VersionCondition | None:
    """If-Match (RFC 9110) as the versions a change may apply to; None when the header is absent.

    Comparison is strong, so a weak ``W/"3"`` never matches; what is not an ETag matches nothing.
    """
    if if_match is None:
        return None
    versions = set()
    tags = {tag.strip() for tag in if_match.split(",")}
    for tag in tags:
        inner = tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else ""
        version = whole_number(inner)
        if version is not None:
            versions.add(version)
    return VersionCondition(versions=frozenset(versions), any_version="*" in tags)


def _document_in(
    raw_body: str | bytes | None, content_type: str | None, accepted: frozenset[str], what: str
) -> Any:
    """The body's JSON if it came as one of the ``accepted`` media types; else why it cannot be read."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in accepted:
        return Unreadable(
            UnsupportedFormat(
                f"Send the {what} as {' or '.join(sorted(accepted))}.",
                [FieldError("Content-Type", "is not a supported media type", "header")],
            )
        )
    if not raw_body:
        return _empty()
    return read_json_body(raw_body)


def update_command(
    case_id: str, raw_body: str | bytes | None, if_match: str | None, content_type: str | None
) -> UpdateCase:
    patch = _document_in(raw_body, content_type, PATCH_MEDIA_TYPES, "patch")
    return UpdateCase(case_id=case_id, patch=patch, expected=version_condition(if_match))


class _QueryProblems:
    def __init__(self, parameters: Mapping[str, str], allowed: frozenset[str]) -> None:
        self.parameters = parameters
        self.found: list[FieldError] = [
            FieldError(name, "is not a parameter of this resource", "query")
            for name in sorted(parameters.keys() - allowed)
        ]

    def bad(self, name: str, detail: str) -> None:
        self.found.append(FieldError(name, detail, "query"))

    def enum_value(self, name: str, enum: type[Any]) -> Any:
        raw = self.parameters.get(name)
        if raw is None:
            return None
        try:
            return enum(raw)
        except ValueError:
            self.bad(name, f"must be one of {', '.join(member.value for member in enum)}")
            return None

    def enum_values(self, name: str, enum: type[Any]) -> frozenset[Any]:
        """One or more of the enumeration's values, comma-separated (``OVERDUE,OPEN``)."""
        raw = self.parameters.get(name)
        if raw is None:
            return frozenset()
        try:
            return frozenset(enum(value) for value in raw.split(","))
        except ValueError:
            self.bad(
                name, f"must be one or more of {', '.join(member.value for member in enum)}, comma-separated"
            )
            return frozenset()

    def flag(self, name: str) -> bool | None:
        raw = self.parameters.get(name)
        if raw is None:
            return None
        if raw not in ("true", "false"):
            self.bad(name, "must be true or false")
        return raw == "true"

    def day(self, name: str) -> date | None:
        raw = self.parameters.get(name)
        if raw is None:
            return None
        try:
            if not ISO_DATE.fullmatch(raw):
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            self.bad(name, "must be a date (YYYY-MM-DD)")
            return None

    def date_range(self, start: str, end: str) -> tuple[date | None, date | None]:
        """Both ends included; an end before the start is named at the end."""
        first, last = self.day(start), self.day(end)
        if first is not None and last is not None and last < first:
            self.bad(end, f"must be on or after {start}")
        return first, last

    def limit(self) -> int:
        raw = self.parameters.get("limit")
        if raw is None:
            return DEFAULT_PAGE_SIZE
        limit = whole_number(raw)
        if limit is None or not 1 <= limit <= MAX_PAGE_SIZE:
            self.bad("limit", f"must be a whole number from 1 to {MAX_PAGE_SIZE}")
            return DEFAULT_PAGE_SIZE
        return limit

    def cursor(self) -> str | None:
        raw = self.parameters.get("cursor")
        if raw == "":
            self.bad("cursor", "must not be empty: leave it out for the first page")
        return raw or None

    def raise_if_any(self, detail: str) -> None:
        if self.found:
            raise UnreadableInput(detail, self.found)


def list_command(parameters: Mapping[str, str], reference: ReferenceData) -> ListCases:
    """Query-string parameters into ``ListCases``; a bad or unknown value is unreadable (400)."""
    problems = _QueryProblems(parameters, LIST_PARAMETERS)
    review_type = problems.enum_value("reviewType", ReviewType)
    status = problems.enum_value("status", CaseStatus)
    stage = problems.enum_value("stage", Stage)
    icb_code = parameters.get("icbCode")
    if icb_code is not None and reference.icb(icb_code) is None:
        problems.bad("icbCode", "is not a known ICB code")
    overdue = problems.flag("overdue")
    updated_since = None
    if "updatedSince" in parameters:
        raw = parameters["updatedSince"]
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if moment.tzinfo is None and "T" in raw:
                raise ValueError("naive")
            updated_since = (
                clock.format_timestamp(moment) if "T" in raw else date.fromisoformat(raw).isoformat()
            )
        except (ValueError, OverflowError):  # OverflowError: a real time beyond year 1 or 9999 in UTC
            problems.bad("updatedSince", "must be a date (YYYY-MM-DD) or a UTC time (YYYY-MM-DDThh:mm:ssZ)")
    decided_from, decided_to = problems.date_range("decidedFrom", "decidedTo")
    timeliness = problems.enum_values("timeliness", Timeliness)
    theme = problems.enum_value("theme", Theme)
    learning_method = problems.enum_value("learningMethod", DisseminationMethod)
    learned_from, learned_to = problems.date_range("learnedFrom", "learnedTo")
    recommendation_status = problems.enum_value("recommendationStatus", RecommendationStatus)
    recommendation_theme = problems.enum_value("recommendationTheme", Theme)
    owner = parameters.get("recommendationOwner")
    # Any ODS code, not only the open trusts': a closed trust's recommendations are counted under its
    # code, and a filter only narrows what the caller may read.
    if owner is not None and not is_ods_code(owner):
        problems.bad(
            "recommendationOwner",
            f"must be a provider's ODS code (3 to 5 capitals or digits), or {NO_OWNING_PROVIDER}",
        )
    recommendation_overdue = problems.flag("recommendationOverdue")
    limit = problems.limit()
    cursor = problems.cursor()
    problems.raise_if_any("The list query is not valid.")
    return ListCases(
        review_type=review_type,
        status=status,
        stage=stage,
        icb_code=icb_code,
        overdue=overdue,
        updated_since=updated_since,
        decided_from=decided_from,
        decided_to=decided_to,
        timeliness=timeliness,
        theme=theme,
        learning_method=learning_method,
        learned_from=learned_from,
        learned_to=learned_to,
        recommendation_status=recommendation_status,
        recommendation_theme=recommendation_theme,
        recommendation_owner=owner,
        recommendation_overdue=recommendation_overdue,
        limit=limit,
        cursor=cursor,
    )


def _history_window(parameters: Mapping[str, str]) -> tuple[int | Unreadable, str | None]:
    """A history query's limit and cursor; a bad parameter makes the limit unreadable, to be raised
    only once the thing is known to be visible (404 first)."""
    problems = _QueryProblems(parameters, HISTORY_PARAMETERS)
    limit: int | Unreadable = problems.limit()
    cursor = problems.cursor()
    if problems.found:
        limit = Unreadable(UnreadableInput("The history query is not valid.", problems.found))
    return limit, cursor


def history_command(case_id: str, parameters: Mapping[str, str]) -> ReadHistory:
    limit, cursor = _history_window(parameters)
    return ReadHistory(case_id=case_id, limit=limit, cursor=cursor)


CONTACTS_MEDIA_TYPE = "application/json"


def contacts_command(
    icb_code: str, raw_body: str | bytes | None, if_match: str | None, content_type: str | None
) -> ReplaceContacts:
    """``PUT /icbs/{icbCode}/contacts``: the body as the client wrote it, and its If-Match."""
    document = _document_in(raw_body, content_type, frozenset({CONTACTS_MEDIA_TYPE}), "contacts")
    return ReplaceContacts(icb_code=icb_code, document=document, expected=version_condition(if_match))


def contacts_history_command(icb_code: str, parameters: Mapping[str, str]) -> ReadContactsHistory:
    limit, cursor = _history_window(parameters)
    return ReadContactsHistory(icb_code=icb_code, limit=limit, cursor=cursor)
