"""``scrt``: the local stack's console script (dev-only, never shipped to Lambda).

scrt serve [--fresh] [--port 3000] [--dynamodb-port 8000] [--s3-port 8333]
scrt token --role icb_editor --org QE1 [--ttl 3600] [--sub someone]
scrt env
scrt seed [--cases 20]
scrt import FILE --icb QE1 [--dry-run] [--api URL] [--token T] [--report FILE]
scrt import --template FILE.xlsx|FILE.csv
scrt extracts [--prefix changes/] [KEY]
scrt snapshot
scrt remind
"""

import argparse
import json
import logging
import os
import random
import shlex
import signal
import sys
import time
import uuid
import warnings
from datetime import UTC, date, datetime, timedelta
from types import FrameType
from typing import Any, NoReturn

from local_stack import engines
from local_stack.identity import DEFAULT_TTL_SECONDS, issue_token, web_app_environment
from local_stack.import_arguments import add_import_arguments
from local_stack.stack import (
    BACKEND_LOCAL,
    BACKEND_MOTO,
    LocalStack,
    StackConfig,
    client_environment,
    endpoints,
)
from local_stack.state import (
    BACKEND_ENV,
    DEFAULT_DYNAMODB_PORT,
    DEFAULT_HTTP_PORT,
    DEFAULT_S3_PORT,
    Credentials,
    LocalState,
    StackInfo,
)
from tracker.auth.settings import DEFAULT_ORG_CLAIM, DEFAULT_ROLE_CLAIM, ORG_CLAIM_ENV, ROLE_CLAIM_ENV

log = logging.getLogger("scrt")
BACKEND_AUTO = "auto"


def _fail(message: str) -> int:
    print(f"scrt: {message}", file=sys.stderr)
    return 1


def _stack_info(state: LocalState) -> StackInfo | None:
    info = state.read_stack()
    if info is None:
        return None
    try:
        os.kill(info.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return info


def _token(
    state: LocalState, role: str, org: str, ttl: int = DEFAULT_TTL_SECONDS, sub: str | None = None
) -> str:
    return issue_token(
        state,
        role,
        org,
        ttl_seconds=ttl,
        sub=sub,
        role_claim=os.environ.get(ROLE_CLAIM_ENV) or DEFAULT_ROLE_CLAIM,
        org_claim=os.environ.get(ORG_CLAIM_ENV) or DEFAULT_ORG_CLAIM,
    )


# --- serve -----------------------------------------------------------------------------------------


def _weed_ports(value: str | None, s3_port: int) -> engines.WeedPorts | None:
    if not value:
        return None
    try:
        master, volume, filer, admin = (int(part) for part in value.split(","))
    except ValueError:
        raise engines.EngineError("--seaweedfs-ports takes MASTER,VOLUME,FILER,ADMIN port numbers") from None
    return engines.WeedPorts(s3=s3_port, master=master, volume=volume, filer=filer, admin=admin)


def _backend(choice: str) -> str:
    if choice != BACKEND_AUTO:
        return choice
    missing = engines.missing_local_engines()
    if missing is None:
        return BACKEND_LOCAL
    print(
        f"scrt: WARNING: {missing}\nscrt: WARNING: falling back to moto server (SCRT_BACKEND=moto); "
        "set SCRT_BACKEND=local to insist on the real engines.",
        file=sys.stderr,
    )
    return BACKEND_MOTO


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StopRequest:
    """Ctrl-C, SIGTERM or SIGHUP asks ``scrt serve`` to stop; more of them change nothing.

    The handler takes no lock: a signal landing while it runs runs it again inside itself, and a
    lock it held (``threading.Event.set`` takes one) would never be released. While the stack
    starts, the first signal interrupts the start (which stops whatever it had started); every
    other signal, then or later, is only recorded."""

    def __init__(self) -> None:
        self.requested = False
        self._interrupt = True

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_signal)

    def started(self) -> None:
        """From now on signals only ask the main loop to stop the stack."""
        self._interrupt = False

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        first = not self.requested
        self.requested = True
        if first and self._interrupt:
            raise KeyboardInterrupt


def cmd_serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)-14s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    started = time.monotonic()
    config = StackConfig(
        state_root=args.state_dir,
        backend=_backend(args.backend),
        http_port=args.port,
        dynamodb_port=args.dynamodb_port,
        s3_port=args.s3_port,
        fresh=args.fresh,
        weed_ports=_weed_ports(args.seaweedfs_ports, args.s3_port),
        # The web app signs people in at the local identity provider, on this stack's own port.
        extra_env=web_app_environment(LocalState(args.state_dir), f"http://127.0.0.1:{args.port}"),
    )
    stack = LocalStack(config)
    engine_names = "moto server" if config.backend == BACKEND_MOTO else "DynamoDB Local and SeaweedFS"
    print(f"scrt: starting {engine_names} (state in {stack.state.root}) ...", flush=True)
    stop = StopRequest()
    stop.install()
    try:
        stack.start()
        stop.started()
    except engines.EngineError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        stack.stop()  # start() stops what it had started; a signal just after it returned, here
        return 130
    dynamodb_endpoint, s3_endpoint = endpoints(config)
    token = _token(stack.state, "icb_editor", "QE1")
    print(
        f"""
scrt: the Safeguarding Case Review Tracker is running ({time.monotonic() - started:.1f} s)
  API          {stack.api_url}   (/health, /docs, /openapi.json)
  Web app      {stack.api_url}/app/   (sign in as any role and organisation)
  DynamoDB     {dynamodb_endpoint}   tables {config.cases_table}, {config.idempotency_table}
  S3           {s3_endpoint}   bucket {config.bucket}
  JWKS         {stack.api_url}/.well-known/jwks.json
  State        {stack.state.root}{"   (moto: data is lost on exit)" if config.backend == BACKEND_MOTO else ""}

Try it (token for icb_editor of QE1, valid 1 hour; more with `.venv/bin/scrt token --role R --org O`):
  TOKEN={token}
  curl -s {stack.api_url}/cases -H "Authorization: Bearer $TOKEN"

AWS clients: eval "$(.venv/bin/scrt env)"      Stop: Ctrl-C
""",
        flush=True,
    )
    try:
        while not stop.requested:
            time.sleep(0.1)
    finally:
        print("scrt: stopping ...", flush=True)
        stack.stop()
        print("scrt: stopped", flush=True)
    return 0


# --- token / env -------------------------------------------------------------------------------------


def cmd_token(args: argparse.Namespace) -> int:
    from tracker.access import is_known_org
    from tracker.models.enums import Role

    try:
        known = is_known_org(Role(args.role), args.org)
    except ValueError:
        known = False
    if not known:
        print(
            f"scrt: warning: role {args.role!r} with org {args.org!r} is not known; the API will refuse it",
            file=sys.stderr,
        )
    print(_token(LocalState(args.state_dir), args.role, args.org, args.ttl, args.sub))
    return 0


def _client_env(state: LocalState) -> dict[str, str]:
    info = _stack_info(state)
    backend = os.environ.get(BACKEND_ENV) or BACKEND_LOCAL
    config = StackConfig(backend=BACKEND_LOCAL if backend == BACKEND_AUTO else backend)
    if info is not None:
        dynamodb_endpoint, s3_endpoint = info.dynamodb_endpoint, info.s3_endpoint
        config.cases_table = str(info.extra.get("cases_table", config.cases_table))
        config.bucket = str(info.extra.get("bucket", config.bucket))
        config.audit_table = str(info.extra.get("audit_table", config.audit_table))
    else:
        dynamodb_endpoint, s3_endpoint = endpoints(config)
    return client_environment(dynamodb_endpoint, s3_endpoint, state.credentials(), config)


def cmd_env(args: argparse.Namespace) -> int:
    state = LocalState(args.state_dir)
    if _stack_info(state) is None:
        print("# scrt: no running stack found; these are the defaults of `scrt serve`", file=sys.stderr)
    for name, value in _client_env(state).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


# --- seed -----------------------------------------------------------------------------------------------

_PARTNERSHIPS = (
    "Safeguarding Children Partnership",
    "Safeguarding Adults Board",
    "Community Safety Partnership",
)


def synthetic_case(rng: random.Random, icb_code: str, today: date) -> dict[str, Any]:
    """A plausible, entirely synthetic case (no personal data)."""
    from tracker.models.enums import DesignatedProfessional, ReviewType, Stage, Theme

    review_type = rng.choice([t for t in ReviewType if t is not ReviewType.OTHER])
    added = today - timedelta(days=rng.randint(0, 300))
    incident = added - timedelta(days=rng.randint(0, 120))
    case: dict[str, Any] = {
        "icbCode": icb_code,
        "reviewType": review_type.value,
        "status": "OPEN",
        "stage": rng.choice(
            [Stage.NOTIFIED, Stage.RAPID_REVIEW, Stage.DECISION_PENDING, Stage.IN_PROGRESS]
        ).value,
        "incidentDate": incident.isoformat(),
        "dateAdded": added.isoformat(),
        "designatedProfessional": rng.choice(list(DesignatedProfessional)).value,
        "safeguardingPartnership": f"Synthetic {rng.choice(_PARTNERSHIPS)} {rng.randint(1, 99)}",
        "themes": [
            t.value for t in rng.sample([t for t in Theme if t is not Theme.OTHER], rng.randint(1, 3))
        ],
        "localReference": f"SYN-{rng.randint(1000, 9999)}",
    }
    return case


def cmd_seed(args: argparse.Namespace) -> int:
    import httpx

    from tracker.reference import reference_data

    state = LocalState(args.state_dir)
    info = _stack_info(state)
    url = args.url or (info.api_url if info else f"http://127.0.0.1:{DEFAULT_HTTP_PORT}")
    rng = random.Random(args.seed)  # noqa: S311 - synthetic data, not security
    today = datetime.now(UTC).date()
    icbs = sorted(reference_data().current_icb_codes(today))
    created = 0
    failures: dict[int, int] = {}
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(args.cases):
            icb = rng.choice(icbs)
            response = client.post(
                "/cases",
                json=synthetic_case(rng, icb, today),
                headers={
                    "Authorization": f"Bearer {_token(state, 'icb_editor', icb, 600)}",
                    "Idempotency-Key": str(uuid.uuid4()),
                },
            )
            if response.status_code == 201:
                created += 1
            else:
                failures[response.status_code] = failures.get(response.status_code, 0) + 1
                if failures[response.status_code] == 1:
                    print(
                        f"scrt: POST /cases -> {response.status_code}: {response.text[:500]}", file=sys.stderr
                    )
    print(f"scrt: seeded {created} of {args.cases} synthetic cases at {url}")
    return 0 if not failures else 1


# --- import ---------------------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from local_stack.import_arguments import TOKEN_ENV
    from local_stack.importer import ImportRun, run_import, write_template

    if args.template:
        return write_template(Path(args.template))
    if not args.file or not args.icb:
        return _fail("import needs a FILE and --icb (or --template FILE to write the template)")
    icb = args.icb.strip().upper()
    state = LocalState(args.state_dir)
    info = _stack_info(state)
    url = args.api or (info.api_url if info else f"http://127.0.0.1:{DEFAULT_HTTP_PORT}")
    # The local stack's own token by default, as scrt token gives it; another stage's from its
    # identity provider (--token or $SCRT_TOKEN).
    token = (
        args.token or os.environ.get(TOKEN_ENV) or (None if args.api else _token(state, "icb_editor", icb))
    )
    if token is None:
        return _fail(f"give the API's bearer token with --token or ${TOKEN_ENV}")
    report = Path(args.report) if args.report else None
    return run_import(ImportRun(Path(args.file), icb, url, token, args.dry_run, report))


# --- extracts / snapshot --------------------------------------------------------------------------------


def _s3(state: LocalState) -> tuple[Any, str]:
    from local_stack import aws

    env = _client_env(state)
    creds = Credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    from tracker.settings import REPORTING_BUCKET_NAME

    return aws.client("s3", env["AWS_ENDPOINT_URL_S3"], creds), env[REPORTING_BUCKET_NAME]


def cmd_extracts(args: argparse.Namespace) -> int:
    state = LocalState(args.state_dir)
    if _stack_info(state) is None:
        return _fail("no running stack; start it with `make run` (or `scrt serve`)")
    s3, bucket = _s3(state)
    if args.key:
        body = s3.get_object(Bucket=bucket, Key=args.key)["Body"].read()
        sys.stdout.buffer.write(body)
        if not body.endswith(b"\n"):
            sys.stdout.write("\n")
        return 0
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=args.prefix or ""):
        for item in page.get("Contents", []):
            count += 1
            print(f"{item['LastModified']:%Y-%m-%d %H:%M:%S}  {item['Size']:>9}  {item['Key']}")
    print(f"scrt: {count} object(s) in s3://{bucket}/{args.prefix or ''}", file=sys.stderr)
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from infra.routes import SNAPSHOT_EXTRACT
    from local_stack.lambdas import LambdaContext, handler_available, import_handler

    state = LocalState(args.state_dir)
    if _stack_info(state) is None:
        return _fail("no running stack; start it with `make run` (or `scrt serve`)")
    if not handler_available(SNAPSHOT_EXTRACT):
        return _fail("functions/snapshot_extract is not in this checkout yet; nothing to run")
    os.environ.update(_client_env(state))
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-west-2",
        "resources": ["arn:aws:events:eu-west-2:000000000000:rule/scrt-daily-snapshot"],
        "detail": {},
    }
    if args.summary_only:  # what the hourly schedule sends: the overview's summary alone
        from tracker.extracts.summary import SUMMARY_ONLY

        event = {**event, SUMMARY_ONLY: True}
    result = import_handler(SNAPSHOT_EXTRACT)(event, LambdaContext(SNAPSHOT_EXTRACT, timeout_seconds=900))
    print(json.dumps(result, indent=2, default=str))
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    """Run the weekly overdue reminders now; each email lands in ``<state dir>/outbox/`` instead of Notify."""
    from infra.routes import SEND_REMINDERS
    from local_stack.lambdas import LambdaContext, import_handler
    from local_stack.outbox import (
        LOCAL_DIGEST_TEMPLATE_ID,
        LOCAL_REGIONAL_DIGEST_TEMPLATE_ID,
        OUTBOX_FOLDER,
        OutboxEmailSender,
    )
    from tracker import composition
    from tracker import settings as tracker_settings
    from tracker.logic.reminders import RemindersIncomplete

    state = LocalState(args.state_dir)
    info = _stack_info(state)
    if info is None:
        return _fail("no running stack; start it with `make run` (or `scrt serve`)")
    os.environ.update(_client_env(state))
    os.environ.setdefault(tracker_settings.NOTIFY_DIGEST_TEMPLATE_ID, LOCAL_DIGEST_TEMPLATE_ID)
    os.environ.setdefault(
        tracker_settings.NOTIFY_REGIONAL_DIGEST_TEMPLATE_ID, LOCAL_REGIONAL_DIGEST_TEMPLATE_ID
    )
    os.environ.setdefault(tracker_settings.WEB_BASE_URL, info.api_url)
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    composition.reset()
    outbox = OutboxEmailSender(state.root / OUTBOX_FOLDER)
    composition.install_email_sender(outbox)
    before = set(outbox.folder.glob("*.json")) if outbox.folder.exists() else set()
    now = datetime.now(UTC)
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "000000000000",
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-west-2",
        "resources": ["arn:aws:scheduler:eu-west-2:000000000000:schedule/default/scrt-weekly-reminders"],
        "detail": {},
    }
    incomplete = False
    try:
        result = import_handler(SEND_REMINDERS)(event, LambdaContext(SEND_REMINDERS, timeout_seconds=900))
    except RemindersIncomplete as error:  # on AWS the raise makes Lambda retry; here, print what is left
        result, incomplete = dict(error.summary), True
    written = sorted(str(path) for path in set(outbox.folder.glob("*.json")) - before)
    print(json.dumps({**result, "outboxFiles": written}, indent=2, default=str))
    return 1 if incomplete or result.get("failed") else 0


def cmd_backfill(args: argparse.Namespace) -> int:
    """Put cases written before the due-date indexes existed onto them (as an operator does on AWS)."""
    from tracker import composition

    state = LocalState(args.state_dir)
    if _stack_info(state) is None:
        return _fail("no running stack; start it with `make run` (or `scrt serve`)")
    os.environ.update(_client_env(state))
    composition.reset()
    report = composition.run_due_backfill()
    print(
        json.dumps(
            {
                "casesRead": report.cases_read,
                "casesUpdated": report.cases_updated,
                "casesMovedOn": report.cases_moved_on,
            },
            indent=2,
        )
    )
    return 0


def cmd_check_cases(args: argparse.Namespace) -> int:
    """List the stored cases that break a current case rule, to correct them (as an operator does on AWS)."""
    from tracker import composition

    state = LocalState(args.state_dir)
    if _stack_info(state) is None:
        return _fail("no running stack; start it with `make run` (or `scrt serve`)")
    os.environ.update(_client_env(state))
    composition.reset()
    print(json.dumps(composition.run_case_check().as_dict(), indent=2))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """Who has seen a case (its reads, newest first), or a day's seal written or checked: the read
    audit as an information governance lead asks of it."""
    from dataclasses import asdict
    from datetime import date

    from tracker import composition

    state = LocalState(args.state_dir)
    if _stack_info(state) is None:
        return _fail("no running stack; start it with `make run` (or `scrt serve`)")
    os.environ.update(_client_env(state))
    composition.reset()
    if args.verify or args.seal:
        try:
            day = date.fromisoformat(args.verify or args.seal)
        except ValueError:
            return _fail("give the day as YYYY-MM-DD (a UTC day)")
        if args.seal:
            sealed = composition.run_audit_seal(day)
            print(json.dumps({"day": day.isoformat(), "entries": sealed.count, "head": sealed.head}))
            return 0
        result = composition.run_audit_verify(day)
        print(json.dumps({**asdict(result), "day": day.isoformat(), "intact": result.intact}, indent=2))
        return 0 if result.intact else 1
    if not args.case_id:
        return _fail("give a case id, or --verify DAY, or --seal DAY")
    from tracker.logic.audit import as_read

    trail = composition.audit_trail()
    entries = []
    before: str | None = None
    while True:  # every entry first: a refused read's two entries (D121) may straddle a page
        page = trail.case_entries(args.case_id, before=before, limit=100)
        entries += [entry for _, entry in page]
        if len(page) < 100:
            break
        before = page[-1][0]
    for entry in entries if args.raw else as_read(entries):
        print(entry.model_dump_json(exclude_none=True))
    return 0


def cmd_redrive(args: argparse.Namespace) -> int:
    """Republish the cases of the batches the stream poller gave up on (as the AWS function does)."""
    from local_stack.failures import DirectoryFailureInbox
    from tracker import composition
    from tracker.extracts.redrive import redrive

    state = LocalState(args.state_dir)
    if _stack_info(state) is None:
        return _fail("no running stack; start it with `make run` (or `scrt serve`)")
    os.environ.update(_client_env(state))
    composition.reset()
    report = redrive(
        DirectoryFailureInbox(state.failed_batches_dir), composition.case_store(), composition.extract_store()
    )
    print(
        json.dumps(
            {
                "records": report.records,
                "cases": report.cases,
                "objectsWritten": report.objects_written,
                "recordsWithoutCases": report.records_without_cases,
                "casesFailed": report.cases_failed,
            },
            indent=2,
        )
    )
    return 1 if report.cases_failed else 0


# --- entry point -------------------------------------------------------------------------------------------


def _add_audit_command(commands: Any) -> None:
    audit = commands.add_parser(
        "audit", help="who has seen a case (its reads, newest first), or seal or verify a day's reads"
    )
    audit.add_argument("case_id", nargs="?", help="the case whose reads to print (JSON lines)")
    audit.add_argument("--verify", metavar="DAY", help="check a UTC day's reads against its seal")
    audit.add_argument("--seal", metavar="DAY", help="seal a finished UTC day's reads (the daily job's work)")
    audit.add_argument(
        "--raw",
        action="store_true",
        help="every entry as written: a refused read's 'answered' entry beside its refusal",
    )
    audit.set_defaults(run=cmd_audit)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="scrt", description="The tracker's local stack (development only).")
    root.add_argument(
        "--state-dir", default=None, help="state folder (default .local/scrt, or $SCRT_STATE_DIR)"
    )
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the whole tracker on local engines")
    serve.add_argument("--port", type=int, default=DEFAULT_HTTP_PORT, help="HTTP API port (3000)")
    serve.add_argument(
        "--dynamodb-port", type=int, default=DEFAULT_DYNAMODB_PORT, help="DynamoDB Local (8000)"
    )
    serve.add_argument(
        "--s3-port", type=int, default=DEFAULT_S3_PORT, help="SeaweedFS S3, or moto server (8333)"
    )
    serve.add_argument(
        "--seaweedfs-ports",
        default=None,
        metavar="MASTER,VOLUME,FILER,ADMIN",
        help="SeaweedFS's other servers (default 9333,9340,8888,23646; gRPC on each + 10000)",
    )
    serve.add_argument("--fresh", action="store_true", help="start with empty tables and bucket")
    serve.add_argument(
        "--backend",
        choices=(BACKEND_AUTO, BACKEND_LOCAL, BACKEND_MOTO),
        default=os.environ.get(BACKEND_ENV) or BACKEND_AUTO,
        help="local = DynamoDB Local + SeaweedFS; moto = moto server; auto (default) = local when Java and "
        "the engines are installed, else moto ($SCRT_BACKEND)",
    )
    serve.set_defaults(run=cmd_serve)

    token = commands.add_parser("token", help="print a bearer token the running stack accepts")
    token.add_argument("--role", required=True, help="icb_editor, icb_viewer, regional, national or provider")
    token.add_argument(
        "--org", required=True, help="ICB ODS code, region code, X24 for national, or a trust's ODS code"
    )
    token.add_argument("--ttl", type=int, default=DEFAULT_TTL_SECONDS, help="lifetime in seconds (3600)")
    token.add_argument("--sub", default=None, help="subject (default local-<role>-<org>)")
    token.set_defaults(run=cmd_token)

    env = commands.add_parser("env", help='print export lines for AWS clients (eval "$(scrt env)")')
    env.set_defaults(run=cmd_env)

    seed = commands.add_parser("seed", help="submit synthetic cases through the HTTP API")
    seed.add_argument("--cases", type=int, default=20)
    seed.add_argument("--seed", type=int, default=None, help="random seed, for repeatable data")
    seed.add_argument("--url", default=None, help="API base URL (default: the running stack)")
    seed.set_defaults(run=cmd_seed)

    imports = commands.add_parser(
        "import", help="import cases from a spreadsheet through the API (--dry-run checks, writes nothing)"
    )
    add_import_arguments(imports)
    imports.set_defaults(run=cmd_import)

    extracts = commands.add_parser("extracts", help="list the reporting bucket, or print one object")
    extracts.add_argument("key", nargs="?", default=None)
    extracts.add_argument("--prefix", default="", help="changes/, current/ or snapshots/")
    extracts.set_defaults(run=cmd_extracts)

    snapshot = commands.add_parser("snapshot", help="run the daily snapshot extract now")
    snapshot.add_argument(
        "--summary-only",
        action="store_true",
        help="write only the overview's summary, as the hourly schedule does",
    )
    snapshot.set_defaults(run=cmd_snapshot)

    remind = commands.add_parser(
        "remind", help="run the weekly overdue reminders now (emails go to the outbox/ folder)"
    )
    remind.set_defaults(run=cmd_remind)

    backfill = commands.add_parser(
        "backfill", help="put cases written before the due-date indexes existed onto them (overdue lists)"
    )
    backfill.set_defaults(run=cmd_backfill)

    check_cases = commands.add_parser(
        "check-cases", help="list stored cases that break a current case rule, to correct them"
    )
    check_cases.set_defaults(run=cmd_check_cases)

    _add_audit_command(commands)
    redrive = commands.add_parser(
        "redrive", help="republish the cases of stream batches that failed for good (failed-batches/)"
    )
    redrive.set_defaults(run=cmd_redrive)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except engines.EngineError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `scrt extracts | head`
        sys.stderr.close()
        return 0
    if argv is None and args.command == "serve":
        _exit_at_once(code)
    return code


def _exit_at_once(code: int) -> NoReturn:
    """End ``scrt serve`` run as a program as soon as the stack has stopped. Tearing the interpreter
    down (every module the handlers loaded) took up to another second, with nothing left to clean
    up: the engines have exited, and the output is flushed here. Callers of ``main([...])`` in
    the same process (tests) get the code returned instead."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
