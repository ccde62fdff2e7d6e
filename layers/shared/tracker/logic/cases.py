"""The case use cases: submit, update, read, list and history, with access enforced on each."""

import heapq
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tracker import clock
from tracker.access import AccessDenied, AccessPolicy, Caller, Refusal
from tracker.dal.cases import CaseRepository, VersionConflict
from tracker.dal.items import case_item, history_item, strip_keys
from tracker.errors import (
    BadRequest,
    FieldError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unprocessable,
    UnsupportedMediaType,
)
from tracker.logic.cursor import CursorCodec
from tracker.logic.deadlines import compute_deadlines
from tracker.logic.merge_patch import apply_merge_patch
from tracker.logic.validation import reject_server_owned, validate_case_fields
from tracker.models.case import CLIENT_FIELDS, Case, CaseFields, HistoryEntry
from tracker.models.enums import CaseStatus, ReviewType, Stage
from tracker.reference import ReferenceData

MERGE_PATCH_MEDIA_TYPE = "application/merge-patch+json"
PATCH_MEDIA_TYPES = frozenset({MERGE_PATCH_MEDIA_TYPE, "application/json"})
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
LIST_PARAMETERS = frozenset(
    {"reviewType", "status", "stage", "icbCode", "overdue", "updatedSince", "limit", "cursor"}
)


def parse_json(raw_body: str | None) -> tuple[Any, bool]:
    """The parsed body (None when empty) and whether it was malformed; never raises on bad input."""
    if not raw_body:
        return None, False
    try:
        return json.loads(raw_body), False
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting is malformed too
        return None, True


def _is_case_id(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _not_found() -> NotFound:
    return NotFound("No case with this id.")


def _as_domain_error(denied: AccessDenied) -> NotFound | Forbidden:
    if denied.refusal is Refusal.NOT_VISIBLE:
        return _not_found()
    return Forbidden(
        denied.detail, [FieldError(denied.field, "may not be set by this caller")] if denied.field else []
    )


@dataclass(frozen=True)
class CaseListQuery:
    review_type: ReviewType | None = None
    status: CaseStatus | None = None
    stage: Stage | None = None
    icb_code: str | None = None
    overdue: bool | None = None
    updated_since: str | None = None  # a timestamp prefix, compared with index sort keys
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    def scope(self, caller: Caller) -> str:
        """What a cursor is bound to: the caller and every filter, but not the page position."""
        return json.dumps(
            [
                caller.role,
                caller.org,
                self.review_type,
                self.status,
                self.stage,
                self.icb_code,
                self.overdue,
                self.updated_since,
                self.limit,
            ]
        )


def parse_list_query(parameters: Mapping[str, str], reference: ReferenceData) -> CaseListQuery:
    """Query-string parameters into a ``CaseListQuery``; a bad or unknown value is a 400."""
    problems: list[FieldError] = []

    def bad(name: str, detail: str) -> None:
        problems.append(FieldError(name, detail, "query"))

    for name in sorted(parameters.keys() - LIST_PARAMETERS):
        bad(name, "is not a filter of this list")

    def enum_value(name: str, enum: type[Any]) -> Any:
        raw = parameters.get(name)
        if raw is None:
            return None
        try:
            return enum(raw)
        except ValueError:
            bad(name, f"must be one of {', '.join(member.value for member in enum)}")
            return None

    review_type = enum_value("reviewType", ReviewType)
    status = enum_value("status", CaseStatus)
    stage = enum_value("stage", Stage)
    icb_code = parameters.get("icbCode")
    if icb_code is not None and reference.icb(icb_code) is None:
        bad("icbCode", "is not a known ICB code")
    overdue = None
    if "overdue" in parameters:
        if parameters["overdue"] not in ("true", "false"):
            bad("overdue", "must be true or false")
        overdue = parameters["overdue"] == "true"
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
        except ValueError:
            bad("updatedSince", "must be a date (YYYY-MM-DD) or a UTC time (YYYY-MM-DDThh:mm:ssZ)")
    limit = DEFAULT_LIMIT
    if "limit" in parameters:
        raw_limit = parameters["limit"]
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
            bad("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
        else:
            limit = int(raw_limit)
    if problems:
        raise BadRequest("The list query is not valid.", problems)
    return CaseListQuery(
        review_type=review_type,
        status=status,
        stage=stage,
        icb_code=icb_code,
        overdue=overdue,
        updated_since=updated_since,
        limit=limit,
        cursor=parameters.get("cursor"),
    )


def check_if_match(header: str | None, current_version: int) -> None:
    """If-Match (RFC 9110): 428 when missing; 412 unless it lists the current ETag or is ``*``.

    Comparison is strong, so a weak ``W/"3"`` never matches.
    """
    if header is None:
        raise PreconditionRequired(
            "Send If-Match with the case's ETag to update it.",
            [FieldError("If-Match", "is required", "header")],
        )
    tags = {tag.strip() for tag in header.split(",")}
    if "*" in tags or f'"{current_version}"' in tags:
        return
    raise PreconditionFailed(
        "The case has changed since you read it: fetch it again and reapply your change.",
        [FieldError("If-Match", "does not match the current version", "header")],
    )


def _keyed_by_position(
    sort_key: str, items: Iterator[dict[str, Any]]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Pairs of (index sort key, item): the position every partition is merged and paged by."""
    for item in items:
        yield item[sort_key], item


class CaseService:
    def __init__(
        self,
        repository: CaseRepository,
        policy: AccessPolicy,
        reference: ReferenceData,
        cursor_codec: Callable[[], CursorCodec],
    ) -> None:
        self._repository = repository
        self._policy = policy
        self._reference = reference
        self._cursor_codec = cursor_codec

    # -- reading ---------------------------------------------------------------------------

    def _load(self, caller: Caller, case_id: str) -> Case:
        if not _is_case_id(case_id):
            raise _not_found()
        item = self._repository.get_case(case_id)
        if item is None:
            raise _not_found()
        case = Case.model_validate(strip_keys(item))
        if not self._policy.can_read(caller, case.icb_code, case.region_code):
            raise _not_found()
        return case

    def with_deadlines(self, case: Case, today: date | None = None) -> Case:
        return case.model_copy(update={"deadlines": compute_deadlines(case, today or clock.today_london())})

    def get(self, caller: Caller, case_id: str) -> Case:
        return self.with_deadlines(self._load(caller, case_id))

    def first_version(self, caller: Caller, case_id: str) -> Case:
        """The case as it was first recorded: an idempotent replay answers with this."""
        self._load(caller, case_id)
        first = self._repository.history(case_id)[0]
        return self.with_deadlines(Case.model_validate(first["case"]))

    def history(self, caller: Caller, case_id: str) -> list[HistoryEntry]:
        self._load(caller, case_id)
        today = clock.today_london()
        entries = []
        for item in self._repository.history(case_id):
            version_case = self.with_deadlines(Case.model_validate(item["case"]), today)
            entries.append(
                HistoryEntry.model_validate(
                    {
                        "version": item["version"],
                        "changedAt": item["changedAt"],
                        "changedBy": item["changedBy"],
                        "changedFields": item["changedFields"],
                        "case": version_case.model_dump(mode="json"),
                    }
                )
            )
        return entries

    def list(self, caller: Caller, query: CaseListQuery) -> tuple[list[Case], str | None]:
        scope = query.scope(caller)
        before = self._cursor_codec().decode(query.cursor, scope) if query.cursor else None
        partitions = self._policy.list_partitions(caller, query.icb_code)
        equals = {
            name: str(value)
            for name, value in (
                ("reviewType", query.review_type),
                ("status", query.status),
                ("stage", query.stage),
            )
            if value is not None
        }
        page_size = min(MAX_LIMIT + 1, query.limit + 1)
        streams = [
            _keyed_by_position(
                partition.index.sort_key,
                self._repository.iter_partition(
                    partition.index,
                    partition.key,
                    before=before,
                    since=query.updated_since,
                    equals=equals,
                    page_size=page_size,
                ),
            )
            for partition in partitions
        ]
        today = clock.today_london()
        page: list[tuple[str, Case]] = []
        for position, item in heapq.merge(*streams, key=lambda pair: pair[0], reverse=True):
            case = Case.model_validate(strip_keys(item))
            # Defence in depth: a partition is only ever read within scope, but check each case too.
            if not self._policy.can_read(caller, case.icb_code, case.region_code):
                continue
            case = self.with_deadlines(case, today)
            if query.overdue is not None and case.deadlines.overdue != query.overdue:
                continue
            page.append((position, case))
            if len(page) > query.limit:
                break
        next_cursor = None
        if len(page) > query.limit:
            page = page[: query.limit]
            next_cursor = self._cursor_codec().encode(page[-1][0], scope)
        return [case for _, case in page], next_cursor

    # -- writing ---------------------------------------------------------------------------

    def _current_icb(self, icb_code: str) -> None:
        if icb_code not in self._reference.current_icb_codes(clock.today_london()):
            raise Unprocessable(
                "The ICB is not a current integrated care board.",
                [FieldError("icbCode", "must be the ODS code of a current ICB")],
            )

    def submit(self, caller: Caller, raw_body: str | None) -> Case:
        """Record a new case. Errors come in the contract's order: 403, 400, 422."""
        body, malformed = parse_json(raw_body)
        self.ensure_can_submit(caller, body)
        if malformed:
            raise BadRequest("The body is not valid JSON.", [FieldError("", "is not valid JSON")])
        return self.submit_document(caller, body)

    def ensure_can_submit(self, caller: Caller, body: Any) -> None:
        claimed_icb = body.get("icbCode") if isinstance(body, dict) else None
        fields = frozenset(body) if isinstance(body, dict) else frozenset()
        try:
            self._policy.ensure_can_submit(
                caller, claimed_icb if isinstance(claimed_icb, str) else caller.org, fields
            )
        except AccessDenied as denied:
            raise _as_domain_error(denied) from None

    def submit_document(self, caller: Caller, body: Any) -> Case:
        """Record a new case from its parsed JSON body (the caller may submit: see ``ensure_can_submit``)."""
        fields = validate_case_fields(body)
        self._current_icb(fields.icb_code)
        now = clock.now_utc()
        region_code = self._reference.region_of(fields.icb_code)
        assert region_code is not None  # a current ICB always has a region
        number = self._repository.next_reference_number(fields.icb_code, now.year)
        timestamp = clock.format_timestamp(now)
        record = {
            **fields.model_dump(mode="json", exclude_none=True),
            "caseId": str(uuid.uuid4()),
            "reference": f"{fields.icb_code}-{now.year}-{number:04d}",
            "version": 1,
            "regionCode": region_code,
            "createdAt": timestamp,
            "createdBy": caller.audit_name,
            "updatedAt": timestamp,
            "updatedBy": caller.audit_name,
        }
        case = Case.model_validate(record)
        changed = sorted(fields.model_dump(mode="json", exclude_none=True))
        self._repository.create(case_item(record), history_item(record, changed))
        return self.with_deadlines(case)

    def update(
        self,
        caller: Caller,
        case_id: str,
        raw_body: str | None,
        if_match: str | None,
        content_type: str | None = MERGE_PATCH_MEDIA_TYPE,
    ) -> Case:
        """Apply a JSON merge patch. Errors come in the contract's order: 404, 403, 428, 412, 400, 422."""
        current = self._load(caller, case_id)
        patch, malformed = parse_json(raw_body)
        patched_names = frozenset(patch) if isinstance(patch, dict) else frozenset()
        try:
            self._policy.ensure_can_edit(caller, current.icb_code, current.region_code, patched_names)
            new_icb = patch.get("icbCode") if isinstance(patch, dict) else None
            if isinstance(new_icb, str) and new_icb != current.icb_code:
                self._policy.ensure_can_move_to(caller, new_icb)
        except AccessDenied as denied:
            raise _as_domain_error(denied) from None
        check_if_match(if_match, current.version)
        media_type = (content_type or "").split(";")[0].strip().lower()
        if media_type not in PATCH_MEDIA_TYPES:
            raise UnsupportedMediaType(
                f"Send the patch as {' or '.join(sorted(PATCH_MEDIA_TYPES))}.",
                [FieldError("Content-Type", "is not a supported media type", "header")],
            )
        if malformed or raw_body is None:
            raise BadRequest("The body is not valid JSON.", [FieldError("", "must be a JSON object")])
        if not isinstance(patch, dict):
            raise Unprocessable(
                "A merge patch must be a JSON object.", [FieldError("", "must be a JSON object")]
            )
        reject_server_owned(patch)

        before = current.model_dump(mode="json", exclude_none=True, include=set(CaseFields.model_fields))
        fields = validate_case_fields(apply_merge_patch(before, patch))
        if fields.icb_code != current.icb_code:
            self._current_icb(fields.icb_code)
        after = fields.model_dump(mode="json", exclude_none=True)
        changed = sorted(name for name in CLIENT_FIELDS if before.get(name) != after.get(name))
        if not changed:
            return self.with_deadlines(current)  # nothing changed: no new version, no history entry

        region_code = self._reference.region_of(fields.icb_code)
        assert region_code is not None
        record = {
            **after,
            **current.model_dump(mode="json", include={"case_id", "reference", "created_at", "created_by"}),
            "version": current.version + 1,
            "regionCode": region_code,
            "updatedAt": clock.format_timestamp(clock.now_utc()),
            "updatedBy": caller.audit_name,
        }
        case = Case.model_validate(record)
        try:
            self._repository.replace(case_item(record), history_item(record, changed), current.version)
        except VersionConflict:
            raise PreconditionFailed(
                "The case has changed since you read it: fetch it again and reapply your change.",
                [FieldError("If-Match", "does not match the current version", "header")],
            ) from None
        return self.with_deadlines(case)
