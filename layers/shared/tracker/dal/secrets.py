"""Secrets Manager reads: the cursor signing key (from the environment locally), and any rotating
secret's current and previous values (the web app's session key and client secret).

The cursor secret rotates: its ``AWSCURRENT`` version signs new cursors and its ``AWSPREVIOUS`` version
(when there is one) still verifies the cursors handed out before the rotation. Both are read again
after ``SECRET_MAX_AGE_SECONDS``, so a container that lives through a rotation picks it up.
"""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from tracker import settings
from tracker.logic.cursor import CursorCodec

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

SECRET_MAX_AGE_SECONDS = 3600
CURRENT_STAGE = "AWSCURRENT"
PREVIOUS_STAGE = "AWSPREVIOUS"


def _secret_version(client: "SecretsManagerClient", secret_id: str, stage: str) -> str | None:
    try:
        return client.get_secret_value(SecretId=secret_id, VersionStage=stage)["SecretString"]
    except client.exceptions.ResourceNotFoundException:
        return None  # no such stage: the secret has never been rotated


def current_and_previous(
    secrets_client: Callable[[], "SecretsManagerClient"], secret_id: str
) -> tuple[str | None, str | None]:
    """A rotating secret's ``AWSCURRENT`` and ``AWSPREVIOUS`` values (either None when the secret
    has no such version: never rotated yet, or no value put)."""
    client = secrets_client()
    return _secret_version(client, secret_id, CURRENT_STAGE), _secret_version(
        client, secret_id, PREVIOUS_STAGE
    )


def load_cursor_codec(
    config: settings.Settings, secrets_client: Callable[[], "SecretsManagerClient"] | None = None
) -> CursorCodec:
    if config.cursor_signing_key is not None:
        return CursorCodec(config.cursor_signing_key.get_secret_value().encode())
    if secrets_client is None:
        raise settings.ConfigurationError("a Secrets Manager client is needed for the cursor signing secret")
    client = secrets_client()
    secret_arn = config.require(settings.CURSOR_SIGNING_KEY_SECRET_ARN)
    current = _secret_version(client, secret_arn, CURRENT_STAGE)
    if current is None:
        raise settings.ConfigurationError("the cursor signing secret has no current version")
    previous = _secret_version(client, secret_arn, PREVIOUS_STAGE)
    return CursorCodec(current.encode(), [previous.encode()] if previous and previous != current else [])


class ExpiringCodec:
    """The codec, loaded again once it is older than ``max_age`` seconds."""

    def __init__(
        self,
        load: Callable[[], CursorCodec],
        max_age: float = SECRET_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._max_age = max_age
        self._clock = clock
        self._codec: CursorCodec | None = None
        self._loaded_at = 0.0

    def __call__(self) -> CursorCodec:
        now = self._clock()
        if self._codec is None or now - self._loaded_at >= self._max_age:
            self._codec = self._load()
            self._loaded_at = now
        return self._codec
