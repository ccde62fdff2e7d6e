"""An ICB's reminder contacts as a page: the addresses its weekly overdue digest goes to, who
changed them and when, and (for the ICB's editors) the form that replaces them.

Access, validation and versions are the contacts use cases' own (``ContactService``): a viewer
reads, an editor of the ICB (or of a successor) writes, anyone else is answered 404 or 403 as for
a case. The form carries the version it was read at, so a stale save writes nothing and shows what
changed meanwhile.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from tracker.access import Caller
from tracker.error_statuses import kind_of
from tracker.errors import FieldError, InvalidInput, NotAllowed, UnreadableInput, VersionMismatch
from tracker.logic.commands import (
    MAX_PAGE_SIZE,
    ReadContactsHistory,
    ReplaceContacts,
    VersionCondition,
)
from tracker.logic.numbers import whole_number
from tracker.models.contacts import MAX_CONTACTS, ContactsChange, IcbContacts
from tracker.web.display import icb_name
from tracker.web.forms import VERSION_FIELD, FormErrors, quoted
from tracker.web.http import WebResponse, redirect
from tracker.web.labels import format_time, readable_detail
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
        message = f"{label} {readable_detail(error.detail)}"
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


class ContactsPages(Pages):
    def routes(self) -> Routes:
        return {
            ("GET", "/app/icbs/{icbCode}/contacts"): self.contacts_page,
            ("POST", "/app/icbs/{icbCode}/contacts"): self.contacts_submit,
        }

    def contacts_page(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        icb_code = context.request.path_parameters.get("icbCode", "")
        contacts = self.services.contact_service().get(
            caller, icb_code
        )  # 404 or 403 before anything is shown
        return self._render(context, contacts)

    def contacts_submit(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        request = context.request
        icb_code = request.path_parameters.get("icbCode", "")
        service = self.services.contact_service()
        typed = request.form_value(EMAILS_FIELD)
        emails = split_addresses(typed)
        based_on = whole_number(request.form_value(VERSION_FIELD).strip())
        if based_on is None:
            # Refused as a save would be (404, then 403 for whoever may not change them), else unreadable.
            service.get(caller, icb_code)
            if not self.services.policy.can_edit_contacts(caller, icb_code):
                raise NotAllowed(f"The {caller.role.value} role cannot change an ICB's contacts.")
            raise UnreadableInput(
                "The form could not be read.", [FieldError(VERSION_FIELD, "must be a whole number")]
            )
        command = ReplaceContacts(icb_code, {"emails": emails}, VersionCondition(frozenset({based_on})))
        try:
            service.replace(caller, command)  # refuses a viewer (403) or a stranger (404) first
        except InvalidInput as invalid:
            current = service.get(caller, icb_code)
            errors = contacts_errors(invalid.errors, emails)
            return self._render(
                context,
                current,
                typed=typed,
                version=based_on,
                errors=errors,
                status=kind_of(invalid, posted_form=True).status,
            )
        except VersionMismatch as stale:
            return self._conflict(
                context, icb_code, emails, based_on, kind_of(stale, posted_form=True).status
            )
        return redirect(self.site.url(f"{APP_PREFIX}/icbs/{icb_code}/contacts?saved=1"), 303)

    def _render(
        self,
        context: Context,
        contacts: IcbContacts,
        *,
        typed: str | None = None,
        version: int | None = None,
        errors: FormErrors | None = None,
        conflict: Conflict | None = None,
        status: int = 200,
    ) -> WebResponse:
        caller = context.require_caller()
        own_url = self.site.url(f"{APP_PREFIX}/icbs/{contacts.icb_code}/contacts")
        # One page of the contacts' history per view: a long history is paged, never read whole.
        window = history_window(context.request, contacts.version)
        service = self.services.contact_service()
        changes = read_window(
            window,
            lambda after, limit: service.history(
                caller, ReadContactsHistory(contacts.icb_code, limit, after_version=after)
            ),
        )
        updated = contacts.model_dump(mode="json", by_alias=True).get("updatedAt")

        def render(history: ShownHistory) -> WebResponse:
            return self.site.page(
                "contacts.html",
                context,
                status,
                icb=icb_name(self.services.reference(), contacts.icb_code),
                contacts=contacts,
                updated=format_time(updated) if updated else "",
                history=history,
                may_change=self.services.policy.can_edit_contacts(caller, contacts.icb_code),
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
            lambda change: render_macro(HISTORY_TEMPLATE, "contacts_version", _history_row(change)),
            contacts.version,
        )

    def _conflict(
        self, context: Context, icb_code: str, emails: list[str], based_on: int, status: int
    ) -> WebResponse:
        """Nothing was written: the page shows who saved meanwhile, the list then and now, and the form
        again holding this user's list at the current version, to check and save again."""
        caller = context.require_caller()
        current = self.services.contact_service().get(caller, icb_code)
        later = self._changes_since(caller, icb_code, based_on, current.version)
        conflict = Conflict(
            who=sorted({change.changed_by for change in later or []}),
            # The list as the form was read: what the first later change started from.
            before=later[0].before if later else None,
            now=current.emails,
            mine=emails,
        )
        return self._render(
            context,
            current,
            typed="\n".join(emails),
            version=current.version,
            conflict=conflict,
            status=status,
        )

    def _changes_since(
        self, caller: Caller, icb_code: str, based_on: int, latest: int
    ) -> list[ContactsChange] | None:
        """The changes saved after ``based_on``, for the conflict page, in one bounded read of only
        those. None when more than ``MAX_PAGE_SIZE`` were saved meanwhile (the page then shows the list
        now and the user's, without the list as it was read)."""
        if based_on < 0 or latest - based_on > MAX_PAGE_SIZE:
            return None
        command = ReadContactsHistory(icb_code, MAX_PAGE_SIZE, after_version=based_on)
        later = self.services.contact_service().history(caller, command).items
        if not later or later[-1].version < latest or later[0].version != based_on + 1:
            return None
        return later


def _history_row(change: ContactsChange) -> dict[str, Any]:
    stamp = change.model_dump(mode="json", by_alias=True)["changedAt"]
    return {
        "version": change.version,
        "when": format_time(stamp),
        "who": change.changed_by,
        "before": change.before,
        "after": change.after,
    }
