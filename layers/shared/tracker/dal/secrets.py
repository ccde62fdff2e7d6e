"""Secrets Manager reads: the cursor signing key (from the environment locally), and any rotating
secret's current and previous values (the web app's session key and client secret).

The cursor secret rotates: its ``AWSCURRENT`` version signs new cursors and its ``AWSPREVIOUS`` version
(when there is one) still verifies the cursors handed out before the rotation. Every secret read
through ``Expiring`` (the cursor key, the web app's session key and client secret) is read again
after ``SECRET_MAX_AGE_SECONDS``, so a container that lives through a rotation (or a value put
after deploy) picks it up; and sooner when asked (``reload``: a cookie sealed by a newer key, a
client secret the identity provider refused), at most once per ``SECRET_MIN_RELOAD_SECONDS``.
"""

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from tracker import settings
from tracker.clock import monotonic
from tracker.logic.cursor import CursorCodec

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

SECRET_MAX_AGE_SECONDS = 3600
SECRET_MIN_RELOAD_SECONDS = 60
"""A reload asked for sooner than this after the last read keeps the value read: cookies or
sign-ins that nothing opens cannot make every request read Secrets Manager."""
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


T = TypeVar("T")


class Expiring(Generic[T]):
    """A value from ``load``, loaded again once it is older than ``max_age`` seconds, or on
    ``reload`` when it is older than ``min_reload`` seconds."""

    def __init__(
        self,
        load: Callable[[], T],
        max_age: float = SECRET_MAX_AGE_SECONDS,
        clock: Callable[[], float] = monotonic,
        min_reload: float = SECRET_MIN_RELOAD_SECONDS,
    ) -> None:
        self._load = load
        self._max_age = max_age
        self._min_reload = min_reload
        self._clock = clock
        self._loaded: list[T] = []  # empty, or the value
        self._loaded_at = 0.0
        self._lock = threading.Lock()  # the local stack runs the functions on several threads

    def _value(self, max_age: float) -> T:
        with self._lock:
            now = self._clock()
            # A negative age is another machine's clock (a SnapStart restore): load again.
            if not self._loaded or not 0 <= now - self._loaded_at < max_age:
                self._loaded[:] = [self._load()]
                self._loaded_at = now
            return self._loaded[0]

    def __call__(self) -> T:
        return self._value(self._max_age)

    def reload(self) -> T:
        return self._value(self._min_reload)
