"""The local stack's state directory: signing key, cursor key, local credentials, engine data.

Everything here is generated on first run and lives under a gitignored folder (``.local/scrt`` in
the repository unless ``SCRT_STATE_DIR`` says otherwise). Nothing in it is ever committed.
"""

import json
import os
import secrets
import shutil
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

STATE_DIR_ENV = "SCRT_STATE_DIR"
BACKEND_ENV = "SCRT_BACKEND"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STATE_DIR = REPO_ROOT / ".local" / "scrt"

REGION = "eu-west-2"
CASES_TABLE = "scrt-cases"
IDEMPOTENCY_TABLE = "scrt-idempotency"
REPORTING_BUCKET = "scrt-reporting"
AUDIT_TABLE = "scrt-audit"  # who has seen a case
AUDIT_ARCHIVE_BUCKET = "scrt-audit-archive"  # the read audit's daily seals
ISSUER = "https://idp.scrt.localhost"
AUDIENCE = "safeguarding-case-review-tracker"
JWKS_PATH = "/.well-known/jwks.json"
DISCOVERY_PATH = "/.well-known/openid-configuration"
AUTHORIZE_PATH = "/oauth2/authorize"
TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a path, not a secret
WEB_CLIENT_ID = "scrt-web-local"
SIGNING_KEY_ID_PREFIX = "scrt-local-"

DEFAULT_HTTP_PORT = 3000
DEFAULT_DYNAMODB_PORT = 8000
DEFAULT_S3_PORT = 8333


def state_dir(explicit: str | Path | None = None) -> Path:
    if explicit is not None:
        return Path(explicit)
    return Path(os.environ.get(STATE_DIR_ENV) or DEFAULT_STATE_DIR)


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str


@dataclass(frozen=True)
class EngineRecord:
    """An engine process a ``scrt serve`` started, kept on disk until it is stopped, so that a run
    that was killed can be cleaned up by the next one. Commands are kept to recognise the processes:
    a pid alone may have been reused by anything."""

    name: str
    pid: int
    command: str  # arguments joined by spaces, as ps shows them
    owner_pid: int  # the scrt process that started it
    owner_command: str


@dataclass
class StackInfo:
    """What a running ``scrt serve`` listens on, for ``scrt env``/``token``/``seed``/``extracts``."""

    backend: str
    http_port: int
    dynamodb_endpoint: str
    s3_endpoint: str
    pid: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"


class LocalState:
    def __init__(self, root: str | Path | None = None) -> None:
        self.root = state_dir(root)
        self._engines_lock = threading.Lock()  # the engines start on two threads

    # --- layout -----------------------------------------------------------------------------
    @property
    def signing_key_file(self) -> Path:
        return self.root / "signing-key.pem"

    @property
    def cursor_key_file(self) -> Path:
        return self.root / "cursor-key"

    @property
    def credentials_file(self) -> Path:
        return self.root / "credentials.json"

    @property
    def stack_file(self) -> Path:
        return self.root / "stack.json"

    @property
    def engines_file(self) -> Path:
        return self.root / "engines.json"

    @property
    def checkpoints_file(self) -> Path:
        return self.root / "stream-checkpoints.json"

    @property
    def dynamodb_dir(self) -> Path:
        return self.root / "dynamodb"

    @property
    def s3_dir(self) -> Path:
        return self.root / "s3"

    @property
    def engines_dir(self) -> Path:
        return self.root / "engines"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def failed_batches_dir(self) -> Path:
        return self.root / "failed-batches"

    def ensure(self) -> None:
        for folder in (self.root, self.dynamodb_dir, self.s3_dir, self.engines_dir, self.logs_dir):
            folder.mkdir(parents=True, exist_ok=True)
        gitignore = self.root / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("# Local stack state: keys and engine data, never committed.\n*\n")

    def wipe_data(self) -> None:
        """``--fresh``: drop engine data, checkpoints and failed batches; keep keys and credentials."""
        for folder in (self.dynamodb_dir, self.s3_dir, self.failed_batches_dir):
            shutil.rmtree(folder, ignore_errors=True)
        self.checkpoints_file.unlink(missing_ok=True)

    # --- secrets generated on first run ---------------------------------------------------
    def _write_private(self, path: Path, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        tmp.replace(path)

    def signing_key(self) -> ec.EllipticCurvePrivateKey:
        if not self.signing_key_file.exists():
            key = ec.generate_private_key(ec.SECP256R1())
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            self._write_private(self.signing_key_file, pem)
        loaded = serialization.load_pem_private_key(self.signing_key_file.read_bytes(), password=None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise RuntimeError(f"{self.signing_key_file} is not an EC private key")
        return loaded

    def cursor_key(self) -> str:
        if not self.cursor_key_file.exists():
            self._write_private(self.cursor_key_file, secrets.token_urlsafe(32).encode())
        return self.cursor_key_file.read_text().strip()

    @property
    def web_session_key_file(self) -> Path:
        return self.root / "web-session-key"

    @property
    def web_client_secret_file(self) -> Path:
        return self.root / "web-client-secret"

    def web_session_key(self) -> str:
        """The web app's session cookie key (a real deployment's comes from Secrets Manager)."""
        if not self.web_session_key_file.exists():
            self._write_private(self.web_session_key_file, secrets.token_urlsafe(48).encode())
        return self.web_session_key_file.read_text().strip()

    def web_client_secret(self) -> str:
        """The web app's client secret at the local identity provider."""
        if not self.web_client_secret_file.exists():
            self._write_private(self.web_client_secret_file, secrets.token_urlsafe(32).encode())
        return self.web_client_secret_file.read_text().strip()

    def credentials(self) -> Credentials:
        if not self.credentials_file.exists():
            generated = Credentials(
                access_key_id="SCRTLOCAL" + secrets.token_hex(6).upper(),
                secret_access_key=secrets.token_urlsafe(30),
            )
            self._write_private(self.credentials_file, json.dumps(asdict(generated)).encode())
        data = json.loads(self.credentials_file.read_text())
        return Credentials(**data)

    # --- the running stack ------------------------------------------------------------------
    def write_stack(self, info: StackInfo) -> None:
        self._write_private(self.stack_file, json.dumps(asdict(info), indent=2).encode())

    def read_stack(self) -> StackInfo | None:
        try:
            data = json.loads(self.stack_file.read_text())
        except (OSError, ValueError):
            return None
        return StackInfo(**data)

    def clear_stack(self, pid: int) -> None:
        info = self.read_stack()
        if info is not None and info.pid == pid:
            self.stack_file.unlink(missing_ok=True)

    # --- engine processes ---------------------------------------------------------------------
    def recorded_engines(self) -> list[EngineRecord]:
        try:
            data = json.loads(self.engines_file.read_text())
            return [EngineRecord(**entry) for entry in data]
        except (OSError, ValueError, TypeError):
            return []

    def _write_engines(self, records: list[EngineRecord]) -> None:
        if records:
            self._write_private(
                self.engines_file, json.dumps([asdict(r) for r in records], indent=2).encode()
            )
        else:
            self.engines_file.unlink(missing_ok=True)

    def record_engine(self, record: EngineRecord) -> None:
        with self._engines_lock:
            self._write_engines([*(r for r in self.recorded_engines() if r.pid != record.pid), record])

    def forget_engines(self, pids: set[int]) -> None:
        with self._engines_lock:
            self._write_engines([r for r in self.recorded_engines() if r.pid not in pids])
