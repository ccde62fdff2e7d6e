"""The cursor signing key: from the environment locally, from Secrets Manager on AWS."""

import os
from functools import lru_cache

from tracker import config
from tracker.logic.cursor import CursorCodec


@lru_cache(maxsize=1)
def cursor_codec() -> CursorCodec:
    key = os.environ.get(config.CURSOR_KEY_ENV)
    if not key:
        from aws_lambda_powertools.utilities.parameters import get_secret

        key = str(get_secret(config.required(config.CURSOR_KEY_SECRET_ENV), max_age=3600))
    return CursorCodec(key.encode())
