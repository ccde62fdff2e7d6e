"""An ICB's or a region's reminder contacts as a page: the addresses its weekly digest goes to, who
changed them and when, and (for whoever keeps them) the form that replaces them.

Access, validation and versions are the contacts use cases' own (``ContactService``): an ICB's
viewer reads, an editor of the ICB (or of a successor) writes; a region's are its regional team's
to read and write; anyone else is answered 404 or 403 as for a case. The form carries the version
it was read at, so a stale save writes nothing and shows what changed meanwhile.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tracker.access import Caller
from tracker.error_statuses import kind_of
from tracker.errors import FieldError, InvalidInput, NotAllowed, UnreadableInput, VersionMismatch
from tracker.logic.commands import (
    MAX_PAGE_SIZE,
    ContactsHistoryPage,
    ReadContactsHistory,
    ReplaceContacts,
    VersionCondition,
)
from tracker.logic.numbers import whole_number
from tracker.models.contacts import MAX_CONTACTS, ContactsChange, IcbContacts, RegionContacts
from tracker.reference import REGION_NAMES
from tracker.web.display import icb_name, person_namer
from tracker.web.forms import VERSION_FIELD, FormErrors, quoted
from tracker.web.http import WebResponse, redirect
from tracker.web.labels import format_time
from tracker.web.messages import field_message
from tracker.web.paging import HISTORY_TEMPLATE, ShownHistory, history_window, page_with_history, read_window
from tracker.web.rendering import render_macro
from tracker.web.site import APP_PREFIX, Context, Pages, Routes

EMAILS_FIELD = "emails"
EMAILS_LABEL = "Email addresses"
_POSITION = re.compile(r"^emails\[(\d+)\]$")


def split_addresses(text: str) -> list[str]:
    """Addresses as typed into the box: one a line (commas, semicolons and spaces also part them,
    as when a list is pasted from an email). Whether each is an address is the domain's answer."""
    return [address for address in re.split(r"[\s,;]+", text) if address]


def contacts_errors(errors: list[FieldError], emails: list[str]) -> FormErrors:
    """The domain's errors beside the one box, each naming the address it is about."""
    placed = FormErrors()
    for error in errors:
        position = _POSITION.match(error.field)
        if position and int(position.group(1)) < len(emails):
            index = int(position.group(1))
            label = f"Email address {index + 1} ({quoted(emails[index])})"
        else:
            label = EMAILS_LABEL
        message = field_message(label, error.detail)
        placed.by_element.setdefault(EMAILS_FIELD, message)
        placed.summary.append({"text": message, "href": f"#{EMAILS_FIELD}"})
    return placed


@dataclass
class Conflict:
    """Someone saved the contacts after this form was read."""

    who: list[str]
    before: list[str] | None  # when the form was read (None: not read, the history being long)
    now: list[str]
    mine: list[str] = field(default_factory=list)


Contacts = IcbContacts | RegionContacts


@dataclass(frozen=True)
class Keeping:
    """Whose contacts a page shows, and the use cases and policy answers that go with them."""

    code: str
    name: str
    is_region: bool
    path: str
    get: Callable[[Caller, str], Contacts]
    replace: Callable[[Caller, ReplaceContacts], Contacts]
    history: Callable[[Caller, ReadContactsHistory], ContactsHistoryPage]
    may_change: Callable[[Caller, str], bool]


class ContactsPages(Pages):
    def routes(self) -> Routes:
        return {
            ("GET", "/app/icbs/{icbCode}/contacts"): self.contacts_page,
            ("POST", "/app/icbs/{icbCode}/contacts"): self.contacts_submit,
            ("GET", "/app/regions/{regionCode}/contacts"): self.contacts_page,
            ("POST", "/app/regions/{regionCode}/contacts"): self.contacts_submit,
        }

    def _keeping(self, context: Context) -> Keeping:
        """The ICB's contacts under /app/icbs, the region's under /app/regions, never the other's."""
        parameters = context.request.path_parameters
        service = self.services.contact_service()
        policy = self.services.policy
        if "regionCode" in parameters:
            code = parameters.get("regionCode", "")
            return Keeping(
                code,
                REGION_NAMES.get(code, code),
                True,
                f"{APP_PREFIX}/regions/{code}/contacts",
                service.get_region,
                service.replace_region,
                service.region_history,
                policy.can_edit_region_contacts,
            )
        code = parameters.get("icbCode", "")
        return Keeping(
            code,
            icb_name(self.services.reference(), code),
            False,
            f"{APP_PREFIX}/icbs/{code}/contacts",
            service.get,
            service.replace,
            service.history,
            policy.can_edit_contacts,
        )

    def contacts_page(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        keeping = self._keeping(context)
        contacts = keeping.get(caller, keeping.code)  # 404 or 403 before anything is shown
        return self._render(context, keeping, contacts)

    def contacts_submit(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        request = context.request
        keeping = self._keeping(context)
        typed = request.form_value(EMAILS_FIELD)
        emails = split_addresses(typed)
        based_on = whole_number(request.form_value(VERSION_FIELD).strip())
        if based_on is None:
            # Refused as a save would be (404, then 403 for whoever may not change them), else unreadable.
            keeping.get(caller, keeping.code)
            if not keeping.may_change(caller, keeping.code):
                raise NotAllowed(f"The {caller.role.value} role cannot change these contacts.")
            raise UnreadableInput(
                "The form could not be read.", [FieldError(VERSION_FIELD, "must be a whole number")]
            )
        command = ReplaceContacts(keeping.code, {"emails": emails}, VersionCondition(frozenset({based_on})))
        try:
            keeping.replace(caller, command)  # refuses a viewer (403) or a stranger (404) first
        except InvalidInput as invalid:
            current = keeping.get(caller, keeping.code)
            errors = contacts_errors(invalid.errors, emails)
            return self._render(
                context,
                keeping,
                current,
                typed=typed,
                version=based_on,
                errors=errors,
                status=kind_of(invalid, posted_form=True).status,
            )
        except VersionMismatch as stale:
            return self._conflict(context, keeping, emails, based_on, kind_of(stale, posted_form=True).status)
        return redirect(self.site.url(f"{keeping.path}?saved=1"), 303)

    def _person(self, audit_name: str | None) -> str:
        """Who changed the contacts as people read them: the role at the organisation, never the
        identifier (contacts record no person's name)."""
        return person_namer(self.services.reference())(audit_name or "", None)

    def _render(
        self,
        context: Context,
        keeping: Keeping,
        contacts: Contacts,
        *,
        typed: str | None = None,
        version: int | None = None,
        errors: FormErrors | None = None,
        conflict: Conflict | None = None,
        status: int = 200,
    ) -> WebResponse:
        caller = context.require_caller()
        own_url = self.site.url(keeping.path)
        # One page of the contacts' history per view: a long history is paged, never read whole.
        window = history_window(context.request, contacts.version)
        changes = read_window(
            window,
            lambda after, limit: keeping.history(
                caller, ReadContactsHistory(keeping.code, limit, after_version=after)
            ),
        )
        updated = contacts.model_dump(mode="json", by_alias=True).get("updatedAt")

        def render(history: ShownHistory) -> WebResponse:
            return self.site.page(
                "contacts.html",
                context,
                status,
                icb=keeping.name,
                is_region=keeping.is_region,
                contacts=contacts,
                updated=format_time(updated) if updated else "",
                updated_by=self._person(contacts.updated_by),
                history=history,
                may_change=keeping.may_change(caller, keeping.code),
                typed="\n".join(contacts.emails) if typed is None else typed,
                version=contacts.version if version is None else version,
                errors=errors or FormErrors(),
                conflict=conflict,
                max_contacts=MAX_CONTACTS,
                saved=context.request.query_value("saved") == "1",
                action=own_url,
                emails_field=EMAILS_FIELD,
            )

        return page_with_history(
            render,
            own_url,
            window,
            changes,
            lambda change: render_macro(
                HISTORY_TEMPLATE, "contacts_version", _history_row(change, self._person(change.changed_by))
            ),
            contacts.version,
        )

    def _conflict(
        self, context: Context, keeping: Keeping, emails: list[str], based_on: int, status: int
    ) -> WebResponse:
        """Nothing was written: the page shows who saved meanwhile, the list then and now, and the form
        again holding this user's list at the current version, to check and save again."""
        caller = context.require_caller()
        current = keeping.get(caller, keeping.code)
        later = self._changes_since(caller, keeping, based_on, current.version)
        conflict = Conflict(
            who=sorted({self._person(change.changed_by) for change in later or []}),
            # The list as the form was read: what the first later change started from.
            before=later[0].before if later else None,
            now=current.emails,
            mine=emails,
        )
        return self._render(
            context,
            keeping,
            current,
            typed="\n".join(emails),
            version=current.version,
            conflict=conflict,
            status=status,
        )

    def _changes_since(
        self, caller: Caller, keeping: Keeping, based_on: int, latest: int
    ) -> list[ContactsChange] | None:
        """The changes saved after ``based_on``, for the conflict page, in one bounded read of only
        those. None when more than ``MAX_PAGE_SIZE`` were saved meanwhile (the page then shows the list
        now and the user's, without the list as it was read)."""
        if based_on < 0 or latest - based_on > MAX_PAGE_SIZE:
            return None
        command = ReadContactsHistory(keeping.code, MAX_PAGE_SIZE, after_version=based_on)
        later = keeping.history(caller, command).items
        if not later or later[-1].version < latest or later[0].version != based_on + 1:
            return None
        return later


def _history_row(change: ContactsChange, who: str) -> dict[str, Any]:
    stamp = change.model_dump(mode="json", by_alias=True)["changedAt"]
    return {
        "version": change.version,
        "when": format_time(stamp),
        "who": who,
        "before": change.before,
        "after": change.after,
    }
