"""GOV.UK Notify behind the ``EmailSender`` port, with its own Python client.

The API key lives in Secrets Manager and is read on first use only; Notify's answers (which may
quote the personalisation) are never logged here.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tracker import settings

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient


def load_notify_api_key(
    config: settings.Settings, secrets_client: Callable[[], "SecretsManagerClient"]
) -> str:
    secret_arn = config.require(settings.NOTIFY_API_KEY_SECRET_ARN)
    return secrets_client().get_secret_value(SecretId=secret_arn)["SecretString"].strip()


class NotifyEmailSender:
    """Sends each email with ``NotificationsAPIClient.send_email_notification``."""

    def __init__(self, api_key: Callable[[], str], base_url: str | None = None) -> None:
        self._api_key = api_key
        self._base_url = base_url
        self._client: Any = None

    def _notify(self) -> Any:
        if self._client is None:
            from notifications_python_client.notifications import NotificationsAPIClient

            options = {"base_url": self._base_url} if self._base_url else {}
            self._client = NotificationsAPIClient(self._api_key(), **options)
        return self._client

    def send(
        self, recipient: str, template_id: str, personalisation: dict[str, str | list[str]], reference: str
    ) -> None:
        self._notify().send_email_notification(
            email_address=recipient,
            template_id=template_id,
            personalisation=personalisation,
            reference=reference,
        )
