"""Recording a case, a section at a time: each section is a page with "Continue", then a page to
check the answers, then the case is recorded (one case per form, however often it is sent).

Nothing is stored between the pages: each page carries the answers of the other sections as hidden
fields, drawn from the form's own fields (never a row count as sent). The domain's rules check each
section on "Continue" (the errors of that section only: later sections are not filled yet) and the
whole record on "Record the case". The domestic homicide review questions are a section only when
the review type is a DHR, and answers to them are dropped for any other type, so an answer given
before the type changed cannot trap the form (a radio cannot be cleared).

A form posted whole, without a section (as the form was before it had sections), is recorded as it
was; its errors are shown on the first section holding one."""

import secrets
from collections.abc import Mapping
from typing import Any

from tracker.access import Caller
from tracker.error_statuses import kind_of
from tracker.errors import FieldError, InvalidInput, NotAllowed, UnreadableInput
from tracker.logic.commands import SubmitCase
from tracker.models.enums import DHR_REVIEW_TYPES
from tracker.models.fields import DHR_ONLY_FIELDS, DHR_QUESTIONS
from tracker.rules.case_rules import validate_case_fields
from tracker.web.case_links import with_case_ids
from tracker.web.display import icb_name, provider_namer, show
from tracker.web.forms import (
    FormErrors,
    Rows,
    Section,
    form_values,
    parse_form,
    place_errors,
    row_count,
    row_count_name,
    sections_for,
)
from tracker.web.http import WebResponse, redirect
from tracker.web.labels import field_label
from tracker.web.provider_lookup import provider_lookup_html
from tracker.web.site import APP_PREFIX, Context, Pages, Routes

IDEMPOTENCY_FIELD = "submissionKey"
STEP_FIELD = "step"
"""The section a page showed: what "Continue" checks."""
ACTION_FIELD = "action"
CONTINUE = "continue"
RECORD = "record"
ADD_PREFIX = "add-"  # add-recommendations: one more blank row of that list, nothing checked
CHANGE_PREFIX = "change-"  # change-dates: back to that section, from the check page or the next
CHECK_STEP = "check"
NEW_CASE_BLANK_ROWS = {"recommendations": 3}
"""Blank rows a new case offers at first, so several recommendations can be added at once."""


class NewCasePages(Pages):
    def routes(self) -> Routes:
        return {("GET", "/app/cases/new"): self.new_form, ("POST", "/app/cases/new"): self.new_submit}

    def new_form(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        every = self._new_sections(caller)
        values = form_values({}, every)
        for section in every:
            for item in section.fields:
                if isinstance(item, Rows) and item.name in NEW_CASE_BLANK_ROWS:
                    values[row_count_name(item)] = [str(NEW_CASE_BLANK_ROWS[item.name])]
        values[IDEMPOTENCY_FIELD] = [secrets.token_urlsafe(24)]
        flow = in_flow(every, values)
        return self._render_section(context, flow, flow[0], values, FormErrors())

    def new_submit(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        every = self._new_sections(caller)
        form = context.request.form
        values = dict(form)
        flow = in_flow(every, values)
        action = context.request.form_value(ACTION_FIELD).strip()
        step = context.request.form_value(STEP_FIELD).strip()
        parsed = parse_form(form, flow)
        if parsed.unreadable:
            raise UnreadableInput("The form could not be read.", parsed.unreadable)
        if action.startswith(CHANGE_PREFIX):
            return self._render_section(context, flow, _section(flow, action[len(CHANGE_PREFIX) :]), values)
        if action.startswith(ADD_PREFIX):
            return self._with_another_row(context, flow, step, action[len(ADD_PREFIX) :], values)
        if action == CONTINUE and step != CHECK_STEP:
            return self._continue(context, flow, _section(flow, step), values)
        if action in (RECORD, ""):  # a form posted whole, without a button's action: recorded as sent
            return self._record(context, caller, flow, values)
        return self._render_check(context, flow, values)

    def _continue(
        self, context: Context, flow: list[Section], section: Section, values: dict[str, list[str]]
    ) -> WebResponse:
        """The section's own problems, or the next section (the check page after the last)."""
        parsed = parse_form(values, flow)
        problems = list(parsed.errors)
        if not parsed.errors:
            caller = context.require_caller()
            document = _document(parsed.document, caller)
            problems = with_case_ids(self.services.case_service(), caller, document)
            try:
                validate_case_fields(document)
            except InvalidInput as invalid:
                problems += invalid.errors
        mine = [error for error in problems if _section_of(flow, error.field) == section.key]
        if mine:
            errors = place_errors(mine, [section], parsed.row_positions, parsed.document)
            return self._render_section(context, flow, section, values, errors, _refused(mine))
        following = flow.index(section) + 1
        if following < len(flow):
            return self._render_section(context, flow, flow[following], values)
        return self._render_check(context, flow, values)

    def _record(
        self, context: Context, caller: Caller, flow: list[Section], values: dict[str, list[str]]
    ) -> WebResponse:
        parsed = parse_form(values, flow)
        problems: list[FieldError] = list(parsed.errors)
        if not problems:
            document = _document(parsed.document, caller)
            # A rapid review is typed as its reference: the record holds its case id.
            problems = with_case_ids(self.services.case_service(), caller, document)
        if not problems:
            # The form's own key: pressing the button twice records one case.
            key = context.request.form_value(IDEMPOTENCY_FIELD).strip() or None
            try:
                case = self.services.case_service().submit(caller, SubmitCase(document, key))
            except InvalidInput as invalid:
                problems = invalid.errors
            else:
                return redirect(self.site.url(f"{APP_PREFIX}/cases/{case.case_id}?saved=1"), 303)
        # The first section holding a problem, with that section's problems (the others show when
        # the nurse continues through them).
        first = next(
            (section for section in flow if any(_section_of(flow, e.field) == section.key for e in problems)),
            flow[0],
        )
        mine = [error for error in problems if _section_of(flow, error.field) in (first.key, None)]
        errors = place_errors(mine, [first], parsed.row_positions, parsed.document)
        return self._render_section(context, flow, first, values, errors, _refused(mine))

    def _with_another_row(
        self, context: Context, flow: list[Section], step: str, rows_name: str, values: dict[str, list[str]]
    ) -> WebResponse:
        section = _section(flow, step)
        rows = next(
            (item for item in section.fields if isinstance(item, Rows) and item.name == rows_name), None
        )
        if rows is not None:
            values[row_count_name(rows)] = [str((row_count(values, rows) or 0) + 1)]
        return self._render_section(context, flow, section, values)

    def _render_section(
        self,
        context: Context,
        flow: list[Section],
        section: Section,
        values: Mapping[str, list[str]],
        errors: FormErrors | None = None,
        status: int = 200,
    ) -> WebResponse:
        caller = context.require_caller()
        position = flow.index(section)
        return self.site.page(
            "new.html",
            context,
            status,
            section=section,
            step_number=position + 1,
            steps=len(flow),
            previous=flow[position - 1] if position else None,
            carried=[other for other in flow if other.key != section.key],
            values=values,
            errors=errors or FormErrors(),
            icb=icb_name(self.services.reference(), caller.org),
            action=self.site.url(f"{APP_PREFIX}/cases/new"),
            idempotency_field=IDEMPOTENCY_FIELD,
            step_field=STEP_FIELD,
            action_field=ACTION_FIELD,
            providers=provider_lookup_html(self.services.reference()),
        )

    def _render_check(
        self, context: Context, flow: list[Section], values: dict[str, list[str]]
    ) -> WebResponse:
        caller = context.require_caller()
        parsed = parse_form(values, flow)
        named = provider_namer(self.services.reference())
        answers = [
            (
                section,
                [
                    {
                        "key": {"text": field_label(item.name)},
                        "value": {"text": show(item.name, parsed.document.get(item.name), named)},
                    }
                    for item in section.fields
                ],
            )
            for section in flow
        ]
        return self.site.page(
            "new_check.html",
            context,
            answers=answers,
            carried=flow,
            values=values,
            icb=icb_name(self.services.reference(), caller.org),
            action=self.site.url(f"{APP_PREFIX}/cases/new"),
            idempotency_field=IDEMPOTENCY_FIELD,
            step_field=STEP_FIELD,
            check_step=CHECK_STEP,
            action_field=ACTION_FIELD,
        )

    def _new_sections(self, caller: Caller) -> list[Section]:
        """Every section of the fields the caller may set; refused to whoever may not record a case."""
        fields = self.services.policy.submittable_fields(caller)
        if not fields:
            raise NotAllowed(f"The {caller.role.value} role cannot record cases.")
        return sections_for(fields)


def in_flow(sections: list[Section], values: Mapping[str, list[str]]) -> list[Section]:
    """The sections a new case asks for: the DHR questions only when the review type is a DHR."""
    review_type = (values.get("reviewType") or [""])[-1].strip()
    is_dhr = review_type in {review.value for review in DHR_REVIEW_TYPES}
    return [section for section in sections if is_dhr or section.key != DHR_QUESTIONS.key]


def _document(read: dict[str, Any], caller: Caller) -> dict[str, Any]:
    """The submission: the values given, in the caller's ICB, without DHR answers unless the review
    type is a DHR (an answer left from before the type changed is dropped, not refused)."""
    document = {name: value for name, value in read.items() if value is not None}
    if document.get("reviewType") not in {review.value for review in DHR_REVIEW_TYPES}:
        for name in DHR_ONLY_FIELDS:
            document.pop(name, None)
    document["icbCode"] = caller.org
    return document


def _section(flow: list[Section], key: str) -> Section:
    return next((section for section in flow if section.key == key), flow[0])


def _section_of(flow: list[Section], path: str) -> str | None:
    """The section holding the field a problem names (None: the case as a whole)."""
    name = path.split("[", 1)[0].split(".", 1)[0]
    return next(
        (section.key for section in flow if any(item.name == name for item in section.fields)),
        None,
    )


def _refused(problems: list[FieldError]) -> int:
    """The status of a form refused for these problems, as the one error table gives it."""
    return kind_of(InvalidInput("The form has problems.", problems), posted_form=True).status
