"""One case: its page (every field the caller may see, deadlines, recommendations, a page of its
history), and editing it by section, with the conflict page when someone saved first."""

from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Any
from urllib.parse import urlencode

from tracker.access import Caller
from tracker.error_statuses import kind_of
from tracker.errors import FieldError, InvalidInput, NotAllowed, UnreadableInput, VersionMismatch
from tracker.logic.commands import MAX_PAGE_SIZE, ReadHistory, UpdateCase, VersionCondition
from tracker.logic.numbers import whole_number
from tracker.models.case import CLIENT_FIELDS, Case, HistoryEntry
from tracker.models.fields import REGIONAL_ONLY_FIELDS
from tracker.response_size import carried_bytes
from tracker.web.case_links import LinkedCase, linked_case, with_case_ids, with_references
from tracker.web.case_list import BACK_PARAMETER, back_to_list
from tracker.web.display import (
    case_rows,
    deadline_rows,
    field_changes,
    history_rows,
    person_namer,
    provider_namer,
    recommendation_cells,
    recommendation_headings,
    show,
)
from tracker.web.forms import (
    VERSION_FIELD,
    FormErrors,
    Section,
    form_values,
    parse_form,
    place_errors,
    sections_for,
)
from tracker.web.http import WebResponse, redirect
from tracker.web.labels import field_label, format_time
from tracker.web.paging import (
    ANCHOR,
    HISTORY_TEMPLATE,
    HistoryLinks,
    ShownHistory,
    history_window,
    page_with_history,
    read_window,
)
from tracker.web.provider_lookup import provider_lookup_html
from tracker.web.rendering import MAX_BODY_BYTES, render_macro
from tracker.web.site import APP_PREFIX, Context, Pages, Routes

SECTION_FIELD = "section"
SHORTENED_VALUE_CHARS = 2_000
"""How much of each value someone else saved a conflict page shows when the page would not fit
``MAX_BODY_BYTES`` whole (every value of two versions of the largest case, and the user's own)."""
SHORTENED_NOTE = " … (shortened here: the whole text is on the case page and in its history)"
SAVED_FIELD = "saved"
SAVED = "1"
UNCHANGED = "0"
"""What the case page says after a save: the case was saved, or the save changed nothing."""


class CasePages(Pages):
    def routes(self) -> Routes:
        return {
            ("GET", "/app/cases/{caseId}"): self.case_page,
            ("GET", "/app/cases/{caseId}/edit"): self.edit_form,
            ("POST", "/app/cases/{caseId}/edit"): self.edit_submit,
        }

    def case_page(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        case_id = context.request.path_parameters.get("caseId", "")
        service = self.services.case_service()
        case = service.get(caller, case_id)
        document = case.model_dump(mode="json", by_alias=True, exclude_none=True)
        hidden = self.services.policy.hidden_fields(caller)
        named = provider_namer(self.services.reference())
        # One page of the history per view, the newest first (a long history is paged, never read whole).
        window = history_window(context.request, case.version)
        versions = read_window(
            window,
            lambda after, limit: service.history(caller, ReadHistory(case_id, limit, after_version=after)),
        )
        person = person_namer(self.services.reference())
        rows = history_rows(versions, named, hidden, person)
        linked_ids = {entry.case.converted_from_case_id or "" for entry in versions} - {""}

        @cache  # each linked case read once a page, and only if a version shown changed the link
        def linked_name(case_id: str) -> str:
            return service.reference_of(caller, case_id) or OUT_OF_SIGHT

        shown = {row["version"]: _with_linked_references(row, linked_ids, linked_name) for row in rows}
        editable = self._editable(caller, case)
        summary_rows = _with_linked_case(
            case_rows(self.services.reference(), document, hidden),
            linked_case(service, caller, case.converted_from_case_id),
        )

        list_query = context.request.query_value(BACK_PARAMETER)

        def render(history: ShownHistory) -> WebResponse:
            return self.site.page(
                "case.html",
                context,
                case=case,
                summary_rows=summary_rows,
                deadlines=deadline_rows(case),
                overdue_recommendations=set(case.deadlines.overdue_recommendation_ids),
                recommendations=document.get("recommendations", []),
                recommendation_headings=recommendation_headings(),
                recommendation_cells=recommendation_cells,
                show=show,
                provider_name=named,
                history=_keeping_back(history, list_query),
                may_edit=bool(editable),
                answers_regional_question=self._answers_regional_question(caller),
                edit_sections=sections_for(editable),
                saved=context.request.query_value(SAVED_FIELD) == SAVED,
                unchanged=context.request.query_value(SAVED_FIELD) == UNCHANGED,
                back_to_list=back_to_list(context.request),
            )

        return page_with_history(
            render,
            self.site.url(f"{APP_PREFIX}/cases/{case_id}"),
            window,
            versions,
            lambda entry: render_macro(HISTORY_TEMPLATE, "case_version", shown[entry.version]),
            case.version,
        )

    def edit_form(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        service = self.services.case_service()
        case = service.get(caller, context.request.path_parameters.get("caseId", ""))
        editable = self._require_editor(caller, case)
        sections = sections_for(editable, context.request.query_value(SECTION_FIELD))
        document = case.model_dump(mode="json", by_alias=True, exclude_none=True)
        # A linked rapid review is shown by its reference, as the nurse types it.
        values = form_values(with_references(service, caller, document), sections)
        return self._render_edit(context, case, sections, values, FormErrors(), case.version)

    def edit_submit(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        request = context.request
        case_id = request.path_parameters.get("caseId", "")
        service = self.services.case_service()
        current = service.get(caller, case_id)  # 404 before anything else
        editable = self._editable(caller, current)
        sections = sections_for(editable, request.form_value(SECTION_FIELD).strip())
        parsed = parse_form(request.form, sections)
        based_on = whole_number(request.form_value(VERSION_FIELD).strip())
        unreadable = list(parsed.unreadable)
        if based_on is None:
            unreadable.append(FieldError(VERSION_FIELD, "must be a whole number"))
        if unreadable or based_on is None:
            # Access first, as the API answers; then nothing is saved or drawn again from a form that
            # cannot be read (an unread row count drawn as no rows would remove every row on saving).
            self._require_editor(caller, current)
            raise UnreadableInput("The form could not be read.", unreadable)
        # A rapid review typed as its reference is saved as its case id; the stored id, shown when its
        # case is out of the caller's sight, comes back as it was.
        stored = current.model_dump(mode="json", by_alias=True, exclude_none=True)
        problems = [*parsed.errors, *with_case_ids(service, caller, parsed.document, stored)]
        patch = {name: value for name, value in parsed.document.items() if name in editable}
        # A field the form did not offer (a forged or stale form) still goes to the domain, which
        # refuses what this caller may not change (403) rather than the form dropping it unseen.
        for name in request.form:
            if name in CLIENT_FIELDS and name not in parsed.document:
                patch[name] = request.form_value(name).strip() or None
        if problems:
            # Access first, as the API answers: a refused change is refused before its input is read.
            self._require_editor(caller, current)
            errors = place_errors(problems, sections, parsed.row_positions, parsed.document)
            status = kind_of(InvalidInput("", problems), posted_form=True).status
            return self._render_edit(context, current, sections, dict(request.form), errors, based_on, status)
        try:
            updated = service.update(
                caller, UpdateCase(case_id, patch, VersionCondition(frozenset({based_on})))
            )
        except InvalidInput as invalid:
            errors = place_errors(invalid.errors, sections, parsed.row_positions, parsed.document)
            status = kind_of(invalid, posted_form=True).status
            return self._render_edit(context, current, sections, dict(request.form), errors, based_on, status)
        except VersionMismatch as mismatch:
            return self._conflict(
                context, current, sections, patch, based_on, kind_of(mismatch, posted_form=True).status
            )
        # A save that changes nothing makes no version (the service's rule): the page says so.
        outcome = SAVED if updated.version > based_on else UNCHANGED
        return redirect(self.site.url(f"{APP_PREFIX}/cases/{case_id}?{SAVED_FIELD}={outcome}"), 303)

    def _editable(self, caller: Caller, case: Case) -> frozenset[str]:
        """What the form offers: the fields the access policy lets this caller change on this case."""
        return self.services.policy.editable_fields(caller, case.icb_code, case.region_code, case.review_type)

    def _answers_regional_question(self, caller: Caller) -> bool:
        """Whether the caller sets only the regional team's answer: its pages say "Answer the DHR
        question" where others say "Edit"."""
        settable = self.services.policy.settable_fields(caller)
        return bool(settable) and settable <= REGIONAL_ONLY_FIELDS

    def _require_editor(self, caller: Caller, case: Case) -> frozenset[str]:
        editable = self._editable(caller, case)
        if not editable:
            raise NotAllowed(f"The {caller.role.value} role cannot change this case.")
        return editable

    def _render_edit(
        self,
        context: Context,
        case: Case,
        sections: list[Section],
        values: dict[str, list[str]],
        errors: FormErrors,
        version: int,
        status: int = 200,
        conflict: dict[str, Any] | None = None,
    ) -> WebResponse:
        return self.site.page(
            "edit.html",
            context,
            status,
            case=case,
            sections=sections,
            values=values,
            errors=errors,
            version=version,
            conflict=conflict,
            section=sections[0].key if len(sections) == 1 else "",
            answers_regional_question=self._answers_regional_question(context.require_caller()),
            action=self.site.url(f"{APP_PREFIX}/cases/{case.case_id}/edit"),
            # The providers' lookup, rendered once a day for every form, not on each edit page.
            providers=provider_lookup_html(self.services.reference()),
        )

    def _conflict(
        self,
        context: Context,
        current: Case,
        sections: list[Section],
        patch: dict[str, Any],
        based_on: int,
        status: int,
    ) -> WebResponse:
        """Someone saved first (the user too, in another tab or window): show what they changed, and
        the form again with this user's changes applied to the case as it is now, to check and save
        again. Nothing was written."""
        caller = context.require_caller()
        service = self.services.case_service()
        history = self._versions_since(caller, current, based_on)
        base_entry = history[0] if history else None
        base = base_entry.case.model_dump(mode="json", by_alias=True, exclude_none=True) if base_entry else {}
        now = current.model_dump(mode="json", by_alias=True, exclude_none=True)
        later = [entry for entry in history or [] if entry.version > based_on]
        hidden = self.services.policy.hidden_fields(caller)
        theirs_changed = sorted({name for entry in later for name in entry.changed_fields} - hidden)
        named = provider_namer(self.services.reference())
        # Without the version the form was read at, the user's changes are what differs from now.
        read_at = base if history is not None else now
        mine = {name: value for name, value in patch.items() if value != read_at.get(name)}
        # Reapplied only when the version read is known: otherwise a value the user left as it was
        # would undo someone else's change. The user then sees the differences and enters them again.
        reapplied = {**now, **mine} if history is not None else now
        reapplied = {name: value for name, value in reapplied.items() if value is not None}
        person = person_namer(self.services.reference())
        others = sorted(
            {person(e.changed_by, e.changed_by_name) for e in later if e.changed_by != caller.audit_name}
        )
        own = [entry for entry in later if entry.changed_by == caller.audit_name]
        # The user's own save elsewhere is theirs, not "someone else's": the identifier decides.
        own_at = format_time(own[-1].model_dump(mode="json", by_alias=True)["changedAt"]) if own else None
        # A linked rapid review by its reference, in the tables and the form alike.
        base_shown, now_shown, mine_shown = (
            with_references(service, caller, document) for document in (base, now, mine)
        )

        def render(cut: Callable[[str], str]) -> WebResponse:
            """The page, showing someone else's values through ``cut`` (the user's own in full)."""
            their_changes = (
                [
                    {**change, "before": cut(change["before"]), "after": cut(change["after"])}
                    for name in theirs_changed
                    for change in field_changes(name, base_shown.get(name), now_shown.get(name), named)
                ]
                if history is not None
                else None  # too many saved meanwhile to read here: the page links to the case's history
            )
            my_changes = [
                {
                    "field": field_label(name),
                    "mine": show(name, value, named),
                    "now": cut(show(name, now_shown.get(name), named)),
                }
                for name, value in mine_shown.items()
            ]
            return self._render_edit(
                context,
                current,
                sections,
                form_values(with_references(service, caller, reapplied), sections),
                FormErrors(),
                current.version,
                status,
                conflict={
                    "their_changes": their_changes,
                    "my_changes": my_changes,
                    "who": others,
                    "own_at": own_at,
                },
            )

        whole = render(lambda text: text)
        if carried_bytes(whole.body) <= MAX_BODY_BYTES:
            return whole
        return render(_shortened)

    def _versions_since(self, caller: Caller, case: Case, based_on: int) -> list[HistoryEntry] | None:
        """The form's version ``based_on`` and those saved after it, for the conflict page, in one
        bounded read of only those, however long the history. None when more than ``MAX_PAGE_SIZE``
        were saved meanwhile: the page then says what changed without the detail."""
        if based_on < 1 or case.version - based_on > MAX_PAGE_SIZE:
            return None
        # The form's own version too: what the user read is what their changes are measured against.
        command = ReadHistory(case.case_id, MAX_PAGE_SIZE + 1, after_version=based_on - 1)
        entries = self.services.case_service().history(caller, command).items
        if not entries or entries[0].version != based_on or entries[-1].version < case.version:
            return None
        return entries


LINKED_CASE_FIELD = "convertedFromCaseId"
OUT_OF_SIGHT = "A case you cannot see"
"""What the case page says of a linked case the caller may not read: nothing about it, not its id."""


def _with_linked_case(rows: list[dict[str, Any]], link: LinkedCase | None) -> list[dict[str, Any]]:
    """The summary rows with the rapid review a case was converted from as a link by its reference
    (``link``: the template draws it), never the id only an address bar would show."""
    label = field_label(LINKED_CASE_FIELD)
    shown: list[dict[str, Any]] = []
    for row in rows:
        if row["key"]["text"] != label:
            shown.append(row)
        elif link is not None:
            shown.append(
                {
                    "key": row["key"],
                    "link": {"href": f"{APP_PREFIX}/cases/{link.case_id}", "text": link.reference},
                }
            )
        else:
            shown.append({"key": row["key"], "value": {"text": OUT_OF_SIGHT}})
    return shown


def _with_linked_references(
    row: dict[str, Any], case_ids: set[str], name_of: Callable[[str], str]
) -> dict[str, Any]:
    """A version's changes with a linked case's id (one of ``case_ids``) named by ``name_of`` (its
    reference, or out of sight), as the summary rows do."""
    label = field_label(LINKED_CASE_FIELD)

    def named(text: str) -> str:
        return name_of(text) if text in case_ids else text

    changes = [
        {**change, "before": named(change["before"]), "after": named(change["after"])}
        if change["field"] == label
        else change
        for change in row["changes"]
    ]
    return {**row, "changes": changes}


def _keeping_back(history: ShownHistory, list_query: str) -> ShownHistory:
    """The history's links to newer and older changes carrying the list's query (``back``), so the
    case page reached through them still leads back to the list as it was."""
    if not list_query:
        return history

    def kept(href: str | None) -> str | None:
        if href is None:
            return None
        address = href.removesuffix(ANCHOR)
        return f"{address}&{urlencode({BACK_PARAMETER: list_query})}{ANCHOR}"

    links = HistoryLinks(kept(history.links.older_href), kept(history.links.newer_href))
    return replace(history, links=links)


def _shortened(text: str) -> str:
    return text if len(text) <= SHORTENED_VALUE_CHARS else text[:SHORTENED_VALUE_CHARS] + SHORTENED_NOTE
