"""scrt import through the local stack (issue 22): a filled template with rows wrong in each way, a
dry run that writes nothing, the report, an import that creates only the rows that pass, then the
fixed file imported again creating only the fixed rows."""

import io
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from local_stack import cli
from local_stack.stack import LocalStack
from tracker.imports.columns import COLUMNS, OUTCOME_HEADER, PROBLEMS_HEADER, REFERENCE_HEADER

from .conftest import TokenFactory

SYNTHETIC_NHS_NUMBER = "943 476 5919"  # passes the modulus 11 check; made up
GOOD = {
    "Review type": "Safeguarding adult review (SAR)",
    "Status": "Open",
    "Stage": "Notified",
    "Designated professional": "ICB safeguarding lead",
    "Safeguarding partnership": "Synthetic Safeguarding Adults Board",
    "Themes": "Neglect; Self neglect",
    "Incident date": "10/01/2026",
    "Date the decision to review was made": "2 February 2026",
}
# Each wrong row: what is wrong in it, how it is fixed, and words its problem must hold.
WRONG = [
    ({"Incident date": "31/02/2026"}, {"Incident date": "28/01/2026"}, "Incident date must be a real date"),
    ({"Stage": "Nearly done"}, {"Stage": "In progress"}, "Select one of the choices offered for the stage"),
    (
        {"Case information (restricted)": f"NHS number {SYNTHETIC_NHS_NUMBER}"},
        {"Case information (restricted)": "Synthetic summary, nothing identifying."},
        "Case information (restricted)",
    ),
    (
        {"Date the decision to review was made": "01/01/2025"},
        {"Date the decision to review was made": "03/03/2026"},
        "Date the decision to review was made must be the same as or after the incident date",
    ),
    ({"Providers involved": "ZZ999"}, {"Providers involved": ""}, "Providers involved"),
    ({"Themes": ""}, {"Themes": "Neglect"}, "Select the themes"),
]


def _workbook_bytes(rows: list[dict[str, str]], template: Path) -> bytes:
    workbook = load_workbook(template)
    cases = workbook["Cases"]
    position = {column.label: number for number, column in enumerate(COLUMNS, start=1)}
    for row_number, values in enumerate(rows, start=2):
        for label, value in values.items():
            cases.cell(row=row_number, column=position[label], value=value or None)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rows(run: str, fixed: bool) -> list[dict[str, str]]:
    rows = [
        {**GOOD, "Local reference": f"{run}-1"},
        {**GOOD, "Review type": "CSPR", "Local reference": f"{run}-2"},
    ]
    for number, (wrong, fix, _) in enumerate(WRONG, start=3):
        rows.append({**GOOD, **(fix if fixed else wrong), "Local reference": f"{run}-{number}"})
    return rows


def _report(path: Path) -> list[dict[str, Any]]:
    sheet = load_workbook(path, read_only=True)["Cases"]
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[0])
    return [dict(zip(headers, row, strict=False)) for row in rows[1:]]


def _imported(api: httpx.Client, token: str, run: str) -> dict[str, str]:
    """The QE1 cases of this run, reference by local reference."""
    found: dict[str, str] = {}
    cursor: str | None = None
    while True:
        params = {"icbCode": "QE1", "limit": "100", **({"cursor": cursor} if cursor else {})}
        page = api.get("/cases", params=params, headers={"Authorization": f"Bearer {token}"}).json()
        for case in page["items"]:
            if (case.get("localReference") or "").startswith(run):
                assert case["localReference"] not in found, "a case was created twice"
                found[case["localReference"]] = case["reference"]
        cursor = page.get("nextCursor")
        if not cursor:
            return found


def _import(stack: LocalStack, token: str, source: Path, report: Path, *extra: str) -> int:
    arguments = ["import", str(source), "--icb", "QE1", "--api", stack.api_url, "--token", token]
    return cli.main([*arguments, "--report", str(report), *extra])


def test_a_filled_template_is_checked_imported_fixed_and_imported_again(
    stack: LocalStack, api: httpx.Client, token: TokenFactory, tmp_path: Path
) -> None:
    editor = token("icb_editor", "QE1")
    run = f"IMP-{uuid.uuid4().hex[:8]}"
    template = tmp_path / "template.xlsx"
    assert cli.main(["import", "--template", str(template)]) == 0
    source = tmp_path / "cases.xlsx"
    source.write_bytes(_workbook_bytes(_rows(run, fixed=False), template))

    # The dry run: every row judged, nothing written.
    assert _import(stack, editor, source, tmp_path / "dry.xlsx", "--dry-run") == 1
    dry = _report(tmp_path / "dry.xlsx")
    assert [row[OUTCOME_HEADER] for row in dry[:-1]] == ["Ready to create"] * 2 + ["Not imported"] * len(
        WRONG
    )
    for row, (_, _, words) in zip(dry[2:-1], WRONG, strict=True):
        assert words in row[PROBLEMS_HEADER]
    assert "Checked (nothing created): 8 rows" in dry[-1][OUTCOME_HEADER]
    assert _imported(api, editor, run) == {}

    # The import: the rows that pass are created, the others reported.
    assert _import(stack, editor, source, tmp_path / "first.xlsx") == 1
    first = _report(tmp_path / "first.xlsx")
    created = _imported(api, editor, run)
    assert sorted(created) == [f"{run}-1", f"{run}-2"]
    assert [(row[OUTCOME_HEADER], row[REFERENCE_HEADER]) for row in first[:2]] == [
        ("Created", created[f"{run}-1"]),
        ("Created", created[f"{run}-2"]),
    ]
    assert [row[OUTCOME_HEADER] for row in first[2:-1]] == ["Not imported"] * len(WRONG)
    assert SYNTHETIC_NHS_NUMBER not in str(first[4][PROBLEMS_HEADER])  # a message never quotes the text

    # Fixed and imported again: only the fixed rows are created.
    source.write_bytes(_workbook_bytes(_rows(run, fixed=True), template))
    assert _import(stack, editor, source, tmp_path / "second.xlsx") == 0
    second = _report(tmp_path / "second.xlsx")
    assert [row[OUTCOME_HEADER] for row in second[:-1]] == ["Already imported"] * 2 + ["Created"] * len(WRONG)
    after = _imported(api, editor, run)
    assert len(after) == 2 + len(WRONG)
    assert {name: after[name] for name in created} == created
    assert [row[REFERENCE_HEADER] for row in second[:-1]] == [after[f"{run}-{n}"] for n in range(1, 9)]

    # The same file once more, or its report read back in: nothing new.
    assert _import(stack, editor, source, tmp_path / "third.xlsx") == 0
    assert {row[OUTCOME_HEADER] for row in _report(tmp_path / "third.xlsx")[:-1]} == {"Already imported"}
    assert _import(stack, editor, tmp_path / "second.xlsx", tmp_path / "fourth.xlsx") == 0
    assert _imported(api, editor, run) == after


def test_a_csv_in_windows_1252_imports_through_the_stack(
    stack: LocalStack,
    api: httpx.Client,
    token: TokenFactory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    editor = token("icb_editor", "QE1")
    run = f"IMP-{uuid.uuid4().hex[:8]}"
    headers = [*GOOD, "Local reference", "Victim initials"]
    values = [*GOOD.values(), f"{run}-1", "XX"]
    values[headers.index("Safeguarding partnership")] = "Synthetic Côté Board"
    text = ",".join(headers) + "\r\n" + ",".join(values) + "\r\n"
    source = tmp_path / "cases.csv"
    source.write_bytes(text.encode("cp1252"))
    report = tmp_path / "report.csv"
    # An unknown column stops a real import: its values would otherwise be lost without a word.
    assert _import(stack, editor, source, report) == 1
    assert "Victim initials" in capsys.readouterr().err
    assert _imported(api, editor, run) == {}
    source.write_bytes((",".join(headers[:-1]) + "\r\n" + ",".join(values[:-1]) + "\r\n").encode("cp1252"))
    assert _import(stack, editor, source, report) == 0
    [reference] = _imported(api, editor, run).values()
    case = api.get(
        "/cases", params={"icbCode": "QE1", "limit": "100"}, headers={"Authorization": f"Bearer {editor}"}
    ).json()["items"]
    assert any(
        c["reference"] == reference and c["safeguardingPartnership"] == "Synthetic Côté Board" for c in case
    )
