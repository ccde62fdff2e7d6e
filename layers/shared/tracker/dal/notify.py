"""GOV.UK Notify behind the ``EmailSender`` port, with its own Python client.

The API key lives in Secrets Manager and is read on first use only. Each request has a timeout,
so one slow answer cannot hold a digest past its lease. Notify's answers (which may quote what was
sent) are never logged nor put in an error: a failure becomes ``EmailRefused`` (a 4xx that
resending cannot mend, such as an invalid address), ``EmailNotSent`` (Notify answered with any
other error, or was never reached: resending may succeed) or ``EmailOutcomeUnknown`` (the request
may have reached Notify and no answer came: a read timeout, a connection cut, so resending could
e-mail the contact twice). The client reports all three of the last as status 503; the error it
chains tells them apart.
"""

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tracker import settings
from tracker.logic.ports import SEND_TIMEOUT_SECONDS, EmailNotSent, EmailOutcomeUnknown, EmailRefused

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = SEND_TIMEOUT_SECONDS - CONNECT_TIMEOUT_SECONDS
"""Connecting and waiting for the answer together stay within the domain's bound on one send."""

PASSING_CLIENT_ERRORS = frozenset({403, 408, 429})
"""4xx answers that are not about the email: a key refused (403, the same for every recipient,
so it must fail the run and alarm rather than mark each contact refused), a timeout, a rate limit."""

# The client logs each failed request with Notify's message; keep it out of the function's logs.
logging.getLogger("notifications_python_client").setLevel(logging.ERROR)


def load_notify_api_key(
    config: settings.Settings, secrets_client: Callable[[], "SecretsManagerClient"]
) -> str:
    secret_arn = config.require(settings.NOTIFY_API_KEY_SECRET_ARN)
    return secrets_client().get_secret_value(SecretId=secret_arn)["SecretString"].strip()


def is_refusal(status: int) -> bool:
    """Whether Notify's answer means resending this email can never succeed."""
    return 400 <= status < 500 and status not in PASSING_CLIENT_ERRORS


def never_reached_notify(failure: BaseException | None) -> bool:
    """Whether a request that got no answer certainly never left: no connection was made (refused,
    unreachable, a name not resolved, or the connect timeout). Anything else (a read timeout, a
    connection reset or closed, a TLS error) may come after Notify read the request."""
    from requests.exceptions import ConnectionError as RequestsConnectionError
    from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

    if not isinstance(failure, RequestsConnectionError) or not failure.args:
        return False
    # requests wraps urllib3's MaxRetryError; connecting failed when its reason is
    # ConnectTimeoutError (NewConnectionError, for refused and unresolved, is one).
    retries = failure.args[0]
    return isinstance(retries, MaxRetryError) and isinstance(retries.reason, ConnectTimeoutError)


class NotifyEmailSender:
    """Sends each email with ``NotificationsAPIClient.send_email_notification``."""

    def __init__(
        self,
        api_key: Callable[[], str],
        base_url: str | None = None,
        *,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url
        self._timeout = timeout
        self._client: Any = None

    def _notify(self) -> Any:
        if self._client is None:
            from notifications_python_client.notifications import NotificationsAPIClient

            options: dict[str, Any] = {"timeout": self._timeout}
            if self._base_url:
                options["base_url"] = self._base_url
            self._client = NotificationsAPIClient(self._api_key(), **options)
        return self._client

    def send(
        self, recipient: str, template_id: str, personalisation: dict[str, str | list[str]], reference: str
    ) -> None:
        from notifications_python_client.errors import APIError

        try:
            self._notify().send_email_notification(
                email_address=recipient,
                template_id=template_id,
                personalisation=personalisation,
                reference=reference,
            )
        except APIError as error:  # timeouts and lost connections arrive as one too (status 503)
            if error.response is None:  # no answer: the client's 503 is made up
                if never_reached_notify(error.__cause__):
                    raise EmailNotSent(None) from None
                raise EmailOutcomeUnknown(type(error.__cause__).__name__) from None
            status = error.status_code
            if status < 400:
                return  # Notify took it (201); only its answer's body could not be read
            if is_refusal(status):
                raise EmailRefused(status) from None
            raise EmailNotSent(status) from None
