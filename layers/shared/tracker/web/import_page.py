"""Import cases: an ICB editor uploads a spreadsheet, sees each row checked by every rule of a
submission (nothing written), confirms to create the rows that passed, and downloads the report
(issue 22 item 6). The file's reading, the template and the report are ``tracker.imports``', shared
with ``scrt import``; the rows are checked and created by the case service, as the API does.

Nothing is kept between the pages: the check's answer carries the file's table (compressed, in a
hidden field of the confirmation's form), so confirming creates exactly the rows that were shown
as ready, each judged again by every rule as it is created. Each row's Idempotency-Key is the one
``scrt import`` sends (the ICB and the row's case): confirming twice, or importing again, creates
nothing twice.
"""

import base64
import binascii
import json
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tracker import clock
from tracker.access import Caller
from tracker.error_statuses import ERROR_KINDS
from tracker.errors import DomainError, InvalidInput, NotAllowed, UnreadableInput
from tracker.imports.reading import MAX_FILE_BYTES, MAX_ROWS, Cell, FileRefused, Table, megabytes, read_table
from tracker.imports.report import (
    Outcome,
    Status,
    api_problems,
    outcome_summary,
    report_bytes,
    row_outcome_before_sending,
)
from tracker.imports.rows import ImportFile, ImportRow, idempotency_key, read_rows
from tracker.imports.template import template_for
from tracker.logic.commands import SubmitCase
from tracker.web.case_links import with_case_ids
from tracker.web.http import WebResponse
from tracker.web.site import APP_PREFIX, Context, Pages, Routes

IMPORT_PATH = f"{APP_PREFIX}/import"
FILE_FIELD = "file"
ACTION_FIELD = "action"
STATE_FIELD = "state"
CHECK, CONFIRM, DOWNLOAD = "check", "confirm", "download"
TEMPLATE_QUERY = "template"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
MAX_STATE_BYTES = 4 * MAX_FILE_BYTES
"""What a posted check may inflate to: a file's table as JSON, never a decompression bomb."""
NO_FILE = "Select a file to import"
INVALID_STATUS = ERROR_KINDS[InvalidInput].status  # a file that cannot be imported, as a form's 422
NOT_READABLE_STATE = "The checked file could not be read back: upload it again."


@dataclass
class FileResponse(WebResponse):
    """A file to download: its bytes travel base64-encoded in the proxy result, as API Gateway
    and the local gateway expect a binary body."""

    content: bytes = b""

    def to_proxy_result(self) -> dict[str, Any]:
        result = super().to_proxy_result()
        result["multiValueHeaders"]["Content-Type"] = [self.content_type]
        result["body"] = base64.b64encode(self.content).decode("ascii")
        result["isBase64Encoded"] = True
        return result


def download(content: bytes, filename: str) -> FileResponse:
    media_type = CSV_MEDIA_TYPE if filename.endswith(".csv") else XLSX_MEDIA_TYPE
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return FileResponse(200, "", media_type, headers, content=content)


# --- the check, carried to the confirmation --------------------------------------------------------


def _cell_to_json(cell: Cell) -> Any:
    if isinstance(cell, datetime | date):
        return {"date": cell.isoformat()}
    if cell is None or isinstance(cell, str | int | float | bool):
        return cell
    return str(cell)


def _cell_from_json(value: Any) -> Cell:
    if isinstance(value, dict) and isinstance(value.get("date"), str):
        return datetime.fromisoformat(value["date"])
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError("not a cell")


def pack(filename: str, imported: ImportFile, outcomes: dict[int, Outcome]) -> str:
    state = {
        "filename": filename,
        "kind": imported.table.kind,
        "headers": imported.table.headers,
        "rows": [[number, [_cell_to_json(cell) for cell in cells]] for number, cells in imported.table.rows],
        "outcomes": {
            str(number): [outcome.status.value, outcome.reference, outcome.problems]
            for number, outcome in outcomes.items()
        },
    }
    compressed = zlib.compress(json.dumps(state, separators=(",", ":")).encode(), 9)
    return base64.urlsafe_b64encode(compressed).decode("ascii")


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    table: Table
    outcomes: dict[int, Outcome]


def unpack(text: str) -> CheckedFile:
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.urlsafe_b64decode(text.encode("ascii")), MAX_STATE_BYTES)
        if inflater.unconsumed_tail:
            raise ValueError("larger than any file's table")
        state = json.loads(raw)
        rows = [(int(number), [_cell_from_json(cell) for cell in cells]) for number, cells in state["rows"]]
        if len(rows) > MAX_ROWS:
            raise ValueError("more rows than a file may hold")
        kind = "xlsx" if state["kind"] == "xlsx" else "csv"
        table = Table([str(header) for header in state["headers"]], rows, kind)
        outcomes = {
            int(number): Outcome(Status(status), reference, [str(problem) for problem in problems])
            for number, (status, reference, problems) in state["outcomes"].items()
        }
        return CheckedFile(str(state["filename"]), table, outcomes)
    except (ValueError, KeyError, TypeError, binascii.Error, zlib.error, UnicodeError):
        raise UnreadableInput(NOT_READABLE_STATE, []) from None


def _refusal_problems(refusal: DomainError) -> list[str]:
    problem = {"detail": refusal.detail, "errors": [error.as_dict() for error in refusal.errors]}
    return api_problems(problem)


def report_name(filename: str, kind: str) -> str:
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{stem or 'cases'}-report.{kind}"


class ImportPages(Pages):
    def routes(self) -> Routes:
        return {("GET", IMPORT_PATH): self.import_page, ("POST", IMPORT_PATH): self.import_submit}

    def _importer(self, context: Context) -> Caller:
        caller = context.require_caller()
        if not self.services.policy.may_import(caller):
            raise NotAllowed(f"The {caller.role.value} role cannot import cases.")
        return caller

    def import_page(self, context: Context) -> WebResponse:
        self._importer(context)
        kind = context.request.query_value(TEMPLATE_QUERY)
        if kind in ("xlsx", "csv"):
            name = f"case-import-template.{kind}"
            return download(template_for(name), name)
        return self._upload_form(context)

    def _upload_form(self, context: Context, error: str | None = None, status: int = 200) -> WebResponse:
        return self.site.page(
            "import.html",
            context,
            status,
            action=self.site.url(IMPORT_PATH),
            file_field=FILE_FIELD,
            action_field=ACTION_FIELD,
            check=CHECK,
            error=error,
            max_size=megabytes(MAX_FILE_BYTES),
            max_rows=f"{MAX_ROWS:,}",
        )

    def import_submit(self, context: Context) -> WebResponse:
        caller = self._importer(context)
        action = context.request.form_value(ACTION_FIELD).strip()
        if action in (CONFIRM, DOWNLOAD):
            checked = unpack(context.request.form_value(STATE_FIELD))
            imported = read_rows(checked.table, caller.org)
            if action == DOWNLOAD:
                return self._download(checked, imported)
            return self._confirm(context, caller, checked, imported)
        return self._check(context, caller)

    def _download(self, checked: CheckedFile, imported: ImportFile) -> FileResponse:
        ordered = _in_order(imported, checked.outcomes)
        created = {Status.CREATED, Status.ALREADY_IMPORTED}
        line = outcome_summary(ordered, dry_run=not any(outcome.status in created for outcome in ordered))
        content = report_bytes(imported, checked.outcomes, line)
        return download(content, report_name(checked.filename, imported.table.kind))

    def _uploaded(self, context: Context) -> Any:
        files = getattr(context.request, "files", None) or {}
        return files.get(FILE_FIELD)

    def _check(self, context: Context, caller: Caller) -> WebResponse:
        uploaded = self._uploaded(context)
        if uploaded is None or not uploaded.content:
            return self._upload_form(context, NO_FILE, INVALID_STATUS)
        try:
            table = read_table(uploaded.content, uploaded.filename)
        except FileRefused as refused:
            return self._upload_form(context, str(refused), INVALID_STATUS)
        imported = read_rows(table, caller.org)
        outcomes = {
            row.number: row_outcome_before_sending(row) or self._dry_run(caller, row) for row in imported.rows
        }
        return self._report(context, uploaded.filename, imported, outcomes, confirmed=False)

    def _linked(self, caller: Caller, row: ImportRow) -> tuple[dict[str, Any], list[str]]:
        """The row's case with a rapid review's reference as its case id, and what could not be linked."""
        document = dict(row.document)
        problems = with_case_ids(self.services.case_service(), caller, document)
        return document, _refusal_problems(InvalidInput("", problems)) if problems else []

    def _dry_run(self, caller: Caller, row: ImportRow) -> Outcome:
        document, problems = self._linked(caller, row)
        if problems:
            return Outcome(Status.NOT_IMPORTED, problems=problems)
        key = idempotency_key(caller.org, row.document)
        try:
            self.services.case_service().check_submission(caller, SubmitCase(document, key))
        except (InvalidInput, UnreadableInput, NotAllowed) as refusal:
            return Outcome(Status.NOT_IMPORTED, problems=_refusal_problems(refusal))
        return Outcome(Status.READY)

    def _confirm(
        self, context: Context, caller: Caller, checked: CheckedFile, imported: ImportFile
    ) -> WebResponse:
        started = clock.now_utc()
        outcomes = dict(checked.outcomes)
        for row in imported.rows:
            if outcomes.get(row.number, Outcome(Status.NOT_SENT)).status is not Status.READY:
                continue
            outcomes[row.number] = self._create(caller, row, started)
        return self._report(context, checked.filename, imported, outcomes, confirmed=True)

    def _create(self, caller: Caller, row: ImportRow, started: datetime) -> Outcome:
        document, problems = self._linked(caller, row)
        if problems:
            return Outcome(Status.NOT_IMPORTED, problems=problems)
        key = idempotency_key(caller.org, row.document)
        try:
            case = self.services.case_service().submit(caller, SubmitCase(document, key))
        except (InvalidInput, UnreadableInput, NotAllowed) as refusal:
            return Outcome(Status.NOT_IMPORTED, problems=_refusal_problems(refusal))
        # The key's first answer, replayed: recorded before this confirmation.
        status = Status.ALREADY_IMPORTED if case.created_at < started else Status.CREATED
        return Outcome(status, case.reference)

    def _report(
        self,
        context: Context,
        filename: str,
        imported: ImportFile,
        outcomes: dict[int, Outcome],
        *,
        confirmed: bool,
    ) -> WebResponse:
        ordered = _in_order(imported, outcomes)
        ready = sum(1 for outcome in ordered if outcome.status is Status.READY)
        return self.site.page(
            "import_report.html",
            context,
            action=self.site.url(IMPORT_PATH),
            filename=filename,
            confirmed=confirmed,
            summary=outcome_summary(ordered, dry_run=not confirmed),
            file_errors=[{"text": problem} for problem in imported.file_problems],
            rows=[_row_view(row, outcome) for row, outcome in zip(imported.rows, ordered, strict=True)],
            ready=ready if not imported.file_problems else 0,
            state=pack(filename, imported, outcomes),
            action_field=ACTION_FIELD,
            state_field=STATE_FIELD,
            confirm=CONFIRM,
            download=DOWNLOAD,
        )


def _in_order(imported: ImportFile, outcomes: dict[int, Outcome]) -> list[Outcome]:
    return [outcomes.get(row.number) or Outcome(Status.NOT_SENT) for row in imported.rows]


def _row_view(row: ImportRow, outcome: Outcome) -> dict[str, Any]:
    return {
        "number": row.number,
        "local_reference": row.document.get("localReference") or "",
        "status": outcome.status.value,
        "tag": _TAG_COLOURS[outcome.status],
        "reference": outcome.reference or "",
        "problems": outcome.problems,
    }


_TAG_COLOURS = {
    Status.CREATED: "green",
    Status.ALREADY_IMPORTED: "blue",
    Status.READY: "green",
    Status.NOT_IMPORTED: "red",
    Status.NOT_SENT: "grey",
}
