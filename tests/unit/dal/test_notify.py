"""The GOV.UK Notify adapter against a loopback stand-in for Notify's API: the request it makes
(path, signed bearer token, body), how Notify's refusals and failures reach the domain, its
timeout; and the API key read from Secrets Manager (moto)."""

import socket
import time
import uuid

import boto3
import jwt
import pytest
import requests
from moto import mock_aws
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from tests.support.notify_stub import NotifyStub
from tracker import settings
from tracker.dal.notify import (
    CONNECT_TIMEOUT_SECONDS,
    READ_TIMEOUT_SECONDS,
    NotifyEmailSender,
    load_notify_api_key,
    never_reached_notify,
)
from tracker.logic.ports import EmailNotSent, EmailOutcomeUnknown, EmailRefused
from tracker.logic.reminders import SEND_TIMEOUT_SECONDS

TEMPLATE = str(uuid.uuid4())
PERSONALISATION: dict[str, str | list[str]] = {
    "icb_code": "QE1",
    "overdue": ["QE1-2026-0001: CSPR, stage IN_PROGRESS, publication due 2026-11-20"],
    "due_soon": ["none"],
}


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


def test_a_slow_answer_times_out_as_an_outcome_unknown_not_as_not_sent(
    notify: NotifyStub, api_key: tuple[str, str, str]
) -> None:
    """The request reached Notify (which may have taken the email) and the answer did not come in
    time: resending could e-mail the contact twice, so it is not reported as "not sent"."""
    notify.delay = 2.0
    sender = NotifyEmailSender(lambda: api_key[0], notify.url, timeout=(1.0, 0.3))
    started = time.monotonic()
    with pytest.raises(EmailOutcomeUnknown) as raised:
        sender.send("lead.one@nhs.example", TEMPLATE, PERSONALISATION, "digest-QE1-2026-W49")
    assert time.monotonic() - started < 1.5
    assert len(notify.requests) == 1  # it did reach Notify
    assert raised.value.reason == "ReadTimeout"
    assert "nhs.example" not in str(raised.value) and raised.value.__suppress_context__


def test_a_connection_cut_after_the_request_was_sent_is_an_outcome_unknown(
    notify: NotifyStub, api_key: tuple[str, str, str]
) -> None:
    notify.reset_for.add("lead.one@nhs.example")
    sender = NotifyEmailSender(lambda: api_key[0], notify.url)
    with pytest.raises(EmailOutcomeUnknown) as raised:
        sender.send("lead.one@nhs.example", TEMPLATE, PERSONALISATION, "digest-QE1-2026-W49")
    assert len(notify.requests) == 1
    assert raised.value.reason == "ConnectionError"
    assert "nhs.example" not in str(raised.value)


def test_a_refused_connection_is_not_sent_with_no_status(api_key: tuple[str, str, str]) -> None:
    """Nothing reached Notify: a retry may send it (the client reports a made-up 503, not kept)."""
    with socket.socket() as unused:  # a loopback port nothing listens on
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
    sender = NotifyEmailSender(lambda: api_key[0], url)
    with pytest.raises(EmailNotSent) as raised:
        sender.send("lead.one@nhs.example", TEMPLATE, PERSONALISATION, "digest-QE1-2026-W49")
    assert raised.value.status is None and str(raised.value) == "not sent: no answer"


def test_an_acceptance_whose_answer_cannot_be_read_counts_as_sent(
    notify: NotifyStub, api_key: tuple[str, str, str]
) -> None:
    """Notify answered 201 (it took the email) with a body that is not JSON: sent, not "not sent"."""
    notify.unreadable_answer = True
    NotifyEmailSender(lambda: api_key[0], notify.url).send(
        "lead.one@nhs.example", TEMPLATE, PERSONALISATION, "digest-QE1-2026-W49"
    )
    assert len(notify.requests) == 1


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


def _no_connection(reason: Exception) -> Exception:
    """What requests raises when urllib3 could not connect (it gives up at once: no retries).
    The pools and connections urllib3 would name are left out (None): nothing reads them."""
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/v2/notifications/email", reason))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("failure", "never_left"),
    [
        (_no_connection(NewConnectionError(None, "[Errno 111] Connection refused")), True),  # type: ignore[arg-type]
        (_no_connection(NameResolutionError("notify.example", None, socket.gaierror())), True),  # type: ignore[arg-type]
        (requests.exceptions.ConnectTimeout(_no_connection(ConnectTimeoutError()).args[0]), True),
        (requests.exceptions.ReadTimeout("read timed out"), False),
        (
            requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError())),
            False,
        ),
        (requests.exceptions.ConnectionError(ReadTimeoutError(None, "/", "read timed out")), False),  # type: ignore[arg-type]
        (requests.exceptions.SSLError(_no_connection(SSLError("bad record mac")).args[0]), False),
        (requests.exceptions.ChunkedEncodingError("connection broken"), False),
        (None, False),
    ],
)
def test_only_a_connection_never_made_counts_as_never_reaching_notify(
    failure: Exception | None, never_left: bool
) -> None:
    assert never_reached_notify(failure) is never_left
