"""The cursor signing key: from the environment locally, from Secrets Manager on AWS."""

from tracker import settings
from tracker.logic.cursor import CursorCodec

SECRET_MAX_AGE_SECONDS = 3600


def load_cursor_codec(config: settings.Settings) -> CursorCodec:
    if config.cursor_signing_key is not None:
        return CursorCodec(config.cursor_signing_key.get_secret_value().encode())
    from aws_lambda_powertools.utilities.parameters import get_secret

    secret_arn = config.require(settings.CURSOR_SIGNING_KEY_SECRET_ARN)
    return CursorCodec(str(get_secret(secret_arn, max_age=SECRET_MAX_AGE_SECONDS)).encode())
