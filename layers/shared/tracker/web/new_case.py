"""Recording a case: the form, and the submission it becomes (one case per form, however often
it is sent)."""

import secrets

from tracker.access import Caller
from tracker.errors import InvalidInput, NotAllowed, UnreadableInput
from tracker.logic.commands import SubmitCase
from tracker.web.display import icb_name, provider_list
from tracker.web.forms import FormErrors, Section, form_values, parse_form, place_errors, sections_for
from tracker.web.http import WebResponse, redirect
from tracker.web.site import APP_PREFIX, Context, Pages, Routes

IDEMPOTENCY_FIELD = "submissionKey"


class NewCasePages(Pages):
    def routes(self) -> Routes:
        return {("GET", "/app/cases/new"): self.new_form, ("POST", "/app/cases/new"): self.new_submit}

    def new_form(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        sections = self._new_sections(caller)
        values = form_values({}, sections)
        values[IDEMPOTENCY_FIELD] = [secrets.token_urlsafe(24)]
        return self._render_new(context, sections, values, FormErrors())

    def _render_new(
        self,
        context: Context,
        sections: list[Section],
        values: dict[str, list[str]],
        errors: FormErrors,
        status: int = 200,
    ) -> WebResponse:
        caller = context.require_caller()
        return self.site.page(
            "new.html",
            context,
            status,
            sections=sections,
            values=values,
            errors=errors,
            icb=icb_name(self.services.reference(), caller.org),
            action=self.site.url(f"{APP_PREFIX}/cases/new"),
            idempotency_field=IDEMPOTENCY_FIELD,
            providers=provider_list(self.services.reference()),
        )

    def new_submit(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        sections = self._new_sections(caller)
        request = context.request
        parsed = parse_form(request.form, sections)
        if parsed.unreadable:
            raise UnreadableInput("The form could not be read.", parsed.unreadable)
        if parsed.errors:
            errors = place_errors(parsed.errors, sections, parsed.row_positions, parsed.document)
            return self._render_new(context, sections, dict(request.form), errors, 422)
        document = {name: value for name, value in parsed.document.items() if value is not None}
        document["icbCode"] = caller.org
        # The form's own key: pressing the button twice records one case.
        key = request.form_value(IDEMPOTENCY_FIELD).strip() or None
        try:
            case = self.services.case_service().submit(caller, SubmitCase(document, key))
        except InvalidInput as invalid:
            errors = place_errors(invalid.errors, sections, parsed.row_positions, parsed.document)
            return self._render_new(context, sections, dict(request.form), errors, 422)
        return redirect(self.site.url(f"{APP_PREFIX}/cases/{case.case_id}?saved=1"), 303)

    def _new_sections(self, caller: Caller) -> list[Section]:
        """The form's sections, every field the caller may set (the DHR questions too: the review
        type is not chosen yet); refused to whoever may not record a case."""
        fields = self.services.policy.submittable_fields(caller)
        if not fields:
            raise NotAllowed(f"The {caller.role.value} role cannot record cases.")
        return sections_for(fields)
