"""The weekly reminder digests: what each ICB's and each region's contacts are told, and sending
each at most once a week.

For every current ICB the job reads, one Query per ICB code (the ICB and each ICB it succeeded),
the cases with a deadline or an unfinished recommendation due within the horizon, and lists each
overdue or soon-due item (the most overdue first) with the case's reference, review type, stage,
due date and a link to the case in the web app, in the words the web app uses (field labels from the
catalogue, coded values and dates from ``tracker.models.wording``), with a link to the ICB's overdue
worklist. No free text of any kind enters a digest: only references, coded values' labels, dates and
links. The ICB's digest also lists its open DHRs waiting for the ICB's own answer, and each
region's contacts get a digest of the DHRs in their region waiting for the regional answer (both as
``tracker.logic.cases.awaits`` says: the case list's "waiting for" filters), with its own Notify
template. A ledger record per organisation (ICB or region: their ODS codes never overlap) and ISO
week, claimed with a conditional write, makes each digest go at most once that week however often
the job is retried or how many copies run at once.

Each contact is sent to on its own: an address the email service refuses for good is recorded (by
its key, never the address) and skipped for the rest of the week, and the others still get the
digest. A failure that may pass (a timeout, an outage) leaves the digest unfinished and released,
and the run says a retry is needed; the ledger makes the retry send only what has not gone yet.

At most one digest per contact per week: each send is written down before it is made
(``record_sending``) and settled after (sent, refused, or not sent). A send never settled (the
ledger's write failed after the email service accepted it, or the run died in between) counts as
made, so no retry sends it again: a contact may miss one week's digest in that rare case, never
get two. A send whose outcome is unknown (the request reached the email service and no answer came
back) is left unsettled on purpose, counted as reached, and reported (``ReminderRun.unconfirmed``)
for an operator to check with the email service.
"""

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from urllib.parse import urlencode

from tracker.access import ListScope
from tracker.logic.cases import awaits
from tracker.logic.commands import Awaiting
from tracker.logic.ports import (
    SEND_TIMEOUT_SECONDS,
    CaseFilters,
    CaseStore,
    DigestClaim,
    DigestLost,
    DigestTaken,
    EmailOutcomeUnknown,
    EmailRefused,
    EmailSender,
    ReminderLedger,
)
from tracker.models.case import Case
from tracker.models.contacts import MAX_CONTACTS, same_address
from tracker.models.enums import DHR_REVIEW_TYPES, CaseStatus, RecommendationStatus
from tracker.models.fields import FIELD_LABELS, client_field, row_part
from tracker.models.wording import DEADLINE_LABELS, long_date, value_label
from tracker.reference import REGION_NAMES, ReferenceData
from tracker.rules.deadlines import compute_deadlines

HORIZON_DAYS = 14
"""Items due within this many days of the run (and every overdue item) are listed."""
LEASE_SECONDS = MAX_CONTACTS * SEND_TIMEOUT_SECONDS + 30
"""How long a run holds an ICB-week's digest: just longer than sending it to the most contacts an
ICB may have can take (with a margin for the ledger's writes), so a live run is not overtaken, yet
short enough that Lambda's later retry takes over the hold of a run that timed out holding it
(the function may run for 5 minutes; its retries come about 1 and 3 minutes after a failure)."""
KEEP_WEEKS = 4
"""Weeks a ledger record is kept after its own week has ended (then it may be deleted)."""

_ONE_DAY = timedelta(days=1)

Personalisation = dict[str, str | list[str]]


class DueKind(StrEnum):
    """What falls due: a case's deadline (by the name of its due date in ``Deadlines``) or a
    recommendation."""

    RAPID_REVIEW = "rapid_review_due"
    PUBLICATION = "publication_due"
    COMPLETION = "completion_due"
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

    def text(self, app_base_url: str, today: date) -> str:
        """``QE1-2026-0007: Publication due 20 November 2026 (10 days overdue). Review type: ...
        Stage: In progress. <link>``: labels and long dates, as the web app writes them."""
        if self.recommendation_id is None:
            what = f"{DEADLINE_LABELS[self.kind.value]} {long_date(self.due)}"
        else:
            rows = client_field("recommendations").item_label
            due_date = row_part("recommendations", "dueDate").label.lower()
            what = f"{rows.capitalize()} {self.recommendation_id}, {due_date} {long_date(self.due)}"
        return (
            f"{self.reference}: {what} ({due_in_words(self.due, today)})."
            f" {FIELD_LABELS['reviewType']}: {value_label(self.review_type)}."
            f" {FIELD_LABELS['stage']}: {value_label(self.stage)}."
            f" {case_link(app_base_url, self.case_id)}"
        )


def due_in_words(due: date, today: date) -> str:
    """How far a due date is from today, in days: "10 days overdue", "today", "in 1 day"."""
    days = (today - due).days
    if days == 0:
        return "today"
    count = f"{abs(days)} day{'' if abs(days) == 1 else 's'}"
    return f"{count} overdue" if days > 0 else f"in {count}"


AWAITING_PAGE_SIZE = 100
"""Cases a Query reads at a time when listing the open DHRs waiting for an answer."""
WAITING_FOR = {
    Awaiting.ICB_DHR_ANSWER: "icbChiefNurseAssuredDhrHealthRecs",
    Awaiting.REGIONAL_ANSWER: "regionalChiefNurseContentToAcceptDhrHealthRecs",
}
"""The question each wait is for, by its field."""


@dataclass(frozen=True)
class AwaitingLine:
    """An open DHR waiting for an answer: codes, the ICB's name, labels and a link; no free text."""

    case_id: str
    reference: str
    icb_name: str
    review_type: str
    stage: str
    awaiting: Awaiting
    answer: str | None  # the answer so far: none, or Pending

    def text(self, app_base_url: str) -> str:
        """``QE1-2026-0007: waiting for the answer to "Is the regional chief nurse ...?" (Pending).
        ICB: .... Review type: .... Stage: .... <link>``."""
        so_far = value_label(self.answer) if self.answer else "not answered yet"
        return (
            f'{self.reference}: waiting for the answer to "{FIELD_LABELS[WAITING_FOR[self.awaiting]]}"'
            f" ({so_far}). {FIELD_LABELS['icbCode']}: {self.icb_name}."
            f" {FIELD_LABELS['reviewType']}: {value_label(self.review_type)}."
            f" {FIELD_LABELS['stage']}: {value_label(self.stage)}."
            f" {case_link(app_base_url, self.case_id)}"
        )


def app_link(app_base_url: str) -> str:
    return f"{app_base_url.rstrip('/')}/app/"


def case_link(app_base_url: str, case_id: str) -> str:
    return f"{app_link(app_base_url)}cases/{case_id}"


def worklist_link(app_base_url: str, icb_code: str, *, succeeded_others: bool) -> str:
    """The web app's case list filtered to the overdue cases of an ICB (its ``icbCode`` and
    ``overdue`` parameters). An ICB that succeeded others is not filtered by its code, which
    would hide its predecessors' cases: its own staff read those too, and no more."""
    query = {"overdue": "true"} if succeeded_others else {"icbCode": icb_code, "overdue": "true"}
    return f"{app_link(app_base_url)}?{urlencode(query)}"


def awaiting_link(app_base_url: str, awaiting: Awaiting) -> str:
    """The web app's case list filtered to the DHRs waiting for this answer (its ``awaiting``
    parameter): the reader's own scope is the rest of the filter."""
    return f"{app_link(app_base_url)}?{urlencode({'awaiting': awaiting.value})}"


def week_in_dates(week_start: date) -> str:
    """``30 November 2026 to 6 December 2026``: the digest's week, Monday to Sunday."""
    return f"{long_date(week_start)} to {long_date(week_start + timedelta(days=6))}"


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
    # The earliest due first: the most overdue lead the overdue, the soonest due lead the rest.
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
    "worklist_link",
    "awaiting_answer_count",
    "awaiting_answer",
)
"""The Notify template's placeholders, every one always given (Notify refuses a missing one). The last
two (the DHRs waiting for the ICB's answer) are new: a template without them still sends, as Notify
ignores personalisation it has no placeholder for, until the template shows them."""
REGIONAL_PERSONALISATION_FIELDS = (
    "region_code",
    "region_name",
    "week",
    "awaiting_count",
    "awaiting",
    "tracker_link",
    "worklist_link",
)
"""The regional digest's Notify template's placeholders, every one always given."""


@dataclass(frozen=True)
class DigestFor:
    """Whose digest it is and when: what the e-mail says besides its lines."""

    icb_code: str
    icb_name: str
    today: date
    week_start: date  # its Monday
    succeeded_others: bool  # the ICB took over others' cases (see ``worklist_link``)


def personalisation(
    digest: DigestFor,
    lines: Sequence[DigestLine],
    app_base_url: str,
    awaiting: Sequence[AwaitingLine] = (),
) -> Personalisation:
    overdue = [line.text(app_base_url, digest.today) for line in lines if line.overdue]
    due_soon = [line.text(app_base_url, digest.today) for line in lines if not line.overdue]
    waiting = [line.text(app_base_url) for line in awaiting]
    return {
        "icb_code": digest.icb_code,
        "icb_name": digest.icb_name,
        "week": week_in_dates(digest.week_start),
        "overdue_count": str(len(overdue)),
        "due_soon_count": str(len(due_soon)),
        # Notify renders a list as bullets; an empty list would leave a heading over nothing.
        "overdue": overdue or [NOTHING_LISTED],
        "due_soon": due_soon or [NOTHING_LISTED],
        "tracker_link": app_link(app_base_url),
        "worklist_link": worklist_link(
            app_base_url, digest.icb_code, succeeded_others=digest.succeeded_others
        ),
        "awaiting_answer_count": str(len(waiting)),
        "awaiting_answer": waiting or [NOTHING_LISTED],
    }


def regional_personalisation(
    region_code: str, week_start: date, awaiting: Sequence[AwaitingLine], app_base_url: str
) -> Personalisation:
    return {
        "region_code": region_code,
        "region_name": REGION_NAMES.get(region_code, region_code),
        "week": week_in_dates(week_start),
        "awaiting_count": str(len(awaiting)),
        "awaiting": [line.text(app_base_url) for line in awaiting] or [NOTHING_LISTED],
        "tracker_link": app_link(app_base_url),
        "worklist_link": awaiting_link(app_base_url, Awaiting.REGIONAL_ANSWER),
    }


def recipient_key(address: str) -> str:
    """What the ledger keeps of a recipient: a SHA-256 of the address as addresses are compared
    (lower case), so that a retry can tell who was reached without the address being stored."""
    normalised = same_address(address.strip())
    return hashlib.sha256(f"scrt-digest-recipient:{normalised}".encode()).hexdigest()


def digest_reference(code: str, week: str) -> str:
    """The email service's ``reference`` of an ICB's or a region's digest for a week: how an operator
    finds it there."""
    return f"digest-{code}-{week}"


def keep_until(week_start: date) -> datetime:
    """When a week's ledger record may go: ``KEEP_WEEKS`` after the week (Monday to Sunday) ends."""
    return datetime.combine(week_start + timedelta(weeks=1 + KEEP_WEEKS), time.min, tzinfo=UTC)


class DigestOutcome(StrEnum):
    SENT = "sent"  # finished: every contact not refused has it (an unconfirmed one may have it)
    ALREADY_SENT = "already_sent"  # this week's digest was finished before
    IN_PROGRESS = "in_progress"  # another run holds it unfinished (or took it over): not done yet
    NOTHING_DUE = "nothing_due"
    NO_CONTACTS = "no_contacts"
    UNDELIVERABLE = "undeliverable"  # finished, but the email service refused every contact
    FAILED = "failed"  # some contacts may not have it: released for a retry


RETRY_OUTCOMES = frozenset({DigestOutcome.FAILED, DigestOutcome.IN_PROGRESS})
"""Outcomes a later run may mend: the run that saw them should fail, so that it is retried."""
FAILURE_OUTCOMES = RETRY_OUTCOMES | {DigestOutcome.UNDELIVERABLE}
"""Outcomes counted as a digest failure."""

OUT_OF_TIME = "OutOfTime"


@dataclass
class ReminderRun:
    week: str
    outcomes: dict[str, DigestOutcome] = field(default_factory=dict)
    error_types: dict[str, str] = field(default_factory=dict)  # why an ICB failed: a type, never a message
    refused: dict[str, list[int]] = field(default_factory=dict)  # statuses of the contacts refused now
    # Why each send of this run with no answer failed (a type name): it may have gone, so it is
    # counted as reached and never resent.
    unconfirmed: dict[str, list[str]] = field(default_factory=dict)

    def icbs(self, outcome: DigestOutcome) -> list[str]:
        return sorted(code for code, found in self.outcomes.items() if found is outcome)

    def failed_icbs(self) -> list[str]:
        return sorted(code for code, found in self.outcomes.items() if found in FAILURE_OUTCOMES)

    @property
    def needs_retry(self) -> bool:
        return any(found in RETRY_OUTCOMES for found in self.outcomes.values())

    @property
    def refused_count(self) -> int:
        return sum(len(statuses) for statuses in self.refused.values())

    @property
    def unconfirmed_count(self) -> int:
        return sum(len(reasons) for reasons in self.unconfirmed.values())


class RemindersIncomplete(Exception):
    """Some digests were left for a retry to finish (the run's summary says which ICBs)."""

    def __init__(self, summary: dict[str, object]) -> None:
        super().__init__(f"reminder digests to retry: {summary.get('failed')}")
        self.summary = summary


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
        regional_template_id: str | None = None,
    ) -> None:
        """``regional_template_id``: the regional digest's Notify template; without one no region's
        digest is sent (the ICBs' still are)."""
        self._cases = cases
        self._recipients = recipients
        self._ledger = ledger
        self._sender = sender
        self._reference = reference
        self._template_id = template_id
        self._regional_template_id = regional_template_id
        self._app_base_url = app_base_url
        self._now = now

    def digest_for(self, icb_code: str, today: date) -> list[DigestLine]:
        """An ICB's lines: its own cases and those of every ICB it succeeded, one Query each."""
        last_day = today + timedelta(days=HORIZON_DAYS)
        cases: list[Case] = []
        for code in sorted(self._reference.with_predecessors(icb_code)):
            cases.extend(self._cases.cases_due_by(code, last_day))
        return digest_lines(cases, today)

    def awaiting_for(self, scope: ListScope, awaiting: Awaiting) -> list[AwaitingLine]:
        """The open DHRs of the scope waiting for this answer, by reference: one Query per DHR type
        and partition (open cases of that type), each case judged by ``awaits``."""
        lines = []
        for review_type in sorted(DHR_REVIEW_TYPES):
            filters = CaseFilters(review_type=review_type, status=CaseStatus.OPEN)
            pairs = self._cases.cases_in_scope(scope, filters, before=None, page_size=AWAITING_PAGE_SIZE)
            for _, case in pairs:
                if not awaits(case, awaiting):
                    continue
                icb = self._reference.icb(case.icb_code)
                answer = (
                    case.icb_chief_nurse_assured_dhr_health_recs
                    if awaiting is Awaiting.ICB_DHR_ANSWER
                    else case.regional_chief_nurse_content_to_accept_dhr_health_recs
                )
                lines.append(
                    AwaitingLine(
                        case.case_id,
                        case.reference,
                        f"{icb.name} ({case.icb_code})" if icb else case.icb_code,
                        case.review_type.value,
                        case.stage.value,
                        awaiting,
                        answer.value if answer is not None else None,
                    )
                )
        return sorted(lines, key=lambda line: line.reference)

    def run(self, today: date, seconds_left: Callable[[], float] | None = None) -> ReminderRun:
        """Every current ICB's digest, then every region's (given its template). With
        ``seconds_left`` (the function's remaining time), no digest is begun that could not finish
        within its lease before the function is stopped."""
        run = ReminderRun(week=iso_week(today))
        week_start = today - timedelta(days=today.weekday())
        for icb_code in sorted(self._reference.current_icb_codes(today)):
            try:
                run.outcomes[icb_code] = self._send_digest(icb_code, today, week_start, run, seconds_left)
            except Exception as error:  # one ICB's failure must not stop the others' digests
                run.outcomes[icb_code] = DigestOutcome.FAILED
                run.error_types[icb_code] = type(error).__name__
        if self._regional_template_id is None:
            return run
        for region_code in sorted(self._reference.region_codes):
            try:
                run.outcomes[region_code] = self._send_regional_digest(
                    region_code, self._regional_template_id, week_start, run, seconds_left
                )
            except Exception as error:  # nor one region's
                run.outcomes[region_code] = DigestOutcome.FAILED
                run.error_types[region_code] = type(error).__name__
        return run

    def _send_digest(
        self,
        icb_code: str,
        today: date,
        week_start: date,
        run: ReminderRun,
        seconds_left: Callable[[], float] | None,
    ) -> DigestOutcome:
        lines = self.digest_for(icb_code, today)
        scope = ListScope(icb_codes=tuple(sorted(self._reference.with_predecessors(icb_code))))
        awaiting = self.awaiting_for(scope, Awaiting.ICB_DHR_ANSWER)
        if not lines and not awaiting:
            return DigestOutcome.NOTHING_DUE
        icb = self._reference.icb(icb_code)
        digest = DigestFor(
            icb_code,
            icb.name if icb else icb_code,
            today,
            week_start,
            succeeded_others=self._reference.with_predecessors(icb_code) != {icb_code},
        )
        fields = personalisation(digest, lines, self._app_base_url, awaiting)
        return self._deliver(icb_code, self._template_id, fields, week_start, run, seconds_left)

    def _send_regional_digest(
        self,
        region_code: str,
        template_id: str,
        week_start: date,
        run: ReminderRun,
        seconds_left: Callable[[], float] | None,
    ) -> DigestOutcome:
        awaiting = self.awaiting_for(ListScope(region_codes=(region_code,)), Awaiting.REGIONAL_ANSWER)
        if not awaiting:
            return DigestOutcome.NOTHING_DUE
        fields = regional_personalisation(region_code, week_start, awaiting, self._app_base_url)
        return self._deliver(region_code, template_id, fields, week_start, run, seconds_left)

    def _deliver(
        self,
        code: str,
        template_id: str,
        fields: Personalisation,
        week_start: date,
        run: ReminderRun,
        seconds_left: Callable[[], float] | None,
    ) -> DigestOutcome:
        """Send an organisation's digest for the week to its contacts, at most once (the ledger's
        record for the organisation and the week)."""
        recipients = self._recipients(code)
        if not recipients:
            return DigestOutcome.NO_CONTACTS
        if seconds_left is not None and seconds_left() < LEASE_SECONDS:
            run.error_types[code] = OUT_OF_TIME  # left unclaimed, for the retry
            return DigestOutcome.FAILED
        expires = keep_until(week_start)
        claim = self._ledger.claim(
            code, run.week, now=self._now(), lease_seconds=LEASE_SECONDS, keep_until=expires
        )
        if isinstance(claim, DigestTaken):
            # Held but unfinished is not "sent": that run may have died holding it.
            return DigestOutcome.ALREADY_SENT if claim is DigestTaken.SENT else DigestOutcome.IN_PROGRESS
        try:
            return self._send_to_each(claim, recipients, template_id, fields, run)
        except DigestLost:
            return DigestOutcome.IN_PROGRESS  # another run took over after this one's lease ran out
        except Exception:
            self._ledger.release(claim)
            raise

    def _send_to_each(
        self,
        claim: DigestClaim,
        recipients: list[str],
        template_id: str,
        fields: Personalisation,
        run: ReminderRun,
    ) -> DigestOutcome:
        reached, refused = set(claim.sent_to), set(claim.refused)
        reference = digest_reference(claim.icb_code, claim.week)
        first_error: Exception | None = None
        for recipient in recipients:
            key = recipient_key(recipient)
            if key in reached or key in refused:
                continue  # a retry sends only to those neither reached nor refused already
            # Written down first: if recording the outcome fails, the retry must not send it again.
            self._ledger.record_sending(claim, key)
            try:
                self._sender.send(recipient, template_id, fields, reference)
            except EmailRefused as error:
                self._ledger.record_refused(claim, key)
                refused.add(key)
                run.refused.setdefault(claim.icb_code, []).append(error.status)
                continue
            except EmailOutcomeUnknown as error:
                # It may have gone: left written down as being sent, so that no run sends it again.
                reached.add(key)
                run.unconfirmed.setdefault(claim.icb_code, []).append(error.reason)
                continue
            except Exception as error:  # may pass: go on with the others, leave this one to the retry
                first_error = first_error or error
                self._ledger.record_not_sent(claim, key)
                continue
            reached.add(key)
            self._ledger.record_sent(claim, key)
        if first_error is not None:
            self._ledger.release(claim)
            run.error_types[claim.icb_code] = type(first_error).__name__
            return DigestOutcome.FAILED
        self._ledger.complete(claim, reached=len(reached), refused=len(refused))
        return DigestOutcome.SENT if reached else DigestOutcome.UNDELIVERABLE
