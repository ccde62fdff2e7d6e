"""The GOV.UK Notify adapter against a loopback stand-in for Notify's API: the request it makes
(path, signed bearer token, body), how Notify's refusals and failures reach the domain, its
timeout; and the API key read from Secrets Manager (moto)."""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import jwt
import pytest
from moto import mock_aws

from tracker import settings
from tracker.dal.notify import (
    CONNECT_TIMEOUT_SECONDS,
    READ_TIMEOUT_SECONDS,
    NotifyEmailSender,
    load_notify_api_key,
)
from tracker.logic.ports import EmailNotSent, EmailRefused
from tracker.logic.reminders import SEND_TIMEOUT_SECONDS

TEMPLATE = str(uuid.uuid4())
PERSONALISATION: dict[str, str | list[str]] = {
    "icb_code": "QE1",
    "overdue": ["QE1-2026-0001: CSPR, stage IN_PROGRESS, publication due 2026-11-20"],
    "due_soon": ["none"],
}


@dataclass
class NotifyStub:
    """What the stand-in received, and what it answers next (status, seconds to wait first)."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 201
    delay: float = 0.0


@pytest.fixture
def notify(monkeypatch: pytest.MonkeyPatch) -> Iterator[NotifyStub]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # loopback only, whatever proxy the shell sets
    stub = NotifyStub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            stub.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
            time.sleep(stub.delay)
            answer = json.dumps(
                {"id": str(uuid.uuid4())}
                if stub.status < 400
                else {"status_code": stub.status, "errors": [{"error": "BadRequestError", "message": "x"}]}
            ).encode()
            try:
                self.send_response(stub.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield stub
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def api_key() -> tuple[str, str, str]:
    """A key in Notify's format, ``<name>-<service id>-<secret>``, made up for this run."""
    service_id, secret = str(uuid.uuid4()), str(uuid.uuid4())
    return f"scrt_test-{service_id}-{secret}", service_id, secret


def test_an_email_is_posted_with_a_signed_token_and_the_template_fields(
    notify: NotifyStub, api_key: tuple[str, str, str]
) -> None:
    key, service_id, secret = api_key
    NotifyEmailSender(lambda: key, notify.url).send(
        "lead.one@nhs.example", TEMPLATE, PERSONALISATION, "digest-QE1-2026-W49"
    )
    (request,) = notify.requests
    assert request["path"] == "/v2/notifications/email"
    scheme, token = request["headers"]["Authorization"].split(" ")
    assert scheme == "Bearer"
    claims = jwt.decode(token, secret, algorithms=["HS256"])  # fails unless signed with the secret
    assert claims["iss"] == service_id and abs(claims["iat"] - time.time()) < 60
    assert request["body"] == {
        "email_address": "lead.one@nhs.example",
        "template_id": TEMPLATE,
        "personalisation": PERSONALISATION,
        "reference": "digest-QE1-2026-W49",
    }


@pytest.mark.parametrize(("status", "error"), [(400, EmailRefused), (500, EmailNotSent), (429, EmailNotSent)])
def test_notifys_refusals_and_failures_become_the_domains_errors_with_the_status_alone(
    notify: NotifyStub, api_key: tuple[str, str, str], status: int, error: type[Exception]
) -> None:
    notify.status = status
    sender = NotifyEmailSender(lambda: api_key[0], notify.url)
    with pytest.raises(error) as raised:
        sender.send("lead.one@nhs.example", TEMPLATE, PERSONALISATION, "digest-QE1-2026-W49")
    assert getattr(raised.value, "status") == status  # noqa: B009 - either error type
    assert "nhs.example" not in str(raised.value) and raised.value.__cause__ is None
    assert raised.value.__suppress_context__  # Notify's answer is not chained into a traceback


def test_a_slow_answer_times_out_as_a_failure_that_may_pass(
    notify: NotifyStub, api_key: tuple[str, str, str]
) -> None:
    notify.delay = 2.0
    sender = NotifyEmailSender(lambda: api_key[0], notify.url, timeout=(1.0, 0.3))
    started = time.monotonic()
    with pytest.raises(EmailNotSent):
        sender.send("lead.one@nhs.example", TEMPLATE, PERSONALISATION, "digest-QE1-2026-W49")
    assert time.monotonic() - started < 1.5


def test_the_default_timeouts_add_up_to_the_domains_bound_on_one_send() -> None:
    assert CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS == SEND_TIMEOUT_SECONDS
    assert 0 < CONNECT_TIMEOUT_SECONDS < READ_TIMEOUT_SECONDS


def test_the_api_key_is_read_from_the_secret_named_by_its_arn() -> None:
    key = f"scrt_test-{uuid.uuid4()}-{uuid.uuid4()}"
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-west-2")
        arn = client.create_secret(Name="scrt/notify-api-key", SecretString=f"{key}\n")["ARN"]
        client.create_secret(Name="scrt/other", SecretString="not-this-one")
        config = settings.Settings.from_environ({settings.NOTIFY_API_KEY_SECRET_ARN: arn})
        assert load_notify_api_key(config, lambda: client) == key  # trailing newline stripped
        missing = settings.Settings.from_environ({})
        with pytest.raises(settings.ConfigurationError):
            load_notify_api_key(missing, lambda: client)
