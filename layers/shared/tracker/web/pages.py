"""The pages: each reads the request, calls the domain as the signed-in caller, and renders."""

import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from tracker.access import Caller
from tracker.errors import FieldError, InvalidInput, NotAllowed, NotVisible, UnreadableInput, VersionMismatch
from tracker.logic.commands import (
    MAX_PAGE_SIZE,
    ListCases,
    ReadHistory,
    SubmitCase,
    UpdateCase,
    VersionCondition,
)
from tracker.logic.numbers import whole_number
from tracker.models.case import CLIENT_FIELDS, Case, HistoryEntry
from tracker.models.enums import DHR_REVIEW_TYPES, CaseStatus, ReviewType, Role, Stage
from tracker.rules.case_rules import REGIONAL_ONLY_FIELDS
from tracker.web import contacts as contacts_view
from tracker.web import overview as overview_view
from tracker.web.app import APP_PREFIX, Context, WebApp
from tracker.web.forms import FormErrors, Section, form_values, parse_form, place_errors, sections_for
from tracker.web.http import WebResponse, redirect
from tracker.web.labels import (
    field_label,
    format_date,
    format_time,
    options,
    organisation_name,
    value_label,
)
from tracker.web.paging import HISTORY_TEMPLATE, ShownHistory, history_window, page_with_history, read_window
from tracker.web.rendering import MAX_BODY_BYTES, carried_bytes, render_macro

LIST_PAGE_SIZE = 25
MAX_BACK_LINKS = 20
IDEMPOTENCY_FIELD = "submissionKey"
VERSION_FIELD = "version"
EDITING_ROLES = frozenset({Role.ICB_EDITOR, Role.REGIONAL})


# --- what the caller may do ----------------------------------------------------------------------


def may_edit(app: WebApp, caller: Caller, case: Case) -> bool:
    """Whether to offer edit controls: the domain still decides on every save."""
    if caller.role is Role.ICB_EDITOR:
        return app.policy.can_read(caller, case.icb_code, case.region_code)
    if caller.role is Role.REGIONAL:
        return case.region_code == caller.org and case.review_type in DHR_REVIEW_TYPES
    return False


def may_record(caller: Caller) -> bool:
    return caller.role is Role.ICB_EDITOR


def may_see_overview(caller: Caller) -> bool:
    return caller.role in (Role.REGIONAL, Role.NATIONAL)


# --- showing values -------------------------------------------------------------------------------

DATE_FIELDS = frozenset(
    {
        "incidentDate",
        "dateAdded",
        "convertedDate",
        "reportSignedOffDate",
        "publicationDate",
        "dueDate",
        "date",
    }
)
TIME_FIELDS = frozenset({"createdAt", "updatedAt"})
PROVIDER_FIELDS = frozenset({"providersInvolved", "ownerProviderCode"})
ProviderName = Callable[[str], str]


def show(name: str, value: Any, provider_name: ProviderName = str) -> str:
    """One value as people read it (lists of rows summarised per row); a provider by its name and
    code when ``provider_name`` knows it."""
    if value is None or value == [] or value == "":
        return "Not given"
    if name in PROVIDER_FIELDS:
        codes = value if isinstance(value, list) else [value]
        return "; ".join(provider_name(str(code)) for code in codes)
    if name in DATE_FIELDS:
        return format_date(value)
    if name in TIME_FIELDS:
        return format_time(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(
            show_row(name, item, provider_name) if isinstance(item, dict) else value_label(str(item))
            for item in value
        )
    if name in {"reviewType", "status", "stage", "designatedProfessional", "theme", "method", "type"} or (
        name.endswith("DhrHealthRecs")
    ):
        return value_label(str(value))
    return str(value)


def show_row(name: str, row: dict[str, Any], provider_name: ProviderName = str) -> str:
    return ", ".join(
        f"{field_label(part).lower()} {show(part, value, provider_name)}" for part, value in row.items()
    )


def icb_name(app: WebApp, code: str) -> str:
    icb = app.reference().icb(code)
    return f"{icb.name} ({code})" if icb else code


def provider_namer(app: WebApp) -> ProviderName:
    """A provider as people read it: its name and ODS code (the code alone once the list drops it)."""
    reference = app.reference()

    def name(code: str) -> str:
        provider = reference.provider(code)
        return f"{organisation_name(provider.name)} ({code})" if provider else code

    return name


def provider_list(app: WebApp) -> list[tuple[str, str]]:
    """Every provider a case may name, (code, name) by name, for the form's list of codes."""
    providers = app.reference().providers.values()
    named = [(provider.code, organisation_name(provider.name)) for provider in providers]
    return sorted(named, key=lambda pair: (pair[1], pair[0]))


def case_rows(
    app: WebApp, document: dict[str, Any], hidden: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Every field present and not ``hidden``, in the model's order, as summary list rows."""
    skip = {"recommendations", "deadlines", "caseId", *hidden}
    named = provider_namer(app)
    rows = []
    for name, value in document.items():
        if name in skip:
            continue
        if name == "providersInvolved" and value:
            # One per line: the template writes them as a list.
            rows.append({"key": {"text": field_label(name)}, "providers": [named(code) for code in value]})
            continue
        text = icb_name(app, value) if name == "icbCode" else show(name, value, named)
        if name == "regionCode":
            from tracker.reference import REGION_NAMES

            text = f"{REGION_NAMES.get(value, value)} ({value})"
        rows.append({"key": {"text": field_label(name)}, "value": {"text": text}})
    return rows


def deadline_rows(case: Case) -> list[dict[str, Any]]:
    deadlines = case.deadlines
    found = []
    for label, due, overdue in (
        ("Rapid review due", deadlines.rapid_review_due, deadlines.rapid_review_overdue),
        ("Publication due", deadlines.publication_due, deadlines.publication_overdue),
        ("Completion due", deadlines.completion_due, deadlines.completion_overdue),
    ):
        if due is not None:
            found.append({"label": label, "due": format_date(due), "overdue": overdue})
    return found


EARLIER_VALUE = "See older changes"
"""The value before the oldest change on a page that does not start at version 1: it is on the
page of older changes, not read for this one."""


def history_rows(
    entries: list[HistoryEntry],
    provider_name: ProviderName = str,
    hidden: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Who changed what and when, with each changed field's value before and after (``entries``
    oldest first, consecutive versions); a ``hidden`` field is not named, even as changed."""
    shown = []
    previous: dict[str, Any] | None = None
    for entry in entries:
        document = entry.case.model_dump(mode="json", by_alias=True, exclude_none=True)
        changes = [
            {
                "field": field_label(name),
                "before": (
                    EARLIER_VALUE if previous is None else show(name, previous.get(name), provider_name)
                ),
                "after": show(name, document.get(name), provider_name),
            }
            for name in entry.changed_fields
            if name not in hidden
        ]
        shown.append(
            {
                "version": entry.version,
                "when": format_time(entry.model_dump(mode="json", by_alias=True)["changedAt"]),
                "who": entry.changed_by,
                "first": entry.version == 1,
                "changes": changes,
            }
        )
        previous = document
    return list(reversed(shown))  # newest first to read


def versions_since(app: WebApp, caller: Caller, case: Case, based_on: int) -> list[HistoryEntry] | None:
    """The form's version ``based_on`` and those saved after it, for the conflict page, in one
    bounded read of only those, however long the history. None when more than ``MAX_PAGE_SIZE``
    were saved meanwhile: the page then says what changed without the detail."""
    if based_on < 1 or case.version - based_on > MAX_PAGE_SIZE:
        return None
    # The form's own version too: what the user read is what their changes are measured against.
    command = ReadHistory(case.case_id, MAX_PAGE_SIZE + 1, after_version=based_on - 1)
    entries = app.case_service().history(caller, command).items
    if not entries or entries[0].version != based_on or entries[-1].version < case.version:
        return None
    return entries


# --- the case list --------------------------------------------------------------------------------


def _choice(raw: str, allowed: Any) -> Any:
    try:
        return allowed(raw) if raw else None
    except ValueError:
        return None


def case_list(app: WebApp, context: Context) -> WebResponse:
    caller = context.require_caller()
    request = context.request
    review_type = _choice(request.query_value("reviewType"), ReviewType)
    status = _choice(request.query_value("status"), CaseStatus)
    stage = _choice(request.query_value("stage"), Stage)
    overdue = {"true": True, "false": False}.get(request.query_value("overdue"))
    icb_options = _icb_options(app, caller)
    icb_code = request.query_value("icbCode")
    icb_code = icb_code if icb_code in {code for code, _ in icb_options} else ""
    cursor = request.query_value("cursor") or None
    command = ListCases(
        review_type=review_type,
        status=status,
        stage=stage,
        icb_code=icb_code or None,
        overdue=overdue,
        limit=LIST_PAGE_SIZE,
        cursor=cursor,
    )
    page = app.case_service().list(caller, command)
    filters = {
        "reviewType": review_type.value if review_type else "",
        "status": status.value if status else "",
        "stage": stage.value if stage else "",
        "icbCode": icb_code,
        "overdue": {True: "true", False: "false"}.get(overdue, ""),  # type: ignore[arg-type]
    }
    kept = {name: value for name, value in filters.items() if value}
    back = [value for value in request.query.get("back", []) if value][-MAX_BACK_LINKS:]
    previous_href = next_href = None
    if cursor:
        earlier = back[:-1]
        previous = {**kept, **({"cursor": back[-1]} if back else {})}
        query = urlencode([*previous.items(), *(("back", value) for value in earlier)])
        previous_href = app.url(f"{APP_PREFIX}/?{query}") if query else app.url(f"{APP_PREFIX}/")
    if page.next_cursor:
        trail = [*back, cursor] if cursor else back
        query = urlencode(
            [*kept.items(), ("cursor", page.next_cursor), *(("back", value) for value in trail)]
        )
        next_href = app.url(f"{APP_PREFIX}/?{query}")
    rows = [
        {
            "href": app.url(f"{APP_PREFIX}/cases/{case.case_id}"),
            "reference": case.reference,
            "icb": icb_name(app, case.icb_code),
            "reviewType": value_label(case.review_type.value),
            "stage": value_label(case.stage.value),
            "status": value_label(case.status.value),
            "updated": format_time(case.model_dump(mode="json", by_alias=True)["updatedAt"]),
            "overdue": case.deadlines.overdue,
        }
        for case in page.items
    ]
    return app.page(
        "list.html",
        context,
        rows=rows,
        filter_items=_select_items(
            filters,
            {
                "reviewType": options(ReviewType),
                "status": options(CaseStatus),
                "stage": options(Stage),
                "icbCode": icb_options,
                "overdue": [("true", "Overdue"), ("false", "Not overdue")],
            },
        ),
        previous_href=previous_href,
        next_href=next_href,
        may_record=may_record(caller),
    )


def _select_items(
    chosen: dict[str, str], choices: dict[str, list[tuple[str, str]]]
) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [
            {"value": "", "text": "Any", "selected": not chosen[name]},
            *({"value": value, "text": text, "selected": chosen[name] == value} for value, text in listed),
        ]
        for name, listed in choices.items()
    }


def _icb_options(app: WebApp, caller: Caller) -> list[tuple[str, str]]:
    readable = app.policy.readable_icbs(caller)
    reference = app.reference()
    codes = sorted(reference.icbs) if readable is None else sorted(readable)
    return [(code, icb_name(app, code)) for code in codes if reference.icb(code) is not None]


# --- one case -------------------------------------------------------------------------------------


def case_page(app: WebApp, context: Context) -> WebResponse:
    caller = context.require_caller()
    case_id = context.request.path_parameters.get("caseId", "")
    service = app.case_service()
    case = service.get(caller, case_id)
    document = case.model_dump(mode="json", by_alias=True, exclude_none=True)
    hidden = app.policy.hidden_fields(caller)
    named = provider_namer(app)
    # One page of the history per view, the newest first (a long history is paged, never read whole).
    window = history_window(context.request, case.version)
    versions = read_window(
        window, lambda after, limit: service.history(caller, ReadHistory(case_id, limit, after_version=after))
    )
    shown = {row["version"]: row for row in history_rows(versions, named, hidden)}
    may_change = may_edit(app, caller, case)

    def render(history: ShownHistory) -> WebResponse:
        return app.page(
            "case.html",
            context,
            case=case,
            summary_rows=case_rows(app, document, hidden),
            deadlines=deadline_rows(case),
            overdue_recommendations=set(case.deadlines.overdue_recommendation_ids),
            recommendations=document.get("recommendations", []),
            show=show,
            provider_name=named,
            history=history,
            may_edit=may_change,
            edit_sections=_edit_sections(caller, case) if may_change else [],
            saved=context.request.query_value("saved") == "1",
        )

    return page_with_history(
        render,
        app.url(f"{APP_PREFIX}/cases/{case_id}"),
        window,
        versions,
        lambda entry: render_macro(HISTORY_TEMPLATE, "case_version", shown[entry.version]),
        case.version,
    )


# --- editing --------------------------------------------------------------------------------------


SECTION_FIELD = "section"


def _edit_sections(caller: Caller, case: Case, only: str = "") -> list[Section]:
    return sections_for(
        regional=caller.role is Role.REGIONAL, is_dhr=case.review_type in DHR_REVIEW_TYPES, only=only
    )


def _require_editor(app: WebApp, caller: Caller, case: Case) -> None:
    if not may_edit(app, caller, case):
        raise NotAllowed(f"The {caller.role.value} role cannot change this case.")


def edit_form(app: WebApp, context: Context) -> WebResponse:
    caller = context.require_caller()
    case = app.case_service().get(caller, context.request.path_parameters.get("caseId", ""))
    _require_editor(app, caller, case)
    only = context.request.query_value(SECTION_FIELD)
    sections = _edit_sections(caller, case, only)
    document = case.model_dump(mode="json", by_alias=True, exclude_none=True)
    return _render_edit(
        app, context, case, sections, form_values(document, sections), FormErrors(), case.version
    )


def _render_edit(
    app: WebApp,
    context: Context,
    case: Case,
    sections: list[Section],
    values: dict[str, list[str]],
    errors: FormErrors,
    version: int,
    status: int = 200,
    conflict: dict[str, Any] | None = None,
) -> WebResponse:
    return app.page(
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
        action=app.url(f"{APP_PREFIX}/cases/{case.case_id}/edit"),
        providers=provider_list(app),
    )


def _patch(document: dict[str, Any], caller: Caller) -> dict[str, Any]:
    """The merge patch: every field the form showed (an empty box removes the value)."""
    editable = CLIENT_FIELDS if caller.role is Role.ICB_EDITOR else REGIONAL_ONLY_FIELDS
    return {name: value for name, value in document.items() if name in editable}


def edit_submit(app: WebApp, context: Context) -> WebResponse:
    caller = context.require_caller()
    request = context.request
    case_id = request.path_parameters.get("caseId", "")
    service = app.case_service()
    current = service.get(caller, case_id)  # 404 before anything else
    sections = _edit_sections(caller, current, request.form_value(SECTION_FIELD).strip())
    parsed = parse_form(request.form, sections)
    based_on = whole_number(request.form_value(VERSION_FIELD).strip())
    unreadable = list(parsed.unreadable)
    if based_on is None:
        unreadable.append(FieldError(VERSION_FIELD, "must be a whole number"))
    if unreadable or based_on is None:
        # Access first, as the API answers; then nothing is saved or drawn again from a form that
        # cannot be read (an unread row count drawn as no rows would remove every row on saving).
        _require_editor(app, caller, current)
        raise UnreadableInput("The form could not be read.", unreadable)
    patch = _patch(parsed.document, caller)
    # A field the form did not offer (a forged or stale form) still goes to the domain, which
    # refuses what this caller may not change (403) rather than the form dropping it unseen.
    for name in request.form:
        if name in CLIENT_FIELDS and name not in parsed.document:
            patch[name] = request.form_value(name).strip() or None
    if parsed.errors:
        # Access first, as the API answers: a refused change is refused before its input is read.
        _require_editor(app, caller, current)
        errors = place_errors(parsed.errors, sections, parsed.row_positions, parsed.document)
        return _render_edit(app, context, current, sections, dict(request.form), errors, based_on, 422)
    try:
        service.update(caller, UpdateCase(case_id, patch, VersionCondition(frozenset({based_on}))))
    except InvalidInput as invalid:
        errors = place_errors(invalid.errors, sections, parsed.row_positions, parsed.document)
        return _render_edit(app, context, current, sections, dict(request.form), errors, based_on, 422)
    except VersionMismatch:
        return _conflict(app, context, current, sections, patch, based_on)
    return redirect(app.url(f"{APP_PREFIX}/cases/{case_id}?saved=1"), 303)


SHORTENED_VALUE_CHARS = 2_000
"""How much of each value someone else saved a conflict page shows when the page would not fit
``MAX_BODY_BYTES`` whole (every value of two versions of the largest case, and the user's own)."""
SHORTENED_NOTE = " … (shortened here: the whole text is on the case page and in its history)"


def _conflict(
    app: WebApp,
    context: Context,
    current: Case,
    sections: list[Section],
    patch: dict[str, Any],
    based_on: int,
) -> WebResponse:
    """Someone saved first: show what they changed, and the form again with this user's changes
    applied to the case as it is now, to check and save again. Nothing was written."""
    caller = context.require_caller()
    history = versions_since(app, caller, current, based_on)
    base_entry = history[0] if history else None
    base = base_entry.case.model_dump(mode="json", by_alias=True, exclude_none=True) if base_entry else {}
    now = current.model_dump(mode="json", by_alias=True, exclude_none=True)
    later = [entry for entry in history or [] if entry.version > based_on]
    hidden = app.policy.hidden_fields(caller)
    theirs_changed = sorted({name for entry in later for name in entry.changed_fields} - hidden)
    named = provider_namer(app)
    # Without the version the form was read at, the user's changes are what differs from now.
    read_at = base if history is not None else now
    mine = {name: value for name, value in patch.items() if value != read_at.get(name)}
    # Reapplied only when the version read is known: otherwise a value the user left as it was
    # would undo someone else's change. The user then sees the differences and enters them again.
    reapplied = {**now, **mine} if history is not None else now
    reapplied = {name: value for name, value in reapplied.items() if value is not None}
    who = sorted({entry.changed_by for entry in later})

    def render(theirs: Callable[[str, Any], str]) -> WebResponse:
        """The page, showing someone else's values through ``theirs`` (the user's own in full)."""
        their_changes = (
            [
                {
                    "field": field_label(name),
                    "before": theirs(name, base.get(name)),
                    "after": theirs(name, now.get(name)),
                }
                for name in theirs_changed
            ]
            if history is not None
            else None  # too many saved meanwhile to read here: the page links to the case's history
        )
        my_changes = [
            {"field": field_label(name), "mine": show(name, value, named), "now": theirs(name, now.get(name))}
            for name, value in mine.items()
        ]
        return _render_edit(
            app,
            context,
            current,
            sections,
            form_values(reapplied, sections),
            FormErrors(),
            current.version,
            409,
            conflict={"their_changes": their_changes, "my_changes": my_changes, "who": who},
        )

    whole = render(lambda name, value: show(name, value, named))
    if carried_bytes(whole.body) <= MAX_BODY_BYTES:
        return whole
    return render(lambda name, value: _shortened(show(name, value, named)))


def _shortened(text: str) -> str:
    return text if len(text) <= SHORTENED_VALUE_CHARS else text[:SHORTENED_VALUE_CHARS] + SHORTENED_NOTE


# --- recording a case -----------------------------------------------------------------------------


def _new_sections() -> list[Section]:
    return sections_for(regional=False, is_dhr=True, new=True)


def new_form(app: WebApp, context: Context) -> WebResponse:
    caller = context.require_caller()
    if not may_record(caller):
        raise NotAllowed(f"The {caller.role.value} role cannot record cases.")
    sections = _new_sections()
    values = form_values({}, sections)
    values[IDEMPOTENCY_FIELD] = [secrets.token_urlsafe(24)]
    return _render_new(app, context, sections, values, FormErrors())


def _render_new(
    app: WebApp,
    context: Context,
    sections: list[Section],
    values: dict[str, list[str]],
    errors: FormErrors,
    status: int = 200,
) -> WebResponse:
    caller = context.require_caller()
    return app.page(
        "new.html",
        context,
        status,
        sections=sections,
        values=values,
        errors=errors,
        icb=icb_name(app, caller.org),
        action=app.url(f"{APP_PREFIX}/cases/new"),
        idempotency_field=IDEMPOTENCY_FIELD,
        providers=provider_list(app),
    )


def new_submit(app: WebApp, context: Context) -> WebResponse:
    caller = context.require_caller()
    if not may_record(caller):
        raise NotAllowed(f"The {caller.role.value} role cannot record cases.")
    request = context.request
    sections = _new_sections()
    parsed = parse_form(request.form, sections)
    if parsed.unreadable:
        raise UnreadableInput("The form could not be read.", parsed.unreadable)
    if parsed.errors:
        errors = place_errors(parsed.errors, sections, parsed.row_positions, parsed.document)
        return _render_new(app, context, sections, dict(request.form), errors, 422)
    document = {name: value for name, value in parsed.document.items() if value is not None}
    document["icbCode"] = caller.org
    # The form's own key: pressing the button twice records one case.
    key = request.form_value(IDEMPOTENCY_FIELD).strip() or None
    try:
        case = app.case_service().submit(caller, SubmitCase(document, key))
    except InvalidInput as invalid:
        errors = place_errors(invalid.errors, sections, parsed.row_positions, parsed.document)
        return _render_new(app, context, sections, dict(request.form), errors, 422)
    return redirect(app.url(f"{APP_PREFIX}/cases/{case.case_id}?saved=1"), 303)


# --- overview -------------------------------------------------------------------------------------


def overview(app: WebApp, context: Context) -> WebResponse:
    caller = context.require_caller()
    if not may_see_overview(caller):
        raise NotAllowed("Only regional and national teams have the overview.")
    summary = app.latest_summary()
    figures = overview_view.figures(summary, caller, app.reference()) if summary is not None else None
    return app.page("overview.html", context, figures=figures, summary=summary, format_date=format_date)


def overview_csv(app: WebApp, context: Context) -> WebResponse:
    caller = context.require_caller()
    if not may_see_overview(caller):
        raise NotAllowed("Only regional and national teams have the overview.")
    summary = app.latest_summary()
    if summary is None:
        raise NotVisible("No snapshot yet.")
    day = summary.snapshotDate.isoformat()
    return WebResponse(
        200,
        overview_view.csv_text(summary, caller),
        "text/csv; charset=utf-8",
        {"Content-Disposition": f'attachment; filename="case-review-overview-{day}.csv"'},
    )


# --- signing in and out ---------------------------------------------------------------------------


def sign_in(app: WebApp, context: Context) -> WebResponse:
    return app.begin_sign_in(context)


def callback(app: WebApp, context: Context) -> WebResponse:
    return app.finish_sign_in(context)


def signed_out(app: WebApp, context: Context) -> WebResponse:
    return app.page("signed_out.html", context)


def sign_out(app: WebApp, context: Context) -> WebResponse:
    return app.sign_out(context)


PUBLIC = {
    ("GET", "/app/sign-in"): sign_in,
    ("GET", "/app/callback"): callback,
    ("GET", "/app/signed-out"): signed_out,
}
PAGES = {
    ("GET", "/app"): case_list,
    ("POST", "/app/sign-out"): sign_out,
    ("GET", "/app/cases/new"): new_form,
    ("POST", "/app/cases/new"): new_submit,
    ("GET", "/app/cases/{caseId}"): case_page,
    ("GET", "/app/cases/{caseId}/edit"): edit_form,
    ("POST", "/app/cases/{caseId}/edit"): edit_submit,
    ("GET", "/app/overview"): overview,
    ("GET", "/app/overview.csv"): overview_csv,
    ("GET", "/app/icbs/{icbCode}/contacts"): contacts_view.contacts_page,
    ("POST", "/app/icbs/{icbCode}/contacts"): contacts_view.contacts_submit,
}
