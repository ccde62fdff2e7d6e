"""Who has seen this case: the case's reads, newest first, for its ICB's editors and the national
team (the access policy answers who may; anyone else who may see the case is refused, 403). Reading
the page is itself recorded, as every read is."""

from typing import Any, cast
from urllib.parse import urlencode

from tracker.access import ROLE_IN_WORDS
from tracker.logic.audit import AuditedCaseService, ReadAccessLog
from tracker.models.access_log import AccessEntry, AccessLogPage, Channel, ReadAction, ReadOutcome
from tracker.models.enums import Role
from tracker.web.http import WebResponse
from tracker.web.labels import format_time
from tracker.web.site import APP_PREFIX, Context, Pages, Routes

ACCESS_PAGE_SIZE = 25
CURSOR = "cursor"
ACTION_WORDS = {
    ReadAction.READ_CASE: "Opened the case",
    ReadAction.READ_HISTORY: "Read its history",
    ReadAction.LIST_CASES: "Saw it in a list",
    ReadAction.FIND_BY_REFERENCE: "Found it by its reference",
    ReadAction.READ_ACCESS_LOG: "Looked at who has seen it",
}
CHANNEL_WORDS = {Channel.API: "through the API", Channel.WEB: "in the tracker"}


def entry_row(entry: AccessEntry) -> dict[str, Any]:
    """One read as the page says it: who (the name if known, else the role), where from, what, when."""
    try:
        role_words = ROLE_IN_WORDS[Role(entry.role)]
    except ValueError:
        role_words = entry.role
    return {
        "who": entry.name or role_words,
        "role": role_words,
        "org": entry.org,
        "what": f"{ACTION_WORDS[entry.action]} {CHANNEL_WORDS[entry.channel]}",
        "when": format_time(entry.at),
        "refused": entry.outcome is ReadOutcome.REFUSED,
        "request_id": entry.request_id or "",
    }


class AccessLogPages(Pages):
    def routes(self) -> Routes:
        return {("GET", "/app/cases/{caseId}/access"): self.access_page}

    def access_page(self, context: Context) -> WebResponse:
        caller = context.require_caller()
        case_id = context.request.path_parameters.get("caseId", "")
        service = self.services.case_service()
        cursor = context.request.query_value(CURSOR) or None
        # The web app's case service is always the audited one (a function reading cases does not
        # start without the audit table).
        audited = cast(AuditedCaseService, service)
        page: AccessLogPage = audited.access_log(caller, ReadAccessLog(case_id, ACCESS_PAGE_SIZE, cursor))
        reference = service.reference_of(caller, case_id)
        older = None
        if page.next_cursor:
            older = f"{APP_PREFIX}/cases/{case_id}/access?{urlencode({CURSOR: page.next_cursor})}"
        return self.site.page(
            "access_log.html",
            context,
            case_id=case_id,
            reference=reference,
            rows=[entry_row(entry) for entry in page.items],
            older=older,
            first_page=cursor is None,
        )
