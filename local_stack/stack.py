"""The local stack: engines, tables and bucket, the environment the handlers read, HTTP and poller."""

import errno
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from infra.routes import PUBLISH_CHANGES
from local_stack import aws, engines
from local_stack.gateway import INTEGRATION_TIMEOUT_SECONDS, Gateway, HttpServer
from local_stack.lambdas import FunctionResolver, Functions, default_resolver
from local_stack.poller import StreamPoller
from local_stack.state import (
    AUDIENCE,
    AUDIT_ARCHIVE_BUCKET,
    AUDIT_TABLE,
    CASES_TABLE,
    DEFAULT_DYNAMODB_PORT,
    DEFAULT_HTTP_PORT,
    DEFAULT_S3_PORT,
    IDEMPOTENCY_TABLE,
    ISSUER,
    JWKS_PATH,
    REGION,
    REPORTING_BUCKET,
    Credentials,
    LocalState,
    StackInfo,
)
from tracker import composition, settings
from tracker.auth.settings import AUTHORIZER_CACHE_SECONDS

log = logging.getLogger("scrt.stack")

BACKEND_LOCAL = "local"
BACKEND_MOTO = "moto"


def _reset_containers() -> None:
    """A new stack is a new deployment: the functions' clients, settings and keys are built again."""
    composition.reset()


class _Engine(Protocol):
    name: str

    def alive(self) -> bool: ...

    def serving(self) -> bool: ...

    def terminate(self) -> None: ...

    def stop(self, timeout: float = engines.ENGINE_STOP_GRACE_SECONDS) -> None: ...


@dataclass
class StackConfig:
    state_root: str | None = None
    backend: str = BACKEND_LOCAL
    http_port: int = DEFAULT_HTTP_PORT
    dynamodb_port: int = DEFAULT_DYNAMODB_PORT
    s3_port: int = DEFAULT_S3_PORT  # also moto server's port with SCRT_BACKEND=moto
    weed_ports: engines.WeedPorts | None = None  # None: SeaweedFS's defaults for its other servers
    fresh: bool = False
    cases_table: str = CASES_TABLE
    idempotency_table: str = IDEMPOTENCY_TABLE
    bucket: str = REPORTING_BUCKET
    audit_table: str = AUDIT_TABLE
    audit_archive_bucket: str = AUDIT_ARCHIVE_BUCKET
    authorizer_cache_seconds: float = AUTHORIZER_CACHE_SECONDS
    integration_timeout_seconds: float = INTEGRATION_TIMEOUT_SECONDS
    poll_interval_seconds: float = 0.5
    poller_max_retries: int = 3
    poller: bool = True
    engine_stop_grace_seconds: float = engines.ENGINE_STOP_GRACE_SECONDS
    supervise_interval_seconds: float | None = 1.0
    """How often the supervisor looks for an engine that has exited, to restart it (None: never)."""
    extra_env: dict[str, str] = field(default_factory=dict)


def endpoints(config: StackConfig) -> tuple[str, str]:
    if config.backend == BACKEND_MOTO:
        url = f"http://127.0.0.1:{config.s3_port}"
        return url, url
    return f"http://127.0.0.1:{config.dynamodb_port}", f"http://127.0.0.1:{config.s3_port}"


def client_environment(
    dynamodb_endpoint: str, s3_endpoint: str, credentials: Credentials, config: StackConfig
) -> dict[str, str]:
    """What any AWS client needs to reach the local engines (``scrt env`` prints it)."""
    return {
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": dynamodb_endpoint,
        "AWS_ENDPOINT_URL_S3": s3_endpoint,
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        settings.CASES_TABLE_NAME: config.cases_table,
        settings.IDEMPOTENCY_TABLE_NAME: config.idempotency_table,
        settings.REPORTING_BUCKET_NAME: config.bucket,
        settings.AUDIT_TABLE_NAME: config.audit_table,
        settings.AUDIT_ARCHIVE_BUCKET_NAME: config.audit_archive_bucket,
        settings.AUDIT_SEAL_OBJECT_LOCK: "false",  # the local engines have no Object Lock
    }


class LocalStack:
    def __init__(
        self, config: StackConfig | None = None, resolver: FunctionResolver = default_resolver
    ) -> None:
        self.config = config or StackConfig()
        self.state = LocalState(self.config.state_root)
        self.resolver = resolver
        self.engines: list[_Engine] = []
        self.functions: Functions | None = None
        self.gateway: Gateway | None = None
        self.http: HttpServer | None = None
        self.poller: StreamPoller | None = None
        self.dynamodb: Any = None
        self.streams: Any = None
        self.s3: Any = None
        self._previous_env: dict[str, str | None] = {}
        self._restarts: dict[str, Callable[[], _Engine]] = {}  # engine name -> start it again
        self._engines_lock = threading.Lock()  # the supervisor replaces engines; stop() takes them
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    # --- ports ---------------------------------------------------------------------------------
    def _ports(self) -> list[tuple[str, int]]:
        config = self.config
        ports = [("HTTP API", config.http_port)]
        if config.backend == BACKEND_MOTO:
            return [*ports, ("moto server", config.s3_port)]
        weed = config.weed_ports or engines.WeedPorts(s3=config.s3_port)
        return [*ports, ("DynamoDB Local", config.dynamodb_port), *weed.named()]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.config.http_port}"

    # --- environment ---------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        dynamodb_endpoint, s3_endpoint = endpoints(self.config)
        env = client_environment(dynamodb_endpoint, s3_endpoint, self.state.credentials(), self.config)
        env.update(
            {
                settings.CURSOR_SIGNING_KEY: self.state.cursor_key(),
                settings.JWKS_URL: f"{self.api_url}{JWKS_PATH}",
                settings.JWT_ISSUER: ISSUER,
                settings.JWT_AUDIENCE: AUDIENCE,
                "POWERTOOLS_SERVICE_NAME": settings.SERVICE_NAME,
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
                "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            }
        )
        env.update(self.config.extra_env)
        return env

    def _apply_environment(self, env: dict[str, str]) -> None:
        for name in [*env, "AWS_SESSION_TOKEN", "AWS_PROFILE"]:
            self._previous_env.setdefault(name, os.environ.get(name))
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.pop("AWS_PROFILE", None)
        os.environ.update(env)
        _reset_containers()

    def _restore_environment(self) -> None:
        for name, value in self._previous_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._previous_env.clear()
        _reset_containers()

    # --- life cycle ----------------------------------------------------------------------------
    def start(self) -> "LocalStack":
        config = self.config
        self.state.ensure()
        leftovers = engines.stop_leftover_engines(self.state, config.engine_stop_grace_seconds)
        for leftover in leftovers:
            log.warning(
                "stopped %s (pid %d), left running by a run that was killed", leftover.name, leftover.pid
            )
        if config.fresh:
            self.state.wipe_data()
            self.state.ensure()
        engines.ensure_ports_free(self._ports(), wait_seconds=5.0 if leftovers else 0.0)
        credentials = self.state.credentials()
        try:
            self._start_engines(credentials)
            env = self.environment()
            self._apply_environment(env)
            dynamodb_endpoint, s3_endpoint = endpoints(config)
            self.dynamodb = aws.client("dynamodb", dynamodb_endpoint, credentials)
            self.streams = aws.client("dynamodbstreams", dynamodb_endpoint, credentials)
            self.s3 = aws.client("s3", s3_endpoint, credentials)
            aws.provision(self.dynamodb, self.s3, config.cases_table, config.idempotency_table, config.bucket)
            aws.provision_audit(self.dynamodb, self.s3, config.audit_table, config.audit_archive_bucket)
            self.functions = Functions(self.resolver)
            self.gateway = Gateway(
                self.functions,
                self.state,
                config.authorizer_cache_seconds,
                config.integration_timeout_seconds,
                engines_down=self.engines_down,
            )
            try:
                self.http = HttpServer(self.gateway, config.http_port)
            except OSError as error:  # taken since the check above, while the engines started
                if error.errno != errno.EADDRINUSE:
                    raise
                raise engines.PortTaken(
                    f"port(s) already taken on 127.0.0.1: {config.http_port} (API and web app). "
                    "Something took it while the engines started: try again, or pick another --port."
                ) from None
            self.http.start()
            functions = self.functions
            self.poller = StreamPoller(
                self.dynamodb,
                self.streams,
                config.cases_table,
                lambda event: functions.invoke(PUBLISH_CHANGES, event),
                self.state.checkpoints_file,
                self.state.failed_batches_dir,
                region=REGION,
                max_retries=config.poller_max_retries,
                poll_interval_seconds=config.poll_interval_seconds,
            )
            if config.poller:
                self.poller.start()
            if config.supervise_interval_seconds is not None:
                self._supervisor = threading.Thread(
                    target=self._supervise,
                    args=(config.supervise_interval_seconds,),
                    name="scrt-supervisor",
                    daemon=True,
                )
                self._supervisor.start()
            self.state.write_stack(
                StackInfo(
                    backend=config.backend,
                    http_port=config.http_port,
                    dynamodb_endpoint=dynamodb_endpoint,
                    s3_endpoint=s3_endpoint,
                    pid=os.getpid(),
                    extra={
                        "cases_table": config.cases_table,
                        "bucket": config.bucket,
                        "audit_table": config.audit_table,
                    },
                )
            )
        except BaseException:
            self.stop()
            raise
        return self

    def _start_engines(self, credentials: Credentials) -> None:
        config = self.config
        if config.backend == BACKEND_MOTO:
            self.engines.append(engines.MotoEngine(config.s3_port))
            return
        weed_ports = config.weed_ports or engines.WeedPorts(s3=config.s3_port)
        self._restarts = {
            "DynamoDB Local": lambda: engines.start_dynamodb_local(self.state, config.dynamodb_port),
            "SeaweedFS": lambda: engines.start_seaweedfs(self.state, weed_ports, credentials),
        }
        # Start both at once: DynamoDB Local's JVM start-up dominates.
        results: dict[str, Any] = {}

        def run(name: str, start: Callable[[], Any]) -> None:
            try:
                results[name] = start()
            except BaseException as error:
                results[name] = error

        threads = [threading.Thread(target=run, args=(name, start)) for name, start in self._restarts.items()]
        for thread in threads:
            thread.start()
        interrupted: KeyboardInterrupt | None = None
        for thread in threads:
            while thread.is_alive():
                try:
                    thread.join()
                except (
                    KeyboardInterrupt
                ) as interrupt:  # an engine still starting must be known, to be stopped
                    interrupted = interrupt
        errors = [value for value in results.values() if isinstance(value, BaseException)]
        self.engines.extend(value for value in results.values() if not isinstance(value, BaseException))
        if interrupted is not None:
            raise interrupted
        if errors:
            raise errors[0]

    def engines_down(self) -> list[str]:
        """The engines not answering now (exited, or not accepting connections), for /health."""
        with self._engines_lock:
            running = list(self.engines)
        return [engine.name for engine in running if not engine.serving()]

    def _supervise(self, interval: float) -> None:
        """Restart an engine that has exited, on the same ports and data (what it had written is
        kept: see ``ENGINE_STOP_GRACE_SECONDS``). Until it is back, /health answers 503."""
        while not self._stopping.wait(interval):
            with self._engines_lock:
                dead = [engine for engine in self.engines if not engine.alive()]
            for engine in dead:
                restart = self._restarts.get(engine.name)
                if restart is None or self._stopping.is_set():
                    continue
                log.warning("%s exited; restarting it (its log is in %s)", engine.name, self.state.logs_dir)
                engine.stop(timeout=0)  # reaps it and drops its record
                try:
                    again = restart()
                except Exception:
                    log.exception("restarting %s", engine.name)
                    continue
                with self._engines_lock:
                    if self._stopping.is_set():  # stop() has already taken the engines: this one too
                        again.stop(self.config.engine_stop_grace_seconds)
                        return
                    self.engines = [again if e is engine else e for e in self.engines]
                log.warning("%s is running again", engine.name)

    def stop(self) -> None:
        """Within about ``engine_stop_grace_seconds`` plus a few tenths, whatever connections are open:
        the poller and the HTTP server stop at once (open connections are closed), then every engine
        gets SIGTERM at the same time and a shared grace period before SIGKILL."""
        if self.poller is not None:
            self.poller.stop()
            self.poller = None
        if self.http is not None:
            self.http.stop()
            self.http = None
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=0.5)  # a restart under way stops its engine itself
            self._supervisor = None
        with self._engines_lock:
            stopping, self.engines = list(reversed(self.engines)), []
        for engine in stopping:
            engine.terminate()
        deadline = time.monotonic() + self.config.engine_stop_grace_seconds
        for engine in stopping:
            try:
                engine.stop(timeout=deadline - time.monotonic())
            except Exception:
                log.exception("stopping %s", engine.name)
        self.state.clear_stack(os.getpid())
        self._restore_environment()

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
