"""The web app's import page (issue 22 item 6): upload, the dry-run report (nothing written),
confirm to create the rows that passed, the report to download; for ICB editors only.

The page family is driven directly: registering it in the web app (``tracker.web.app``) and the
gateway's route table (``infra/routes.py``), and reading multipart bodies into the request
(``tracker.web.http``, with ``tracker.web.uploads``), are other helpers' files."""

import base64
import io
import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.unit.web.conftest import EDITOR, REGIONAL, VIEWER, Harness
from tracker.access import Caller
from tracker.errors import NotAllowed, UnreadableInput
from tracker.imports.columns import OUTCOME_HEADER, PROBLEMS_HEADER, REFERENCE_HEADER
from tracker.imports.reading import MAX_ROWS, TOO_MANY_ROWS, read_table
from tracker.logic.commands import ListCases
from tracker.models.fields import client_field
from tracker.web.http import WebRequest, WebResponse
from tracker.web.import_page import IMPORT_PATH, NO_FILE, ImportPages
from tracker.web.site import Context
from tracker.web.uploads import MAX_PARTS, MAX_UPLOAD_BYTES, UploadedFile, read_upload

SYNTHETIC_NHS_NUMBER = "943 476 5919"  # passes the modulus 11 check; made up
HEADER = (
    "Review type,Status,Stage,Designated professional,Safeguarding partnership,Themes,Incident date,"
    "Date the decision to review was made,Local reference,Case information (restricted),Providers involved"
)
GOOD = "SAR,Open,Notified,ICB safeguarding lead,Synthetic Board,Neglect,10/01/2026,02/02/2026"


def _csv(*rows: str) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


FILE = _csv(
    f"{GOOD},WEB-1,,",
    "SAR,Open,Notified,ICB safeguarding lead,Synthetic Board,Neglect,31/02/2026,02/02/2026,WEB-2,,",
    f"{GOOD},WEB-3,NHS number {SYNTHETIC_NHS_NUMBER},",
    f"{GOOD},WEB-4,,ZZ999",
)


@dataclass(frozen=True)
class UploadRequest(WebRequest):
    """The request as ``tracker.web.http`` gives it once it reads multipart bodies."""

    files: dict[str, UploadedFile] = field(default_factory=dict)


def _context(caller: Caller, method: str, form: dict[str, str] | None = None, **extra: Any) -> Context:
    request = UploadRequest(
        method=method,
        path=IMPORT_PATH,
        route=IMPORT_PATH,
        path_parameters={},
        query={name: [value] for name, value in extra.pop("query", {}).items()},
        form={name: [value] for name, value in (form or {}).items()},
        cookies={},
        headers={},
        correlation_id="test",
        **extra,
    )
    return Context(request=request, caller=caller)


def _pages(web: Harness) -> ImportPages:
    return ImportPages(web.app.site, web.app.services)


def _upload(web: Harness, content: bytes, name: str = "cases.csv", caller: Caller = EDITOR) -> WebResponse:
    context = _context(caller, "POST", {"action": "check"}, files={"file": UploadedFile(name, content)})
    return _pages(web).import_submit(context)


def _state(page: WebResponse) -> str:
    found = re.search(r'name="state" value="([^"]+)"', page.body)
    assert found, "no state on the page"
    return unescape(found.group(1))


def _cases(web: Harness) -> list[Any]:
    return web.service.list(EDITOR, ListCases(limit=100)).items


def _text(page: WebResponse) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", page.body))


def test_the_upload_is_checked_row_by_row_and_nothing_is_written(web: Harness) -> None:
    page = _upload(web, FILE)
    assert page.status == 200
    text = _text(page)
    assert "Checked (nothing created): 4 rows: 1 row ready to create; 3 rows not imported." in text
    assert "Incident date must be a real date" in text
    assert "Case information (restricted)" in text and SYNTHETIC_NHS_NUMBER not in text
    assert "Providers involved" in text
    assert "Create 1 case" in text
    assert _cases(web) == []


def test_confirming_creates_the_rows_that_passed_and_only_once(web: Harness) -> None:
    state = _state(_upload(web, FILE))
    confirmed = _pages(web).import_submit(_context(EDITOR, "POST", {"action": "confirm", "state": state}))
    assert confirmed.status == 200
    [case] = _cases(web)
    assert case.local_reference == "WEB-1"
    text = _text(confirmed)
    assert "Imported: 4 rows: 1 row created; 3 rows not imported." in text
    assert case.reference in text
    again = _pages(web).import_submit(_context(EDITOR, "POST", {"action": "confirm", "state": state}))
    assert "1 row already imported" in _text(again)
    assert len(_cases(web)) == 1
    # The same file uploaded and confirmed again (after a fix elsewhere): still one case for it.
    _pages(web).import_submit(
        _context(EDITOR, "POST", {"action": "confirm", "state": _state(_upload(web, FILE))})
    )
    assert len(_cases(web)) == 1


def test_the_report_downloads_in_the_files_format_with_each_outcome(web: Harness) -> None:
    confirmed = _pages(web).import_submit(
        _context(EDITOR, "POST", {"action": "confirm", "state": _state(_upload(web, FILE))})
    )
    result = (
        _pages(web)
        .import_submit(_context(EDITOR, "POST", {"action": "download", "state": _state(confirmed)}))
        .to_proxy_result()
    )
    assert result["isBase64Encoded"] is True
    assert result["multiValueHeaders"]["Content-Disposition"] == ['attachment; filename="cases-report.csv"']
    table = read_table(base64.b64decode(result["body"]), "cases-report.csv")
    outcome, reference, problems = (
        table.headers.index(h) for h in (OUTCOME_HEADER, REFERENCE_HEADER, PROBLEMS_HEADER)
    )
    rows = [cells for _, cells in table.rows]
    assert [row[outcome] for row in rows[:4]] == ["Created", "Not imported", "Not imported", "Not imported"]
    assert rows[0][reference] == _cases(web)[0].reference
    assert rows[1][problems] == "Incident date must be a real date"
    assert rows[4][outcome] == "Imported: 4 rows: 1 row created; 3 rows not imported."


def test_an_xlsx_upload_and_the_templates(web: Harness) -> None:
    for kind in ("xlsx", "csv"):
        result = _pages(web).import_page(_context(EDITOR, "GET", query={"template": kind})).to_proxy_result()
        template = base64.b64decode(result["body"])
        assert read_table(template, f"t.{kind}").headers[0] == "Review type"
    workbook = load_workbook(
        io.BytesIO(
            base64.b64decode(
                _pages(web)
                .import_page(_context(EDITOR, "GET", query={"template": "xlsx"}))
                .to_proxy_result()["body"]
            )
        )
    )
    cases = workbook["Cases"]
    labels = [cell.value for cell in cases[1]]
    for label, value in zip(HEADER.split(","), [*GOOD.split(","), "WEB-X"], strict=False):
        cases.cell(row=2, column=labels.index(label) + 1, value=value)
    out = io.BytesIO()
    workbook.save(out)
    page = _upload(web, out.getvalue(), "cases.xlsx")
    assert "1 row ready to create" in _text(page)


def test_no_file_or_a_file_refused_is_said_on_the_form(web: Harness) -> None:
    missing = _pages(web).import_submit(_context(EDITOR, "POST", {"action": "check"}))
    assert missing.status == 422 and NO_FILE in _text(missing)
    too_many = _upload(web, _csv(*[f"{GOOD},MANY-{n},," for n in range(MAX_ROWS + 1)]))
    assert too_many.status == 422 and TOO_MANY_ROWS in _text(too_many)
    assert _cases(web) == []


def test_unknown_columns_offer_no_confirmation(web: Harness) -> None:
    page = _upload(web, (HEADER + ",Victim initials\r\n" + GOOD + ",WEB-9,,,XX\r\n").encode())
    text = _text(page)
    assert "'Victim initials' is not one the tracker knows" in text
    assert "Create 1 case" not in text


@pytest.mark.parametrize("caller", [VIEWER, REGIONAL], ids=lambda caller: caller.role.value)
def test_only_icb_editors_import(web: Harness, caller: Caller) -> None:
    with pytest.raises(NotAllowed):
        _pages(web).import_page(_context(caller, "GET"))
    with pytest.raises(NotAllowed):
        _upload(web, FILE, caller=caller)


def test_a_state_that_is_not_a_check_is_unreadable(web: Harness) -> None:
    bomb = base64.urlsafe_b64encode(__import__("zlib").compress(b"[" * (50 * 1024 * 1024))).decode()
    for state in ("not base64!", base64.urlsafe_b64encode(b"plain").decode(), bomb):
        with pytest.raises(UnreadableInput):
            _pages(web).import_submit(_context(EDITOR, "POST", {"action": "confirm", "state": state}))


def test_a_rapid_review_is_linked_by_its_reference(web: Harness) -> None:
    rapid = web.submit(reviewType="RAPID_REVIEW", stage="RAPID_REVIEW")
    header = f"{HEADER},{client_field('convertedFromCaseId').label},{client_field('convertedDate').label}"
    rows = [f"{GOOD},WEB-L,,,{rapid.reference},03/02/2026", f"{GOOD},WEB-M,,,QE1-2026-9999,03/02/2026"]
    page = _upload(web, ("\r\n".join([header, *rows]) + "\r\n").encode())
    assert "No rapid review with reference QE1-2026-9999 that you can see" in _text(page)
    _pages(web).import_submit(_context(EDITOR, "POST", {"action": "confirm", "state": _state(page)}))
    linked = [case for case in _cases(web) if case.local_reference == "WEB-L"]
    assert [case.converted_from_case_id for case in linked] == [rapid.case_id]


def _multipart(*parts: tuple[str, str | None, bytes]) -> tuple[bytes, str]:
    boundary = "----scrt-test-boundary"
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_multipart_body_gives_its_fields_and_its_file_byte_for_byte() -> None:
    binary = bytes(range(256)) * 4 + b"\r\n--not-a-boundary\r\n"
    body, content_type = _multipart(("csrfToken", None, b"token-1"), ("file", "folder/cases.xlsx", binary))
    upload = read_upload(body, content_type)
    assert upload.form == {"csrfToken": ["token-1"]}
    assert upload.files["file"] == UploadedFile("cases.xlsx", binary)


def test_a_multipart_body_too_large_or_with_too_many_parts_is_not_read() -> None:
    body, content_type = _multipart(("file", "big.csv", b"x" * MAX_UPLOAD_BYTES))
    assert read_upload(body, content_type).files == {}
    body, content_type = _multipart(*[(f"f{n}", None, b"v") for n in range(MAX_PARTS + 1)])
    assert read_upload(body, content_type).form == {}
    assert read_upload(b"csrfToken=x", "application/x-www-form-urlencoded").form == {}
