"""The weekly overdue-reminder digest: what each ICB's contacts are told, and sending it at most once.

For every current ICB the job reads, one Query per ICB code (the ICB and each ICB it succeeded),
the cases with a deadline or an unfinished recommendation due within the horizon, and lists each
overdue or soon-due item with the case's reference, review type, stage, due date and a link to the
case in the web app. No free text of any kind enters a digest: only codes, enumerations, dates and
links. A ledger record per ICB and ISO week, claimed with a conditional write, makes the digest go
at most once that week however often the job is retried or how many copies run at once.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from tracker.logic.ports import CaseStore, EmailSender, ReminderLedger
from tracker.models.case import Case
from tracker.models.enums import RecommendationStatus
from tracker.reference import ReferenceData
from tracker.rules.deadlines import compute_deadlines

HORIZON_DAYS = 14
"""Items due within this many days of the run (and every overdue item) are listed."""
LEASE_SECONDS = 15 * 60
"""How long a run holds an ICB-week's digest: longer than the function may run, so a live run is
never overtaken; after it a retry may finish what a crashed run started."""

_ONE_DAY = timedelta(days=1)

Personalisation = dict[str, str | list[str]]


class DueKind(StrEnum):
    RAPID_REVIEW = "rapid review"
    PUBLICATION = "publication"
    COMPLETION = "completion"
    RECOMMENDATION = "recommendation"


@dataclass(frozen=True)
class DigestLine:
    """One overdue or soon-due item of a case: codes, enumerations and dates only."""

    case_id: str
    reference: str
    review_type: str
    stage: str
    kind: DueKind
    due: date
    overdue: bool
    recommendation_id: str | None = None

    def text(self, app_base_url: str) -> str:
        what = self.kind.value
        if self.recommendation_id is not None:
            what = f"recommendation {self.recommendation_id}"
        return (
            f"{self.reference}: {self.review_type}, stage {self.stage}, {what} due {self.due.isoformat()}"
            f" - {case_link(app_base_url, self.case_id)}"
        )


def case_link(app_base_url: str, case_id: str) -> str:
    return f"{app_base_url.rstrip('/')}/app/cases/{case_id}"


def iso_week(day: date) -> str:
    """``2026-W49``: the ISO year and week a day belongs to (a digest's once-a-week key)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_lines(cases: Sequence[Case], today: date, horizon_days: int = HORIZON_DAYS) -> list[DigestLine]:
    """Every deadline still open and every unfinished recommendation due by ``today + horizon``.

    Whether a deadline is still open is the deadline rules' own answer (as of the day after it
    falls due), so the digest and the overdue flags agree, working days and bank holidays included.
    """
    last_day = today + timedelta(days=horizon_days)
    lines: list[DigestLine] = []
    for case in cases:
        deadlines = compute_deadlines(case, date.min)  # due dates depend on the record alone
        common = {
            "case_id": case.case_id,
            "reference": case.reference,
            "review_type": case.review_type.value,
            "stage": case.stage.value,
        }
        for kind, due, flag in (
            (DueKind.RAPID_REVIEW, deadlines.rapid_review_due, "rapid_review_overdue"),
            (DueKind.PUBLICATION, deadlines.publication_due, "publication_overdue"),
            (DueKind.COMPLETION, deadlines.completion_due, "completion_overdue"),
        ):
            if due is None or due > last_day:
                continue
            judged_on = today if today > due else due + _ONE_DAY
            if getattr(compute_deadlines(case, judged_on), flag):
                lines.append(DigestLine(**common, kind=kind, due=due, overdue=today > due))
        for recommendation in case.recommendations or ():
            due = recommendation.due_date
            if recommendation.status is RecommendationStatus.COMPLETE or due > last_day:
                continue
            lines.append(
                DigestLine(
                    **common,
                    kind=DueKind.RECOMMENDATION,
                    due=due,
                    overdue=today > due,
                    recommendation_id=recommendation.recommendation_id,
                )
            )
    return sorted(lines, key=lambda line: (line.due, line.reference, line.recommendation_id or ""))


NOTHING_LISTED = "none"
PERSONALISATION_FIELDS = (
    "icb_code",
    "icb_name",
    "week",
    "overdue_count",
    "due_soon_count",
    "overdue",
    "due_soon",
    "tracker_link",
)
"""The Notify template's placeholders, every one always given (Notify refuses a missing one)."""


def personalisation(
    icb_code: str, icb_name: str, week: str, lines: Sequence[DigestLine], app_base_url: str
) -> Personalisation:
    overdue = [line.text(app_base_url) for line in lines if line.overdue]
    due_soon = [line.text(app_base_url) for line in lines if not line.overdue]
    return {
        "icb_code": icb_code,
        "icb_name": icb_name,
        "week": week,
        "overdue_count": str(len(overdue)),
        "due_soon_count": str(len(due_soon)),
        # Notify renders a list as bullets; an empty list would leave a heading over nothing.
        "overdue": overdue or [NOTHING_LISTED],
        "due_soon": due_soon or [NOTHING_LISTED],
        "tracker_link": f"{app_base_url.rstrip('/')}/app/",
    }


class DigestOutcome(StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"  # this week's digest went before, or another run holds it now
    NOTHING_DUE = "nothing_due"
    NO_CONTACTS = "no_contacts"
    FAILED = "failed"


@dataclass
class ReminderRun:
    week: str
    outcomes: dict[str, DigestOutcome] = field(default_factory=dict)
    error_types: dict[str, str] = field(default_factory=dict)  # why an ICB failed: a type, never a message

    def icbs(self, outcome: DigestOutcome) -> list[str]:
        return sorted(code for code, found in self.outcomes.items() if found is outcome)


class ReminderService:
    def __init__(
        self,
        cases: CaseStore,
        recipients: Callable[[str], list[str]],
        ledger: ReminderLedger,
        sender: EmailSender,
        reference: ReferenceData,
        template_id: str,
        app_base_url: str,
        now: Callable[[], datetime],
    ) -> None:
        self._cases = cases
        self._recipients = recipients
        self._ledger = ledger
        self._sender = sender
        self._reference = reference
        self._template_id = template_id
        self._app_base_url = app_base_url
        self._now = now

    def digest_for(self, icb_code: str, today: date) -> list[DigestLine]:
        """An ICB's lines: its own cases and those of every ICB it succeeded, one Query each."""
        last_day = today + timedelta(days=HORIZON_DAYS)
        cases: list[Case] = []
        for code in sorted(self._reference.with_predecessors(icb_code)):
            cases.extend(self._cases.cases_due_by(code, last_day))
        return digest_lines(cases, today)

    def run(self, today: date) -> ReminderRun:
        run = ReminderRun(week=iso_week(today))
        for icb_code in sorted(self._reference.current_icb_codes(today)):
            try:
                run.outcomes[icb_code] = self._send_digest(icb_code, today, run.week)
            except Exception as error:  # one ICB's failure must not stop the others' digests
                run.outcomes[icb_code] = DigestOutcome.FAILED
                run.error_types[icb_code] = type(error).__name__
        return run

    def _send_digest(self, icb_code: str, today: date, week: str) -> DigestOutcome:
        lines = self.digest_for(icb_code, today)
        if not lines:
            return DigestOutcome.NOTHING_DUE
        recipients = self._recipients(icb_code)
        if not recipients:
            return DigestOutcome.NO_CONTACTS
        claim = self._ledger.claim(icb_code, week, now=self._now(), lease_seconds=LEASE_SECONDS)
        if claim is None:
            return DigestOutcome.ALREADY_SENT
        icb = self._reference.icb(icb_code)
        fields = personalisation(icb_code, icb.name if icb else icb_code, week, lines, self._app_base_url)
        try:
            for recipient in recipients:
                if recipient in claim.sent_to:
                    continue  # a retry after a partial failure sends only to those not yet reached
                self._sender.send(recipient, self._template_id, fields, f"digest-{icb_code}-{week}")
                self._ledger.record_sent(claim, recipient)
        except Exception:
            self._ledger.release(claim)
            raise
        self._ledger.complete(claim)
        return DigestOutcome.SENT
