"""The case use cases: submit, update, read, list and history, with access enforced on each.

Each takes the caller and a typed command (``tracker.logic.commands``) and returns domain objects
or raises domain errors, in the order callers rely on: not visible, then not allowed, then a
missing or stale version, then unreadable input, then invalid input.
"""

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from pydantic import BaseModel

from tracker import clock
from tracker.access import AccessDenied, AccessPolicy, Caller, ListScope
from tracker.errors import (
    COMMAND,
    FieldError,
    InProgress,
    InvalidInput,
    NotVisible,
    PreconditionMissing,
    UnreadableInput,
)
from tracker.logic.commands import (
    EXPECTED_VERSION,
    IDEMPOTENCY_KEY,
    NO_OWNING_PROVIDER,
    Awaiting,
    CasePage,
    HistoryPage,
    ListCases,
    ReadHistory,
    SubmitCase,
    Unreadable,
    UpdateCase,
    field_names,
    read,
)
from tracker.logic.cursor import CursorCodec, history_start
from tracker.logic.merge_patch import apply_merge_patch
from tracker.logic.ports import (
    CaseFilters,
    CaseStore,
    KeyInProgress,
    KeyReused,
    ReadLimitReached,
    SubmissionLedger,
    VersionConflict,
)
from tracker.logic.refusals import refused, stale
from tracker.models.case import (
    CLIENT_FIELDS,
    Case,
    CaseFields,
    HistoryEntry,
    person_name,
    without_restricted_text,
)
from tracker.models.enums import DHR_REVIEW_TYPES, AssuranceAnswer, CaseStatus, ReviewType
from tracker.models.fields import DHR_ONLY_FIELDS
from tracker.reference import ReferenceData
from tracker.response_size import carried_bytes
from tracker.rules.case_rules import (
    consistency_problems,
    reject_server_owned,
    unknown_provider_problems,
    validate_case_fields,
)
from tracker.rules.deadlines import compute_deadlines
from tracker.rules.providers import closed_provider_problems

MAX_CASE_BYTES = 256 * 1024
"""A stored case (and each history version) stays well under DynamoDB's 400 KB item limit."""
MAX_PAGE_BYTES = 4 * 1024 * 1024
"""The bytes a page of cases or versions may take in the response (``response_bytes``): under
Lambda's 6 MiB response payload limit with room for the envelope and headers. Items are measured
singly, so an item that would cross it ends the page; one alone always fits (a case is at most
``MAX_CASE_BYTES`` stored, about twice that once escaped)."""
MAX_IDEMPOTENCY_KEY_LENGTH = 128
MIN_ITEMS_READ = 100
"""A list request reads at most ``list_read_limit(limit)`` items from each partition of its scope."""


def list_read_limit(limit: int) -> int:
    """Items a list request may read per partition: a few pages' worth, so a rare filter value
    costs a bounded read and a short page with a cursor, never a read to the partition's end."""
    return max(MIN_ITEMS_READ, 4 * (limit + 1))


DHR_REVIEW_TYPE_VALUES = frozenset(review_type.value for review_type in DHR_REVIEW_TYPES)
REFERENCE = re.compile(r"[A-Z0-9]{3,5}-[0-9]{4}-[0-9]{4,}")
"""A case's reference as ``_record`` writes it: ``<ICB code>-<year>-<number, 4 digits or more>``."""
_UNANSWERED = (None, AssuranceAnswer.PENDING)


def awaits(case: Case, awaiting: Awaiting) -> bool:
    """Whether an open DHR waits for this answer: the ICB's assurance first, then the region's."""
    if case.review_type not in DHR_REVIEW_TYPES or case.status is not CaseStatus.OPEN:
        return False
    icb_answer = case.icb_chief_nurse_assured_dhr_health_recs
    if awaiting is Awaiting.ICB_DHR_ANSWER:
        return icb_answer in _UNANSWERED
    return (
        icb_answer is AssuranceAnswer.YES
        and case.regional_chief_nurse_content_to_accept_dhr_health_recs in _UNANSWERED
    )


def _wanted_review_types(query: ListCases) -> frozenset[ReviewType] | None:
    """The review types a list may show (None: any); every filter on the type must hold."""
    wanted: frozenset[ReviewType] | None = None
    for allowed in (
        frozenset({query.review_type}) if query.review_type is not None else None,
        query.review_types or None,
        DHR_REVIEW_TYPES if query.awaiting is not None else None,
    ):
        if allowed is not None:
            wanted = allowed if wanted is None else wanted & allowed
    return wanted


def _found_by_search(case: Case, search: str) -> bool:
    """The whole reference, or part of the local reference, in any letter case."""
    term = search.strip().casefold()
    local = (case.local_reference or "").casefold()
    return case.reference.casefold() == term or (bool(term) and term in local)


def _in_range(day: date, start: date | None, end: date | None) -> bool:
    """Whether ``day`` is within the range, both ends included (an open end: no bound)."""
    return (start is None or day >= start) and (end is None or day <= end)


def _shared_learning(query: ListCases, case: Case) -> bool:
    """Whether one learning event of the case has the method and a date in the range asked for."""
    return any(
        (query.learning_method is None or event.method is query.learning_method)
        and _in_range(event.date, query.learned_from, query.learned_to)
        for event in case.learning_dissemination or ()
    )


def _matches(
    query: ListCases, case: Case, review_types: frozenset[ReviewType] | None, *, searched: bool = True
) -> bool:
    """The list's filters that no index serves and no deadline decides, judged on one case."""
    if review_types is not None and case.review_type not in review_types:
        return False
    if query.region_code is not None and case.region_code != query.region_code:
        return False
    if query.awaiting is not None and not awaits(case, query.awaiting):
        return False
    if not _in_range(case.date_added, query.decided_from, query.decided_to):
        return False
    if query.theme is not None and query.theme not in case.themes:
        return False
    if query.filters_learning and not _shared_learning(query, case):
        return False
    return not (searched and query.search and not _found_by_search(case, query.search))


def _has_recommendation(query: ListCases, case: Case) -> bool:
    """Whether one recommendation of the case has every property asked for (status, theme, owner,
    overdue), as the overview counts recommendations: one at a time, not across a case's several."""
    overdue_ids = set(case.deadlines.overdue_recommendation_ids)
    return any(
        (query.recommendation_status is None or recommendation.status is query.recommendation_status)
        and (query.recommendation_theme is None or recommendation.theme is query.recommendation_theme)
        and (
            query.recommendation_owner is None
            or (recommendation.owner_provider_code or NO_OWNING_PROVIDER) == query.recommendation_owner
        )
        and (
            query.recommendation_overdue is None
            or (recommendation.recommendation_id in overdue_ids) is query.recommendation_overdue
        )
        for recommendation in case.recommendations or ()
    )


def _meets_deadline_filters(query: ListCases, case: Case) -> bool:
    """The list's filters judged on the case's deadlines as of today (``case`` carries them)."""
    if query.overdue is not None and case.deadlines.overdue != query.overdue:
        return False
    if query.timeliness and case.deadlines.timeliness not in query.timeliness:
        return False
    return not query.filters_recommendations or _has_recommendation(query, case)


def _in_list_scope(scope: ListScope, case: Case) -> bool:
    """Whether a list of this scope reads the case (by its ICB, its region or a provider named)."""
    if case.icb_code in scope.icb_codes or case.region_code in scope.region_codes:
        return True
    named = set(case.providers_involved or ()) & set(scope.provider_codes)
    return bool(named) and scope.provider_icb_code in (None, case.icb_code)


NOT_FOUND = "No case with this id."
CHANGED = "The case has changed since you read it: fetch it again and reapply your change."


def _not_found() -> NotVisible:
    return NotVisible(NOT_FOUND)


def _is_case_id(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _json_size(record: Any) -> int:
    return len(json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode())


def response_bytes(item: BaseModel) -> int:
    """The UTF-8 bytes ``item`` takes in a Lambda response, with the comma after it: its JSON as the
    API writes it (without nulls), carried in the proxy response's body."""
    return carried_bytes(item.model_dump_json(exclude_none=True)) + 1


def _ensure_storable(record: dict[str, Any]) -> None:
    if _json_size(record) > MAX_CASE_BYTES:
        raise InvalidInput(
            f"The case record is larger than the {MAX_CASE_BYTES // 1024} KiB a case may hold.",
            [FieldError("", f"must not be larger than {MAX_CASE_BYTES} bytes as JSON")],
        )


def _require_key_length(key: str) -> None:
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise UnreadableInput(
            "The idempotency key is not valid.",
            [FieldError(IDEMPOTENCY_KEY, f"must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters", COMMAND)],
        )


def history_entry(case: Case, changed_fields: list[str]) -> HistoryEntry:
    """The history entry recording that ``case`` is a new version with these fields changed."""
    return HistoryEntry.model_validate(
        {
            "version": case.version,
            "changedAt": case.updated_at,
            "changedBy": case.updated_by,
            "changedByName": case.updated_by_name,
            "changedFields": changed_fields,
            "case": case,
        }
    )


def _providers_named(case: Case) -> frozenset[str]:
    """Every provider code the case already carries (as involved or as a recommendation's owner)."""
    owners = {r.owner_provider_code for r in case.recommendations or [] if r.owner_provider_code}
    return frozenset(case.providers_involved or ()) | owners


class CaseService:
    def __init__(
        self,
        store: CaseStore,
        policy: AccessPolicy,
        reference: ReferenceData,
        cursor_codec: Callable[[], CursorCodec],
        ledger: Callable[[], SubmissionLedger] | None = None,
    ) -> None:
        self._store = store
        self._policy = policy
        self._reference = reference
        self._cursor_codec = cursor_codec
        self._ledger = ledger

    # -- reading ---------------------------------------------------------------------------

    def _visible(self, caller: Caller, case_id: str) -> Case:
        case = self._store.get(case_id) if _is_case_id(case_id) else None
        if case is None or not self._may_read(caller, case):
            raise _not_found()
        return case

    def _may_read(self, caller: Caller, case: Case) -> bool:
        return self._policy.can_read(caller, case.icb_code, case.region_code, case.providers_involved or ())

    def _as_seen_by(self, caller: Caller, case: Case) -> Case:
        """The case as this caller may receive it: restricted text left out of the body for a provider."""
        return case if self._policy.sees_restricted_text(caller) else without_restricted_text(case)

    def with_deadlines(self, case: Case, today: date | None = None) -> Case:
        return case.model_copy(update={"deadlines": compute_deadlines(case, today or clock.today_london())})

    def get(self, caller: Caller, case_id: str) -> Case:
        return self.with_deadlines(self._as_seen_by(caller, self._visible(caller, case_id)))

    def history(self, caller: Caller, query: ReadHistory) -> HistoryPage:
        self._visible(caller, query.case_id)
        limit = read(query.limit)
        scope = f"history:{query.case_id}:{caller.audit_name}:{limit}"
        after = history_start(self._cursor_codec, scope, query.cursor, query.after_version)
        entries = self._store.versions(query.case_id, after_version=after, limit=limit + 1)
        today = clock.today_london()
        page: list[HistoryEntry] = []
        size = 0
        hidden = self._policy.hidden_fields(caller)
        for entry in entries[:limit]:
            # Every version is filtered as the case is: a provider never reads restricted text of the
            # past, nor that it changed.
            seen = self._as_seen_by(caller, entry.case)
            changed = [name for name in entry.changed_fields if name not in hidden]
            entry = entry.model_copy(
                update={"case": self.with_deadlines(seen, today), "changed_fields": changed}
            )
            size += response_bytes(entry)
            if page and size > MAX_PAGE_BYTES:
                break
            page.append(entry)
        more = len(page) < len(entries)
        next_cursor = self._cursor_codec().encode(str(page[-1].version), scope) if more and page else None
        return HistoryPage(items=page, next_cursor=next_cursor)

    def list(self, caller: Caller, query: ListCases) -> CasePage:
        scope = query.cursor_scope(caller.audit_name)
        before = self._cursor_codec().decode(query.cursor, scope) if query.cursor else None
        today = clock.today_london()
        if query.search and REFERENCE.fullmatch(query.search.strip().upper()) and not query.cursor:
            found = self._found_by_reference(caller, query)
            if found.items:
                return found
            # Not a visible case's reference: it may still be (part of) a local reference.
        review_types = _wanted_review_types(query)
        filters = CaseFilters(
            # The store filters on one review type; several (both DHR types) are judged case by case.
            review_type=next(iter(review_types)) if review_types and len(review_types) == 1 else None,
            # A DHR question waits only while the review is open.
            status=CaseStatus.OPEN if query.awaiting is not None and query.status is None else query.status,
            stage=query.stage,
            updated_since=query.updated_since,
            overdue=query.overdue,
            as_of=today,
        )
        read_scope = self._within_region(self._policy.list_scope(caller, query.icb_code), query.region_code)
        page: list[tuple[str, Case]] = []
        size = 0
        resume_at: str | None = None
        if not read_scope.is_empty and review_types != frozenset():
            pairs = self._store.cases_in_scope(
                read_scope,
                filters,
                before=before,
                page_size=query.limit + 1,
                read_limit=list_read_limit(query.limit),
            )
            try:
                for position, case in pairs:
                    # Defence in depth: the store only reads within scope, but check each case too.
                    if not self._may_read(caller, case) or not _matches(query, case, review_types):
                        continue
                    case = self.with_deadlines(self._as_seen_by(caller, case), today)
                    if not _meets_deadline_filters(query, case):
                        continue
                    size += response_bytes(case)
                    if len(page) == query.limit or (page and size > MAX_PAGE_BYTES):
                        resume_at = page[-1][0]
                        break
                    page.append((position, case))
            except ReadLimitReached as reached:
                # Filters left the page short: what was found, and a cursor past what was read.
                resume_at = reached.position
        next_cursor = self._cursor_codec().encode(resume_at, scope) if resume_at is not None else None
        return CasePage(items=[case for _, case in page], next_cursor=next_cursor)

    def _within_region(self, scope: ListScope, region_code: str | None) -> ListScope:
        """The scope narrowed to one region's partitions (a filter narrows, never widens)."""
        if region_code is None:
            return scope
        return replace(
            scope,
            icb_codes=tuple(
                code for code in scope.icb_codes if self._reference.region_of(code) == region_code
            ),
            region_codes=tuple(code for code in scope.region_codes if code == region_code),
        )

    def _found_by_reference(self, caller: Caller, query: ListCases) -> CasePage:
        """A search for a whole reference: that case alone, if visible and the other filters hold."""
        assert query.search is not None
        try:
            case = self.find_by_reference(caller, query.search)
        except NotVisible:
            return CasePage(items=[])
        in_scope = self._within_region(self._policy.list_scope(caller, query.icb_code), query.region_code)
        review_types = _wanted_review_types(query)
        if not _in_list_scope(in_scope, case) or not _matches(query, case, review_types, searched=False):
            return CasePage(items=[])
        if any(
            wanted is not None and wanted != actual
            for wanted, actual in ((query.status, case.status), (query.stage, case.stage))
        ) or (
            query.updated_since is not None
            and case.model_dump(mode="json")["updatedAt"] < query.updated_since
        ):
            return CasePage(items=[])
        if not _meets_deadline_filters(query, case):
            return CasePage(items=[])
        return CasePage(items=[case])

    def list_pages(self, caller: Caller, query: ListCases, max_pages: int) -> CasePage:
        """Up to ``max_pages`` pages of the list from ``query``'s cursor, as one page: every case they
        held, and the cursor after the last (none when the list ended). For a page a person opens
        that counts from several pages of the list (a trust's overview)."""
        items: list[Case] = []
        cursor = query.cursor
        for _ in range(max_pages):
            page = self.list(caller, replace(query, cursor=cursor))
            items.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        return CasePage(items, cursor)

    def find_by_reference(self, caller: Caller, reference: str) -> Case:
        """The case with this reference (``QE1-2026-0075``, in any letter case), as ``get`` answers:
        a case the caller may not read is answered as one that does not exist.

        No index is keyed by reference: the reference's own ICB is read first (where a case is
        recorded, and most stay), then, in one read, the other ICBs of its lineage (where an editor
        can have moved it: a predecessor's or a successor's), each within the caller's scope; a
        trust reads its own links instead, as its list does. A reference nobody recorded reads at
        most its lineage's cases (a trust's, its links), never the caller's whole scope; one naming
        an ICB nobody knows reads nothing.
        """
        wanted = reference.strip().upper()
        if not REFERENCE.fullmatch(wanted):
            raise _not_found()
        recorded_in = wanted.split("-", 1)[0]
        lineage = self._reference.lineage(recorded_in)
        if not lineage:
            raise _not_found()
        first = self._policy.list_scope(caller, recorded_in)
        rest = self._policy.lookup_scope(caller, lineage - {recorded_in})
        for scope in (first, rest):
            if scope.is_empty:
                continue
            for _, case in self._store.cases_in_scope(scope, CaseFilters(), before=None, page_size=100):
                if case.reference == wanted and self._may_read(caller, case):
                    return self.with_deadlines(self._as_seen_by(caller, case))
        raise _not_found()

    def reference_of(self, caller: Caller, case_id: str) -> str | None:
        """The reference of a case the caller may read, for showing a link to it; None otherwise."""
        try:
            return self._visible(caller, case_id).reference
        except NotVisible:
            return None

    # -- writing ---------------------------------------------------------------------------

    def _require_current_icb(self, icb_code: str) -> None:
        if icb_code not in self._reference.current_icb_codes(clock.today_london()):
            raise InvalidInput(
                "The ICB is not a current integrated care board.",
                [FieldError("icbCode", "must be the ODS code of a current ICB")],
            )

    def _require_known_providers(
        self, fields: CaseFields, already_named: frozenset[str] = frozenset()
    ) -> None:
        errors = unknown_provider_problems(fields, self._reference.provider_codes, already_named)
        if errors:
            raise InvalidInput("The case names a provider that is not known.", errors)

    def _require_open_providers(
        self, fields: CaseFields, already_named: frozenset[str] = frozenset()
    ) -> None:
        errors = closed_provider_problems(fields, self._reference, already_named)
        if errors:
            raise InvalidInput("The case names a trust that had closed by the date of the incident.", errors)

    def _require_can_submit(self, caller: Caller, document: Any) -> None:
        claimed_icb = document.get("icbCode") if isinstance(document, dict) else None
        # A field sent as null sets nothing, so only fields with a value count.
        setting = frozenset(name for name in field_names(document) if document.get(name) is not None)
        try:
            self._policy.ensure_can_submit(
                caller, claimed_icb if isinstance(claimed_icb, str) else caller.org, setting
            )
        except AccessDenied as denied:
            raise refused(denied, NOT_FOUND) from None

    def submit(self, caller: Caller, command: SubmitCase) -> Case:
        """Record a new case, at most once per idempotency key."""
        self._require_can_submit(caller, command.document)
        document = read(command.document)
        key = read(command.idempotency_key)
        if key is None:
            return self._record(caller, document)
        _require_key_length(key)
        if self._ledger is None:
            raise RuntimeError("this service was built without a submission ledger")
        # The parts are encoded, not joined, so no two callers' keys can collide.
        ledger_key = json.dumps([caller.role.value, caller.org, caller.sub, key])
        try:
            case_id = self._ledger().submit_once(
                ledger_key, document, lambda: self._record(caller, document).case_id
            )
        except KeyReused:
            raise InvalidInput(
                "This idempotency key was already used with a different case.",
                [FieldError(IDEMPOTENCY_KEY, "was used with a different body", COMMAND)],
            ) from None
        except KeyInProgress:
            raise InProgress(
                "A submission with this idempotency key is still in progress: retry shortly.",
                [FieldError(IDEMPOTENCY_KEY, "is in progress", COMMAND)],
            ) from None
        return self.first_version(caller, case_id)

    def check_submission(
        self, caller: Caller, command: SubmitCase, dry_run: bool | Unreadable = True
    ) -> CaseFields:
        """What ``submit`` would record, judged by every rule it applies in the same order (access,
        then what cannot be read, then the record's rules, the identifier guard, the ICB and the
        providers), writing nothing: no case, no reference number taken, no idempotency record.
        ``dry_run`` is the entry point's reading of its flag, raised in its turn when unreadable."""
        self._require_can_submit(caller, command.document)
        read(dry_run)
        document = read(command.document)
        key = read(command.idempotency_key)
        if key is not None:
            _require_key_length(key)
        return self._checked(document)

    def first_version(self, caller: Caller, case_id: str) -> Case:
        """The case as it was first recorded: an idempotent replay answers with this."""
        self._visible(caller, case_id)
        first = self._store.versions(case_id, after_version=0, limit=1)[0]
        return self.with_deadlines(first.case)

    def _checked(self, document: Any) -> CaseFields:
        """The submitted record, once every rule of a new case holds."""
        fields = validate_case_fields(document)
        self._require_current_icb(fields.icb_code)
        self._require_known_providers(fields)
        self._require_open_providers(fields)
        _ensure_storable(fields.model_dump(mode="json", exclude_none=True))
        return fields

    def _record(self, caller: Caller, document: Any) -> Case:
        fields = self._checked(document)
        submitted = fields.model_dump(mode="json", exclude_none=True)
        now = clock.now_utc()
        region_code = self._reference.region_of(fields.icb_code)
        assert region_code is not None  # a current ICB always has a region
        number = self._store.next_reference_number(fields.icb_code, now.year)
        timestamp = clock.format_timestamp(now)
        case = Case.model_validate(
            {
                **submitted,
                "caseId": str(uuid.uuid4()),
                "reference": f"{fields.icb_code}-{now.year}-{number:04d}",
                "version": 1,
                "regionCode": region_code,
                "createdAt": timestamp,
                "createdBy": caller.audit_name,
                "createdByName": person_name(caller.name),
                "updatedAt": timestamp,
                "updatedBy": caller.audit_name,
                "updatedByName": person_name(caller.name),
            }
        )
        self._store.create(case, history_entry(case, sorted(submitted)))
        return self.with_deadlines(case)

    def update(self, caller: Caller, command: UpdateCase) -> Case:
        """Apply a JSON merge patch to the version the caller read."""
        current = self._visible(caller, command.case_id)
        before = current.model_dump(mode="json", exclude_none=True, include=set(CaseFields.model_fields))
        # What the patch would change, not what it names: sending a field's current value (or null
        # for an absent one) changes nothing and needs no permission.
        patch_so_far = command.patch if isinstance(command.patch, dict) else {}
        changing = frozenset(name for name in patch_so_far if patch_so_far[name] != before.get(name))
        try:
            self._policy.ensure_can_edit(
                caller, current.icb_code, current.region_code, changing, current.providers_involved or ()
            )
            new_icb = patch_so_far.get("icbCode")
            if isinstance(new_icb, str) and new_icb != current.icb_code:
                self._policy.ensure_can_move_to(caller, new_icb)
        except AccessDenied as denied:
            raise refused(denied, NOT_FOUND) from None
        if command.expected is None:
            raise PreconditionMissing(
                "Say which version of the case the change is based on.",
                [FieldError(EXPECTED_VERSION, "is required", COMMAND)],
            )
        if not command.expected.allows(current.version):
            raise stale(CHANGED)
        patch = read(command.patch)
        if not isinstance(patch, dict):
            raise InvalidInput(
                "A merge patch must be a JSON object.", [FieldError("", "must be a JSON object")]
            )
        reject_server_owned(patch)

        merged = apply_merge_patch(before, patch)
        # The DHR questions no longer apply once a review stops being a DHR: their answers go
        # (recorded in history), so the ICB can correct the type after the region has answered.
        if (
            isinstance(merged, dict)
            and "reviewType" in changing
            and not (
                isinstance(merged.get("reviewType"), str) and merged["reviewType"] in DHR_REVIEW_TYPE_VALUES
            )
        ):
            for name in DHR_ONLY_FIELDS:
                merged.pop(name, None)
        # A case stored before a consistency rule existed stays editable: only breaches the change
        # introduces are refused (decisions: records that make sense).
        fields = validate_case_fields(merged, tolerated=consistency_problems(current))
        if fields.icb_code != current.icb_code:
            self._require_current_icb(fields.icb_code)
        self._require_known_providers(fields, _providers_named(current))
        # A closed trust the case names was right for its incident date: kept while that date stands.
        unchanged_incident = fields.incident_date == current.incident_date
        self._require_open_providers(fields, _providers_named(current) if unchanged_incident else frozenset())
        after = fields.model_dump(mode="json", exclude_none=True)
        changed = sorted(name for name in CLIENT_FIELDS if before.get(name) != after.get(name))
        if not changed:
            return self.with_deadlines(current)  # nothing changed: no new version, no history entry
        _ensure_storable(after)

        region_code = self._reference.region_of(fields.icb_code)
        assert region_code is not None
        case = Case.model_validate(
            {
                **after,
                **current.model_dump(
                    mode="json",
                    include={"case_id", "reference", "created_at", "created_by", "created_by_name"},
                ),
                "version": current.version + 1,
                "regionCode": region_code,
                "updatedAt": clock.format_timestamp(clock.now_utc()),
                "updatedBy": caller.audit_name,
                "updatedByName": person_name(caller.name),
            }
        )
        try:
            self._store.replace(case, history_entry(case, changed), current.version)
        except VersionConflict:
            raise stale(CHANGED) from None
        return self.with_deadlines(case)
