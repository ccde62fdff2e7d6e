"""``scrt import``: bring existing cases in from a spreadsheet, through the API (issue 22).

scrt import FILE --icb QE1 [--dry-run] [--api URL] [--token T] [--report FILE]
scrt import --template FILE.xlsx|FILE.csv

Each row is sent as ``POST /cases`` (``?dryRun=true`` with ``--dry-run``: checked by the API's own
rules, nothing written), so access, the identifier guard, the audit and the extracts apply to
imported cases as to any other. A row's Idempotency-Key is a hash of the ICB and the row's case
(``tracker.imports.rows.idempotency_key``): importing the same file again, after an interruption or
a fix, creates only what is missing. 429, 409 (the same key still in progress), 5xx answers and
lost connections are retried with backoff, honouring Retry-After. The report (the file with each
row's outcome and a summary line) is written beside the file, in its format.
"""

import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from pathlib import Path
from typing import IO, Any

import httpx

from tracker.imports.reading import FileRefused, read_table
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
from tracker.logic.cases import REFERENCE
from tracker.web.case_links import LINKED_FIELDS, not_found

RETRIED_STATUSES = frozenset({409, 429, 500, 502, 503, 504})
MAX_ATTEMPTS = 6
BASE_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 30.0
EXIT_OK = 0
EXIT_ROWS_REFUSED = 1
EXIT_FILE_REFUSED = 2
STOPPED_UNAUTHORISED = (
    "The tracker refused the token (401): get a new one (scrt token, or your identity provider) "
    "and import the file again."
)


def retry_delay(attempt: int, retry_after: str | None, now: datetime | None = None) -> float:
    """Seconds to wait before try ``attempt + 1``: what Retry-After asks (seconds or an HTTP date),
    else exponential backoff with jitter; never more than ``MAX_DELAY_SECONDS``."""
    if retry_after:
        text = retry_after.strip()
        if text.isdigit():
            return min(float(text), MAX_DELAY_SECONDS)
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            moment = None
        if moment is not None:
            wait = (moment - (now or datetime.now(UTC))).total_seconds()
            return min(max(wait, 0.0), MAX_DELAY_SECONDS)
    backoff = BASE_DELAY_SECONDS * 2**attempt
    return float(min(backoff + random.uniform(0, backoff / 2), MAX_DELAY_SECONDS))  # noqa: S311 - jitter


class _Stop(Exception):
    """The import cannot go on (the token refused, or the tracker not answering after retries)."""


@dataclass
class Progress:
    """A one-line progress bar on a terminal's stderr; nothing when stderr is not a terminal."""

    total: int
    stream: IO[str] = field(default_factory=lambda: sys.stderr)
    done: int = 0

    @property
    def shown(self) -> bool:
        return self.total > 0 and self.stream.isatty()

    def step(self) -> None:
        self.done += 1
        if self.shown:
            width = 30
            filled = width * self.done // self.total
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} rows")
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()


@dataclass
class Importer:
    client: httpx.Client
    token: str
    icb_code: str
    dry_run: bool = False
    sleep: Callable[[float], None] = time.sleep
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    _references: dict[str, str] = field(default_factory=dict)

    def outcomes(self, imported: ImportFile, progress: Progress | None = None) -> dict[int, Outcome]:
        found: dict[int, Outcome] = {}
        self._references = self._visible_references(imported)
        blocked = imported.file_problems and not self.dry_run
        stopped: str | None = None
        for row in imported.rows:
            outcome = row_outcome_before_sending(row)
            if outcome is None and blocked:
                outcome = Outcome(
                    Status.NOT_SENT, problems=["Nothing was created: correct the file's columns first."]
                )
            if outcome is None and stopped is not None:
                outcome = Outcome(Status.NOT_SENT, problems=[stopped])
            if outcome is None:
                try:
                    outcome = self.send(row)
                except _Stop as stop:
                    stopped = str(stop)
                    outcome = Outcome(Status.NOT_SENT, problems=[stopped])
            found[row.number] = outcome
            if progress is not None:
                progress.step()
        return found

    def _visible_references(self, imported: ImportFile) -> dict[str, str]:
        """Case ids by reference, of the cases the caller may read, when a row links a rapid review
        by its reference (the API stores its case id); read once, only when needed."""
        wanted = any(
            isinstance(row.document.get(name), str) and REFERENCE.fullmatch(row.document[name].upper())
            for row in imported.rows
            for name in LINKED_FIELDS
        )
        found: dict[str, str] = {}
        cursor: str | None = None
        while wanted:
            params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
            answer = self._request(partial(self.client.get, "/cases", params=params, headers=self._auth()))
            if answer.status_code != 200:
                break
            page = answer.json()
            found.update({case["reference"]: case["caseId"] for case in page.get("items", [])})
            cursor = page.get("nextCursor")
            wanted = bool(cursor)
        return found

    def _linked(self, row: ImportRow) -> tuple[dict[str, Any], list[str]]:
        """The row's case with each rapid review's reference as its case id, as the web page links it."""
        document = dict(row.document)
        problems: list[str] = []
        for name in LINKED_FIELDS:
            typed = document.get(name)
            if isinstance(typed, str) and REFERENCE.fullmatch(typed.upper()):
                case_id = self._references.get(typed.upper())
                if case_id is None:
                    problems += api_problems({"errors": [{"field": name, "detail": not_found(typed)}]})
                else:
                    document[name] = case_id
        return document, problems

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _request(self, call: Callable[[], httpx.Response]) -> httpx.Response:
        """The answer, retried with backoff while it is 429, 409 or 5xx or the connection fails."""
        answer: httpx.Response | None = None
        for attempt in range(MAX_ATTEMPTS):
            try:
                answer = call()
            except httpx.TransportError:
                answer = None
            if answer is not None and answer.status_code not in RETRIED_STATUSES:
                return answer
            if attempt + 1 < MAX_ATTEMPTS:
                self.sleep(retry_delay(attempt, answer.headers.get("Retry-After") if answer else None))
        why = f"answered {answer.status_code}" if answer is not None else "did not answer"
        raise _Stop(
            f"The tracker {why} after {MAX_ATTEMPTS} tries: the import stopped here. Import the file "
            "again later: rows already created are not created twice."
        )

    def send(self, row: ImportRow) -> Outcome:
        document, problems = self._linked(row)
        if problems:
            return Outcome(Status.NOT_IMPORTED, problems=problems)
        # The key is the row's case as read (a reference, not the id it links): the web page's too.
        headers = {**self._auth(), "Idempotency-Key": idempotency_key(self.icb_code, row.document)}
        params = {"dryRun": "true"} if self.dry_run else None
        answer = self._request(
            lambda: self.client.post("/cases", json=document, headers=headers, params=params)
        )
        return self._outcome(answer)

    def _outcome(self, answer: httpx.Response) -> Outcome:
        if answer.status_code == 401:
            raise _Stop(STOPPED_UNAUTHORISED)
        try:
            body: Any = answer.json()
        except ValueError:
            body = {}
        if answer.status_code == 200 and self.dry_run:
            return Outcome(Status.READY)
        if answer.status_code == 201:
            created_at = datetime.fromisoformat(str(body["createdAt"]).replace("Z", "+00:00"))
            # The key's first answer, replayed: recorded before this import began.
            status = Status.ALREADY_IMPORTED if created_at < self.started else Status.CREATED
            return Outcome(status, str(body["reference"]))
        return Outcome(Status.NOT_IMPORTED, problems=api_problems(body if isinstance(body, dict) else {}))


def report_path(source: Path, dry_run: bool) -> Path:
    what = "dry-run-report" if dry_run else "report"
    return source.with_name(f"{source.stem}-{what}{source.suffix or '.csv'}")


def write_template(target: Path) -> int:
    target.write_bytes(template_for(target.name))
    print(f"scrt: wrote the import template to {target}")
    return EXIT_OK


@dataclass(frozen=True)
class ImportRun:
    source: Path
    icb_code: str
    api_url: str
    token: str
    dry_run: bool = False
    report: Path | None = None


def run_import(run: ImportRun, sleep: Callable[[float], None] = time.sleep, timeout: float = 30.0) -> int:
    """Import (or check) the file; write the report; the exit status (0 when every row is fine)."""
    try:
        imported = read_rows(read_table(run.source.read_bytes(), run.source.name), run.icb_code)
    except FileRefused as refused:
        print(f"scrt: {run.source.name}: {refused}", file=sys.stderr)
        return EXIT_FILE_REFUSED
    for problem in imported.file_problems:
        print(f"scrt: {run.source.name}: {problem}", file=sys.stderr)
    with httpx.Client(base_url=run.api_url, timeout=timeout) as client:
        importer = Importer(client, run.token, run.icb_code, run.dry_run, sleep)
        outcomes = importer.outcomes(imported, Progress(len(imported.rows)))
    line = outcome_summary(list(outcomes.values()), run.dry_run)
    target = run.report or report_path(run.source, run.dry_run)
    target.write_bytes(report_bytes(imported, outcomes, line))
    print(f"scrt: {line}")
    print(f"scrt: the report is {target}")
    fine = {Status.CREATED, Status.ALREADY_IMPORTED, Status.READY}
    all_fine = not imported.file_problems and all(outcome.status in fine for outcome in outcomes.values())
    return EXIT_OK if all_fine else EXIT_ROWS_REFUSED
