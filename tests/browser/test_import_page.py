"""Import cases in a real browser (issue 22 item 6): an ICB editor uploads a filled template with
wrong rows, reads the check (nothing created), confirms, downloads the report, fixes the file and
imports it again: only the fixed rows are created. Each page checked by axe."""

import io
import uuid
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook

from local_stack.identity import issue_token
from local_stack.stack import LocalStack
from tests.browser.conftest import AxeResults, Browser, screenshot
from tests.browser.test_journeys import no_violations, sign_in
from tracker.imports.columns import COLUMNS, OUTCOME_HEADER, REFERENCE_HEADER
from tracker.imports.template import template_xlsx

SYNTHETIC_NHS_NUMBER = "943 476 5919"  # passes the modulus 11 check; made up
GOOD = {
    "reviewType": "Safeguarding adult review (SAR)",
    "status": "Open",
    "stage": "Notified",
    "designatedProfessional": "ICB safeguarding lead",
    "safeguardingPartnership": "Synthetic Safeguarding Adults Board",
    "themes": "Neglect",
    "incidentDate": "10/01/2026",
    "dateAdded": "02/02/2026",
}
WRONG = {"incidentDate": "31/02/2026"}, {"caseInformation": f"NHS number {SYNTHETIC_NHS_NUMBER}"}
FIXED = {"incidentDate": "11/01/2026"}, {"caseInformation": "Synthetic summary, nothing identifying."}


def _file(folder: Path, run: str, fixed: bool) -> Path:
    workbook = load_workbook(io.BytesIO(template_xlsx()))
    sheet = workbook["Cases"]
    position = {column.name: number for number, column in enumerate(COLUMNS, start=1)}
    rows = [GOOD, *({**GOOD, **change} for change in (FIXED if fixed else WRONG))]
    for row_number, values in enumerate(rows, start=2):
        for name, value in {**values, "localReference": f"{run}-{row_number}"}.items():
            sheet.cell(row=row_number, column=position[name], value=value)
    path = folder / ("fixed.xlsx" if fixed else "cases.xlsx")
    workbook.save(path)
    return path


def _created(stack: LocalStack, run: str) -> dict[str, str]:
    token = issue_token(stack.state, "icb_editor", "QE1")
    found: dict[str, str] = {}
    cursor = None
    while True:
        params = {"icbCode": "QE1", "limit": "100", **({"cursor": cursor} if cursor else {})}
        page = httpx.get(
            f"{stack.api_url}/cases", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ).json()
        found.update(
            {
                c["localReference"]: c["reference"]
                for c in page["items"]
                if str(c.get("localReference", "")).startswith(run)
            }
        )
        cursor = page.get("nextCursor")
        if not cursor:
            return found


def _check(page: Any, path: Path) -> None:
    page.goto(page.url.split("/app/")[0] + "/app/import")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state("load")


def test_an_editor_imports_a_file_fixes_it_and_imports_only_the_fixed_rows(
    web_stack: LocalStack, new_browser: Browser, axe: AxeResults, tmp_path: Path
) -> None:
    run = f"WEBIMP-{uuid.uuid4().hex[:6]}"
    page = new_browser()
    sign_in(page, web_stack, "icb_editor", "QE1", "/app/import")
    assert page.locator("h1").inner_text().endswith("Import cases")
    no_violations(axe, page, "import")

    _check(page, _file(tmp_path, run, fixed=False))
    summary = page.locator("#import-summary").inner_text()
    assert summary == "Checked (nothing created): 3 rows: 1 row ready to create; 2 rows not imported."
    assert "Incident date must be a real date" in page.locator("#import-rows").inner_text()
    assert SYNTHETIC_NHS_NUMBER not in page.content()
    assert _created(web_stack, run) == {}
    no_violations(axe, page, "import check")
    screenshot(page, "import-check")

    page.get_by_role("button", name="Create 1 case").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text().endswith("Cases imported")
    first = _created(web_stack, run)
    assert list(first) == [f"{run}-2"]
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download the report").click()
    assert downloading.value.suggested_filename == "cases-report.xlsx"
    report = load_workbook(io.BytesIO(Path(downloading.value.path()).read_bytes()), read_only=True)["Cases"]
    rows = list(report.iter_rows(values_only=True))
    outcome, reference = rows[0].index(OUTCOME_HEADER), rows[0].index(REFERENCE_HEADER)
    assert [(row[outcome], row[reference]) for row in rows[1:3]] == [
        ("Created", first[f"{run}-2"]),
        ("Not imported", None),
    ]
    no_violations(axe, page, "import done")

    _check(page, _file(tmp_path, run, fixed=True))
    page.get_by_role("button", name="Create 3 cases").click()
    page.wait_for_load_state("load")
    assert "1 row already imported" in page.locator("#import-summary").inner_text()
    after = _created(web_stack, run)
    assert sorted(after) == [f"{run}-2", f"{run}-3", f"{run}-4"]
    assert after[f"{run}-2"] == first[f"{run}-2"]


def test_a_viewer_is_not_offered_the_import_page_and_is_refused_it(
    web_stack: LocalStack, new_browser: Browser
) -> None:
    page = new_browser()
    sign_in(page, web_stack, "icb_viewer", "QE1")

    assert page.get_by_role("link", name="Import cases").count() == 0
    response = page.goto(f"{web_stack.api_url}/app/import")
    assert response is not None and response.status == 403
