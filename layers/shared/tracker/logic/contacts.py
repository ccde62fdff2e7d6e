"""An ICB's or a region's safeguarding contacts: read, replace (optimistic concurrency, like a case)
and history.

A region's are kept in the same store as an ICB's, by the region's code (the store's record holds
it as its ``icbCode``; ODS codes of regions and ICBs never overlap): the ICB methods answer only for
ICBs and the ``*_region`` methods only for regions, each asking the access policy its own question.

The same order of answers as the case use cases: not visible, then not allowed, then a missing or
stale version, then unreadable input, then invalid input. Addresses are never logged.
"""

from collections.abc import Callable

from pydantic import ValidationError

from tracker import clock
from tracker.access import AccessDenied, AccessPolicy, Caller
from tracker.errors import (
    COMMAND,
    FieldError,
    InvalidInput,
    PreconditionMissing,
)
from tracker.logic.commands import (
    EXPECTED_VERSION,
    ContactsHistoryPage,
    ReadContactsHistory,
    ReplaceContacts,
    read,
)
from tracker.logic.cursor import CursorCodec, history_start
from tracker.logic.ports import ContactStore, VersionConflict
from tracker.logic.refusals import refused, stale
from tracker.models.contacts import (
    ContactsChange,
    ContactsDocument,
    IcbContacts,
    RegionContacts,
    same_address,
)
from tracker.rules.case_rules import field_errors_from_pydantic

NOT_FOUND = "No contacts for this ICB."
REGION_NOT_FOUND = "No contacts for this region."
CHANGED = "The contacts have changed since you read them: fetch them again and reapply your change."


def validate_contacts(document: object) -> list[str]:
    """The addresses of a ``{"emails": [...]}`` document, or ``InvalidInput`` naming each bad one."""
    if not isinstance(document, dict):
        raise InvalidInput("The body must be a JSON object.", [FieldError("", "must be a JSON object")])
    try:
        emails = ContactsDocument.model_validate(document).emails
    except ValidationError as error:
        raise InvalidInput("The contacts are not valid.", field_errors_from_pydantic(error)) from None
    seen: dict[str, int] = {}
    repeated = []
    for position, address in enumerate(emails):
        if same_address(address) in seen:
            repeated.append(FieldError(f"emails[{position}]", "repeats an address already listed"))
        seen.setdefault(same_address(address), position)
    if repeated:
        raise InvalidInput("The contacts are not valid.", repeated)
    return emails


class ContactService:
    def __init__(
        self, store: ContactStore, policy: AccessPolicy, cursor_codec: Callable[[], CursorCodec]
    ) -> None:
        self._store = store
        self._policy = policy
        self._cursor_codec = cursor_codec

    def _current(self, icb_code: str) -> IcbContacts:
        return self._store.get(icb_code) or IcbContacts.model_validate({"icbCode": icb_code, "version": 0})

    def get(self, caller: Caller, icb_code: str) -> IcbContacts:
        try:
            self._policy.ensure_can_read_contacts(caller, icb_code)
        except AccessDenied as denied:
            raise refused(denied, NOT_FOUND) from None
        return self._current(icb_code)

    def replace(self, caller: Caller, command: ReplaceContacts) -> IcbContacts:
        try:
            self._policy.ensure_can_edit_contacts(caller, command.icb_code)
        except AccessDenied as denied:
            raise refused(denied, NOT_FOUND) from None
        return self._replace(caller, command)

    def _replace(self, caller: Caller, command: ReplaceContacts) -> IcbContacts:
        """The change, once the caller may make it: a missing or stale version, then invalid input."""
        current = self._current(command.icb_code)
        if command.expected is None:
            raise PreconditionMissing(
                "Say which version of the contacts the change is based on.",
                [FieldError(EXPECTED_VERSION, "is required", COMMAND)],
            )
        if not command.expected.allows(current.version):
            raise stale(CHANGED)
        emails = validate_contacts(read(command.document))
        if emails == current.emails:
            return current  # nothing changed: no new version, no history entry
        now = clock.now_utc()
        contacts = IcbContacts.model_validate(
            {
                "icbCode": command.icb_code,
                "emails": emails,
                "version": current.version + 1,
                "updatedAt": now,
                "updatedBy": caller.audit_name,
            }
        )
        change = ContactsChange.model_validate(
            {
                "version": contacts.version,
                "changedAt": now,
                "changedBy": caller.audit_name,
                "before": current.emails,
                "after": emails,
            }
        )
        try:
            self._store.put(contacts, change, current.version)
        except VersionConflict:
            raise stale(CHANGED) from None
        return contacts

    def history(self, caller: Caller, query: ReadContactsHistory) -> ContactsHistoryPage:
        try:
            self._policy.ensure_can_read_contacts(caller, query.icb_code)
        except AccessDenied as denied:
            raise refused(denied, NOT_FOUND) from None
        return self._history(caller, query)

    def _history(self, caller: Caller, query: ReadContactsHistory) -> ContactsHistoryPage:
        limit = read(query.limit)
        scope = f"contacts-history:{query.icb_code}:{caller.audit_name}:{limit}"
        after = history_start(self._cursor_codec, scope, query.cursor, query.after_version)
        changes = self._store.changes(query.icb_code, after_version=after, limit=limit + 1)
        page = changes[:limit]
        more = len(changes) > limit
        next_cursor = self._cursor_codec().encode(str(page[-1].version), scope) if more and page else None
        return ContactsHistoryPage(items=page, next_cursor=next_cursor)

    # -- a region's (the commands' ``icb_code`` holds the region's code) ------------------------

    def _ensure_keeps_region(self, caller: Caller, region_code: str) -> None:
        try:
            self._policy.ensure_can_keep_region_contacts(caller, region_code)
        except AccessDenied as denied:
            raise refused(denied, REGION_NOT_FOUND) from None

    def get_region(self, caller: Caller, region_code: str) -> RegionContacts:
        self._ensure_keeps_region(caller, region_code)
        return RegionContacts.of(self._current(region_code))

    def replace_region(self, caller: Caller, command: ReplaceContacts) -> RegionContacts:
        self._ensure_keeps_region(caller, command.icb_code)
        return RegionContacts.of(self._replace(caller, command))

    def region_history(self, caller: Caller, query: ReadContactsHistory) -> ContactsHistoryPage:
        self._ensure_keeps_region(caller, query.icb_code)
        return self._history(caller, query)

    def recipients(self, icb_code: str) -> list[str]:
        """The addresses a job sends an ICB's or a region's mail to (no caller: the reminder job's
        own read)."""
        return self._current(icb_code).emails
