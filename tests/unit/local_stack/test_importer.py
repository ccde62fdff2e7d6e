"""scrt import's client side: retries, Retry-After, already imported, stopping, the progress bar."""

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from local_stack import cli
from local_stack.importer import MAX_ATTEMPTS, MAX_DELAY_SECONDS, Importer, Progress, retry_delay
from tracker.imports.reading import read_table
from tracker.imports.report import Status
from tracker.imports.rows import idempotency_key, read_rows
from tracker.models.fields import client_field

CSV = (
    b"Review type,Status,Stage,Designated professional,Safeguarding partnership,Themes,Incident date,"
    b"Date the decision to review was made\n"
    b"SAR,Open,Notified,ICB safeguarding lead,Synthetic Board,Neglect,10/01/2026,02/02/2026\n"
    b"CSPR,Open,Notified,ICB safeguarding lead,Synthetic Partnership,Neglect,11/01/2026,03/02/2026\n"
)


def _created(reference: str, created_at: datetime) -> httpx.Response:
    return httpx.Response(
        201, json={"reference": reference, "createdAt": created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    )


def _importer(
    answers: list[Any], sleeps: list[float], dry_run: bool = False
) -> tuple[Importer, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = httpx.Client(base_url="http://127.0.0.1:9", transport=httpx.MockTransport(handle))
    return Importer(client, "token", "QE1", dry_run, sleeps.append), seen


def _file() -> Any:
    return read_rows(read_table(CSV, "cases.csv"), "QE1")


def test_429_and_5xx_are_retried_honouring_retry_after_with_the_same_key() -> None:
    now = datetime.now(UTC)
    sleeps: list[float] = []
    importer, seen = _importer(
        [
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(503),
            httpx.ConnectError("refused"),
            _created("QE1-2026-0001", now + timedelta(seconds=1)),
            _created("QE1-2026-0002", now + timedelta(seconds=1)),
        ],
        sleeps,
    )
    outcomes = importer.outcomes(_file())
    assert [(o.status, o.reference) for o in outcomes.values()] == [
        (Status.CREATED, "QE1-2026-0001"),
        (Status.CREATED, "QE1-2026-0002"),
    ]
    assert sleeps[0] == 3.0  # as Retry-After asked
    assert len(sleeps) == 3
    keys = {request.headers["Idempotency-Key"] for request in seen[:4]}
    assert keys == {idempotency_key("QE1", _file().rows[0].document)}  # a retry is the same submission
    assert json.loads(seen[0].content)["icbCode"] == "QE1"


def test_a_replayed_first_answer_reads_as_already_imported() -> None:
    importer, _ = _importer(
        [
            _created("QE1-2026-0001", datetime(2026, 1, 1, tzinfo=UTC)),
            _created("QE1-2026-0002", datetime.now(UTC) + timedelta(seconds=5)),
        ],
        [],
    )
    statuses = [outcome.status for outcome in importer.outcomes(_file()).values()]
    assert statuses == [Status.ALREADY_IMPORTED, Status.CREATED]


def test_a_dry_run_asks_for_one_and_reads_200_as_ready() -> None:
    importer, seen = _importer([httpx.Response(200, json={}), httpx.Response(200, json={})], [], dry_run=True)
    assert {o.status for o in importer.outcomes(_file()).values()} == {Status.READY}
    assert all(request.url.params["dryRun"] == "true" for request in seen)


def test_after_the_last_try_the_import_stops_and_later_rows_are_not_sent() -> None:
    sleeps: list[float] = []
    importer, seen = _importer([httpx.Response(502)] * MAX_ATTEMPTS, sleeps)
    outcomes = list(importer.outcomes(_file()).values())
    assert [o.status for o in outcomes] == [Status.NOT_SENT, Status.NOT_SENT]
    assert "answered 502 after 6 tries" in outcomes[0].problems[0]
    assert len(seen) == MAX_ATTEMPTS and len(sleeps) == MAX_ATTEMPTS - 1


def test_a_refused_token_stops_the_import() -> None:
    importer, seen = _importer([httpx.Response(401, json={"title": "Unauthorized"})], [])
    outcomes = list(importer.outcomes(_file()).values())
    assert [o.status for o in outcomes] == [Status.NOT_SENT, Status.NOT_SENT]
    assert "401" in outcomes[1].problems[0]
    assert len(seen) == 1


def test_a_422_is_the_rows_problems_in_the_web_apps_words() -> None:
    problem = {"status": 422, "errors": [{"field": "stage", "detail": "Field required"}]}
    importer, _ = _importer([httpx.Response(422, json=problem), httpx.Response(422, json=problem)], [])
    outcome = importer.outcomes(_file())[2]
    assert (outcome.status, outcome.problems) == (Status.NOT_IMPORTED, ["Select the stage"])


def test_backoff_grows_and_is_capped_and_an_http_date_is_honoured() -> None:
    assert 0.5 <= retry_delay(0, None) <= 0.75
    assert 4.0 <= retry_delay(3, None) <= 6.0
    assert retry_delay(20, None) == MAX_DELAY_SECONDS
    assert retry_delay(0, "600") == MAX_DELAY_SECONDS
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert retry_delay(0, "Sat, 05 Dec 2026 12:00:07 GMT", now) == 7.0


class _Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [True, False])
def test_the_progress_bar_is_drawn_on_a_terminal_only(tty: bool) -> None:
    stream = _Terminal(tty)
    progress = Progress(2, stream)
    progress.step()
    progress.step()
    assert ("2/2 rows" in stream.getvalue()) is tty
    assert (stream.getvalue() == "") is not tty


def test_scrt_import_template_writes_each_format(tmp_path: Path) -> None:
    for name in ("template.xlsx", "template.csv"):
        assert cli.main(["import", "--template", str(tmp_path / name)]) == 0
        table = read_table((tmp_path / name).read_bytes(), name)
        assert table.headers[0] == "Review type"
        assert table.kind == name.rsplit(".", 1)[1]


def test_scrt_import_without_a_file_or_icb_says_what_it_needs(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["import"]) == 1
    assert "needs a FILE and --icb" in capsys.readouterr().err


def test_a_file_refused_is_said_and_nothing_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"Review type\n" + b"SAR\n" * 1001)
    code = cli.main(["import", str(big), "--icb", "QE1", "--api", "http://127.0.0.1:9", "--token", "t"])
    assert code == 2
    assert "more than 1,000 cases" in capsys.readouterr().err
    assert not (tmp_path / "big-report.csv").exists()


def test_a_rapid_review_given_by_its_reference_is_sent_as_its_case_id() -> None:
    rapid_id = "0d3c8f1e-2b4a-4c6d-8e9f-0a1b2c3d4e5f"
    text = CSV.decode().splitlines()
    header = f"{text[0]},{client_field('convertedFromCaseId').label},{client_field('convertedDate').label}"
    rows = [text[1] + ",qe1-2026-0075,03/02/2026", text[2] + ",QE1-2026-0999,03/02/2026"]
    imported = read_rows(read_table("\n".join([header, *rows]).encode(), "cases.csv"), "QE1")
    listed = {"items": [{"reference": "QE1-2026-0075", "caseId": rapid_id}], "nextCursor": None}
    importer, seen = _importer(
        [
            httpx.Response(200, json=listed),
            _created("QE1-2026-0100", datetime.now(UTC) + timedelta(seconds=5)),
        ],
        [],
    )
    outcomes = importer.outcomes(imported)
    assert [request.method for request in seen] == ["GET", "POST"]
    sent = json.loads(seen[1].content)
    assert sent["convertedFromCaseId"] == rapid_id
    assert seen[1].headers["Idempotency-Key"] == idempotency_key("QE1", imported.rows[0].document)
    assert outcomes[3].status is Status.NOT_IMPORTED
    assert outcomes[3].problems == ["No rapid review with reference QE1-2026-0999 that you can see"]
