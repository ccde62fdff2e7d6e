"""The composition root: every service, client and adapter is built here, once per container, on
first use (so nothing is created at import and cold start stays small).

Handlers, the local stack and jobs ask this module for what they need; nothing else constructs
clients or reads settings. ``reset()`` forgets everything (tests and the local stack switch
endpoints and environments between runs).
"""

import threading
from collections.abc import Callable
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from tracker import settings

T = TypeVar("T")
# Builders call one another, hence a re-entrant lock. Lambda runs one request at a time; the local
# stack runs the functions on several threads, which must still share one object of each kind.
_BUILDING = threading.RLock()


class _Once(Generic[T]):
    """``builder``'s object, built on first use and then shared by every thread until cleared."""

    def __init__(self, builder: Callable[[], T]) -> None:
        self._builder = builder
        self._built: list[T] = []  # empty, or the one object
        update_wrapper(self, builder)

    def __call__(self) -> T:
        with _BUILDING:
            if not self._built:
                self._built.append(self._builder())
            return self._built[0]

    def cache_clear(self) -> None:
        with _BUILDING:
            self._built.clear()


def _once(builder: Callable[[], T]) -> _Once[T]:
    return _Once(builder)


if TYPE_CHECKING:
    from datetime import date, datetime

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient

    from tracker.access import AccessPolicy
    from tracker.auth.tokens import TokenVerifier
    from tracker.dal.audit import DynamoAuditTrail, S3SealArchive
    from tracker.dal.cases import DynamoCaseStore
    from tracker.dal.contacts import DynamoContactStore
    from tracker.dal.due_keys import BackfillReport
    from tracker.dal.ended_sessions import DynamoEndedSessions
    from tracker.dal.extract_store import ExtractStore
    from tracker.dal.failure_inbox import S3FailureInbox
    from tracker.dal.idempotency import DynamoSubmissionLedger
    from tracker.dal.reminder_ledger import DynamoReminderLedger
    from tracker.dal.secrets import Expiring
    from tracker.extracts.publisher import ChangePublisher
    from tracker.extracts.snapshot import Snapshot
    from tracker.extracts.summary import SnapshotSummary
    from tracker.logic.audit import AuditRecorder, Sealed, Verification
    from tracker.logic.cases import CaseService
    from tracker.logic.contacts import ContactService
    from tracker.logic.cursor import CursorCodec
    from tracker.logic.ports import AuditTrail, EmailSender
    from tracker.logic.reminders import ReminderService
    from tracker.models.access_log import Channel
    from tracker.reference import ReferenceData
    from tracker.rules.case_rules import StoredCaseCheck
    from tracker.web.app import WebApp


@_once
def _boto3_session() -> Any:
    import boto3

    return boto3.session.Session()


@_once
def dynamodb_client() -> "DynamoDBClient":
    # Endpoints come from the standard AWS_ENDPOINT_URL_<SERVICE> variables (the local stack's way).
    return _boto3_session().client("dynamodb")


@_once
def s3_client() -> "S3Client":
    return _boto3_session().client("s3")


def reference_data() -> "ReferenceData":
    from tracker.reference import reference_data as loaded

    return loaded()


@_once
def access_policy() -> "AccessPolicy":
    from tracker.access import AccessPolicy

    return AccessPolicy(reference_data())


def region_codes() -> frozenset[str]:
    """Every region of the reference data: the partitions a whole-table read goes through."""
    reference = reference_data()
    return reference.region_codes | {icb.region_code for icb in reference.icbs.values()}


@_once
def case_store() -> "DynamoCaseStore":
    from tracker.dal.cases import DynamoCaseStore
    from tracker.logic.due import next_due_date

    return DynamoCaseStore(
        dynamodb_client(), settings.settings().require(settings.CASES_TABLE_NAME), next_due=next_due_date
    )


def run_due_backfill() -> "BackfillReport":
    """Put every case on the due indexes where the rule places it today (``scrt backfill``, and
    ``python -m tools.due_backfill`` on AWS)."""
    from tracker.dal.due_keys import backfill_due_keys
    from tracker.logic.due import next_due_date

    table = settings.settings().require(settings.CASES_TABLE_NAME)
    return backfill_due_keys(dynamodb_client(), table, region_codes(), next_due=next_due_date)


def run_case_check() -> "StoredCaseCheck":
    """Every stored case that breaks a current case rule, to be corrected (``scrt check-cases``,
    and ``python -m tools.check_cases`` on AWS); reads only, changes nothing."""
    from tracker.dal.snapshot_reader import iter_case_records
    from tracker.rules.case_rules import check_stored_cases

    table = settings.settings().require(settings.CASES_TABLE_NAME)
    return check_stored_cases(iter_case_records(dynamodb_client(), table, region_codes()))


@_once
def secrets_client() -> "SecretsManagerClient":
    return _boto3_session().client("secretsmanager")


@_once
def _cursor_codecs() -> "Expiring[CursorCodec]":
    from tracker.dal.secrets import Expiring, load_cursor_codec

    return Expiring(lambda: load_cursor_codec(settings.settings(), secrets_client))


def cursor_codec() -> "CursorCodec":
    """The codec of the signing secret's current and previous versions (reloaded hourly)."""
    return _cursor_codecs()()


@_once
def submission_ledger() -> "DynamoSubmissionLedger":
    from tracker.dal.idempotency import DynamoSubmissionLedger

    config = settings.settings()
    return DynamoSubmissionLedger(
        dynamodb_client(), config.require(settings.IDEMPOTENCY_TABLE_NAME), config.idempotency_ttl_seconds
    )


@_once
def case_service() -> "CaseService":
    from tracker.logic.cases import CaseService

    return CaseService(case_store(), access_policy(), reference_data(), cursor_codec, submission_ledger)


# --- the read audit: who has seen a case (issue 21) -------------------------------------------------


@_once
def audit_trail() -> "DynamoAuditTrail":
    from tracker.dal.audit import DynamoAuditTrail

    config = settings.settings()
    return DynamoAuditTrail(
        dynamodb_client(), config.require(settings.AUDIT_TABLE_NAME), config.audit_retention_days
    )


@_once
def seal_archive() -> "S3SealArchive":
    from tracker.dal.audit import S3SealArchive

    config = settings.settings()
    lock_days = config.audit_retention_days if config.audit_seal_object_lock else None
    return S3SealArchive(s3_client(), config.require(settings.AUDIT_ARCHIVE_BUCKET_NAME), lock_days)


def _count_audit_write_failure() -> None:
    """One ``AuditWriteFailures`` data point, flushed at once (the web app's handler has no metrics
    decorator to flush it): the alarm on it says reads are being refused."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(
        name=settings.AUDIT_WRITE_FAILED_METRIC,
        unit=MetricUnit.Count,
        value=1,
        namespace=settings.METRICS_NAMESPACE,
        default_dimensions={"service": settings.SERVICE_NAME},
    ):
        pass


def _request_id() -> str | None:
    from tracker.observability import logger

    correlation_id = logger.get_correlation_id()
    return str(correlation_id) if correlation_id else None


def audit_recorder(channel: "Channel", trail: "Callable[[], AuditTrail] | None" = None) -> "AuditRecorder":
    from tracker.logic.audit import AuditRecorder

    return AuditRecorder(trail or audit_trail, channel, _request_id, _count_audit_write_failure)


def _audited(channel: "Channel") -> "CaseService":
    """The case service with every read recorded. Without the audit table it is not built at all
    (ConfigurationError, before any read): no function answers reads that nobody recorded."""
    settings.settings().require(settings.AUDIT_TABLE_NAME)
    from typing import cast

    from tracker.logic.audit import AccessLog, AuditedCaseService

    recorder = audit_recorder(channel)
    log = AccessLog(case_service(), access_policy(), audit_trail, recorder, cursor_codec)
    return cast("CaseService", AuditedCaseService(case_service(), recorder, log))


@_once
def api_case_service() -> "CaseService":
    """The JSON API's reads, recorded (channel ``api``)."""
    from tracker.models.access_log import Channel

    return _audited(Channel.API)


@_once
def web_case_service() -> "CaseService":
    """The web app's pages' reads, recorded (channel ``web``)."""
    from tracker.models.access_log import Channel

    return _audited(Channel.WEB)


def run_audit_seal(day: "date") -> "Sealed":
    """Seal a UTC day's audit entries into the archive (``seal_audit`` and the local stack)."""
    from tracker.logic.audit import seal_day

    return seal_day(audit_trail(), seal_archive(), day)


def run_audit_verify(day: "date") -> "Verification":
    """Check a day's audit entries against its seal (``scrt audit --verify``)."""
    from tracker.logic.audit import verify_day

    return verify_day(audit_trail(), seal_archive(), day)


@_once
def extract_store() -> "ExtractStore":
    from tracker.dal.extract_store import ExtractStore

    return ExtractStore(s3_client(), settings.settings().require(settings.REPORTING_BUCKET_NAME))


@_once
def change_publisher() -> "ChangePublisher":
    from tracker.extracts.publisher import ChangePublisher

    return ChangePublisher(extract_store(), case_store().get)


# --- jobs: the extract jobs and the due-index backfill, run on what is built here ----------------


def run_snapshot(day: "date | None" = None) -> "Snapshot":
    """Write ``snapshots/dt=<day>/`` (default: today in England) from the table (``snapshot_extract``
    and ``scrt snapshot``); ``.objects`` holds the keys written and their bytes."""
    from tracker import clock
    from tracker.dal.snapshot_reader import iter_case_records
    from tracker.extracts.snapshot import write_snapshot

    table = settings.settings().require(settings.CASES_TABLE_NAME)
    records = iter_case_records(dynamodb_client(), table, region_codes())
    return write_snapshot(extract_store(), records, day or clock.today_london())


def run_summary(now: "datetime | None" = None) -> "SnapshotSummary":
    """Recompute the overview's summary from the table and write it at "latest" alone (the hourly
    run of ``snapshot_extract``, ``{"summaryOnly": true}``): the overview is never more than an hour old."""
    from tracker import clock
    from tracker.dal.snapshot_reader import iter_case_records
    from tracker.extracts.summary import summarise, write_latest_summary

    moment = now or clock.now_utc()
    table = settings.settings().require(settings.CASES_TABLE_NAME)
    records = iter_case_records(dynamodb_client(), table, region_codes())
    summary = summarise(records, moment.astimezone(clock.LONDON).date(), moment)
    write_latest_summary(extract_store(), summary)
    return summary


def list_extracts(prefix: str = "") -> list[str]:
    """Keys of extract objects under ``prefix`` (default: all of changes/, current/, snapshots/)."""
    from tracker.extracts.keys import extract_keys

    return extract_keys(extract_store(), prefix)


def read_extract(key: str) -> bytes:
    return extract_store().get(key)


@_once
def token_verifier() -> "TokenVerifier":
    """The authorizer's verifier: its settings and the signing keys it has fetched, per container."""
    from tracker.auth.settings import AuthSettings
    from tracker.auth.tokens import TokenVerifier

    return TokenVerifier(AuthSettings.from_settings(settings.settings()))


@_once
def failure_inbox() -> "S3FailureInbox":
    from tracker.dal.failure_inbox import S3FailureInbox

    return S3FailureInbox(s3_client(), settings.settings().require(settings.FAILED_RECORDS_BUCKET_NAME))


# --- the tracker web app (functions/web_app) ------------------------------------------------------


def _web_secret(inline: Any, secret_arn_name: str) -> tuple[str | None, str | None]:
    """A web app secret's current and previous values: given itself (local stack, tests: no
    previous), or read from Secrets Manager (None when not configured or never rotated)."""
    if inline is not None:
        return str(inline.get_secret_value()), None
    arn = getattr(settings.settings(), secret_arn_name)
    if not arn:
        return None, None
    from tracker.dal import secrets as stored_secrets

    return stored_secrets.current_and_previous(secrets_client, arn)


def _load_web_session_keys() -> tuple[bytes, ...]:
    """The session key, then the one before the last rotation (which still opens what it sealed)."""
    current, previous = _web_secret(settings.settings().web_session_key, "web_session_key_secret_arn")
    if current is None:
        raise settings.ConfigurationError(
            f"{settings.WEB_SESSION_KEY_SECRET_ARN} (or {settings.WEB_SESSION_KEY}) is not set"
        )
    return (current.encode(), *([previous.encode()] if previous and previous != current else []))


def _load_web_client_secret() -> str | None:
    from tracker.web.oidc import client_secret_or_none

    # An empty or "none" secret is a public client (PKCE alone).
    return client_secret_or_none(
        _web_secret(settings.settings().web_oidc_client_secret, "web_oidc_client_secret_arn")[0]
    )


@_once
def _web_session_keys() -> "Expiring[tuple[bytes, ...]]":
    """Read again hourly, and when a cookie arrives that a newer key may have sealed."""
    from tracker.dal.secrets import Expiring

    return Expiring(_load_web_session_keys)


@_once
def _web_client_secret() -> "Expiring[str | None]":
    """Read again hourly, and when the identity provider refuses it (a value put after deploy)."""
    from tracker.dal.secrets import Expiring

    return Expiring(_load_web_client_secret)


@_once
def web_app() -> "WebApp":
    from tracker.auth.claims import ClaimNames
    from tracker.web.app import WebApp
    from tracker.web.oidc import OidcClient, OidcClientConfig
    from tracker.web.session import CookieSealer

    config = settings.settings()
    base_url = config.require(settings.WEB_BASE_URL).rstrip("/")
    claim_names = ClaimNames.from_settings(config)
    oidc = OidcClient(
        OidcClientConfig(
            discovery_url=config.require(settings.WEB_OIDC_DISCOVERY_URL),
            client_id=config.require(settings.WEB_OIDC_CLIENT_ID),
            client_secret=None,  # read through _web_client_secret, as it changes
            redirect_uri=f"{base_url}/app/callback",
            # The discovery document must name the issuer the API trusts, when one is set (the
            # local stack's provider is not at its issuer's URL); else the discovery URL's own.
            issuer=config.jwt_issuer,
            claim_names=claim_names,
            jwks_cache_seconds=config.jwks_cache_seconds,
        ),
        client_secrets=_web_client_secret(),
    )
    return WebApp(
        base_url=base_url,
        sealer=CookieSealer.rotating(_web_session_keys(), config.web_session_idle_seconds),
        oidc=oidc,
        policy=access_policy(),
        reference=reference_data,
        case_service=web_case_service,
        contact_service=contact_service,
        latest_summary=_latest_summary,
        claims=claim_names,
        ended_sessions=ended_sessions,
    )


@_once
def ended_sessions() -> "DynamoEndedSessions":
    """Web app sessions ended by signing out (the cases table; built on the first signed-in page)."""
    from tracker.dal.ended_sessions import DynamoEndedSessions

    return DynamoEndedSessions(dynamodb_client(), settings.settings().require(settings.CASES_TABLE_NAME))


def _latest_summary() -> Any:
    from tracker.extracts.summary import load_latest_summary

    return load_latest_summary(extract_store())


# --- ICB contacts and overdue reminders (functions/icb_contacts, functions/send_reminders) ---------


@_once
def contact_store() -> "DynamoContactStore":
    from tracker.dal.contacts import DynamoContactStore

    return DynamoContactStore(dynamodb_client(), settings.settings().require(settings.CASES_TABLE_NAME))


@_once
def contact_service() -> "ContactService":
    from tracker.logic.contacts import ContactService

    return ContactService(contact_store(), access_policy(), cursor_codec)


@_once
def reminder_ledger() -> "DynamoReminderLedger":
    from tracker.dal.reminder_ledger import DynamoReminderLedger

    return DynamoReminderLedger(dynamodb_client(), settings.settings().require(settings.CASES_TABLE_NAME))


_EMAIL_SENDER_OVERRIDE: list["EmailSender"] = []


def install_email_sender(sender: "EmailSender") -> None:
    """Send through ``sender`` instead of GOV.UK Notify: the local stack's outbox, or a test's double.
    Forgotten on ``reset()``."""
    with _BUILDING:
        _EMAIL_SENDER_OVERRIDE[:] = [sender]
        reminder_service.cache_clear()


@_once
def _notify_sender() -> "EmailSender":
    from tracker.dal.notify import NotifyEmailSender, load_notify_api_key

    config = settings.settings()
    return NotifyEmailSender(lambda: load_notify_api_key(config, secrets_client), config.notify_base_url)


def email_sender() -> "EmailSender":
    with _BUILDING:
        return _EMAIL_SENDER_OVERRIDE[0] if _EMAIL_SENDER_OVERRIDE else _notify_sender()


@_once
def reminder_service() -> "ReminderService":
    from tracker import clock
    from tracker.logic.reminders import ReminderService

    config = settings.settings()
    return ReminderService(
        case_store(),
        contact_service().recipients,
        reminder_ledger(),
        email_sender(),
        reference_data(),
        template_id=config.require(settings.NOTIFY_DIGEST_TEMPLATE_ID),
        app_base_url=config.require(settings.WEB_BASE_URL),
        now=clock.now_utc,
        # A deployment without the regional template (an empty parameter) sends no region's digest.
        regional_template_id=config.notify_regional_digest_template_id or None,
    )


_BUILT = (
    _boto3_session,
    dynamodb_client,
    s3_client,
    access_policy,
    case_store,
    secrets_client,
    _cursor_codecs,
    _web_session_keys,
    _web_client_secret,
    submission_ledger,
    case_service,
    audit_trail,
    seal_archive,
    api_case_service,
    web_case_service,
    extract_store,
    change_publisher,
    failure_inbox,
    token_verifier,
    web_app,
    ended_sessions,
    contact_store,
    contact_service,
    reminder_ledger,
    _notify_sender,
    reminder_service,
)


def reset() -> None:
    """Forget every built object and re-read settings and reference data on next use."""
    from tracker.reference import reference_data as loaded

    with _BUILDING:
        for built in _BUILT:
            built.cache_clear()
        _EMAIL_SENDER_OVERRIDE.clear()
    loaded.cache_clear()
    settings.settings.cache_clear()


# --- SnapStart: warm before the snapshot, forget after a restore ----------------------------------


def before_snapshot() -> None:
    """Build what every container would build the same way, so a restored one has it: settings,
    reference data, the tracer, the bank holidays. Nothing holding credentials, connections,
    secrets or fetched documents: those would be shared by every container restored."""
    from datetime import date

    from tracker import observability
    from tracker.rules.deadlines import is_working_day

    settings.settings()
    reference_data()
    observability.warm()
    is_working_day(date(2026, 1, 1))  # loads the holiday table


def after_restore() -> None:
    """Forget every client (credentials, connections), secret (cursor key, web app keys) and cache
    (the JWKS document) built before the snapshot, and reseed ``random``. Settings and reference
    data come from the environment and the package, the same after a restore, so they are kept."""
    from tracker import snapstart

    snapstart.reseed_random()
    with _BUILDING:
        for built in _BUILT:
            built.cache_clear()


def _register_snapstart_hooks() -> bool:
    from tracker import snapstart

    return snapstart.register(before_snapshot=before_snapshot, after_restore=after_restore)


SNAPSTART_HOOKS_REGISTERED = _register_snapstart_hooks()
"""True on a Lambda runtime (which provides the hook module), False elsewhere."""
