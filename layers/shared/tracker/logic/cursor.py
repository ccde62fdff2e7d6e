"""Opaque, tamper-evident list cursors: an HMAC-SHA256-signed position bound to the query."""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence

from tracker.errors import FieldError, UnreadableInput


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """``scope`` binds a cursor to one caller and one set of filters: it is refused anywhere else.

    New cursors are signed with ``key``; ``previous_keys`` still verify, so a cursor handed out just
    before the signing secret rotated keeps working.
    """

    def __init__(self, key: bytes, previous_keys: Sequence[bytes] = ()) -> None:
        for candidate in (key, *previous_keys):
            if len(candidate) < 16:
                raise ValueError("the cursor signing key must be at least 16 bytes")
        self._key = key
        self._verifying_keys = (key, *previous_keys)

    def _signature(self, payload: bytes, key: bytes | None = None) -> bytes:
        return hmac.new(key or self._key, payload, hashlib.sha256).digest()

    def encode(self, position: str, scope: str) -> str:
        payload = json.dumps({"p": position, "s": hashlib.sha256(scope.encode()).hexdigest()[:32]}).encode()
        return f"{_b64(payload)}.{_b64(self._signature(payload))}"

    def decode(self, cursor: str, scope: str) -> str:
        invalid = UnreadableInput(
            "The cursor is not valid for this query.", [FieldError("cursor", "is not valid", "query")]
        )
        try:
            encoded_payload, encoded_signature = cursor.split(".")
            payload = _unb64(encoded_payload)
            signature = _unb64(encoded_signature)
        except ValueError:
            raise invalid from None
        # One spelling per cursor: the decoder tolerates stray padding, the cursor does not.
        if _b64(payload) != encoded_payload or _b64(signature) != encoded_signature:
            raise invalid
        if not any(
            hmac.compare_digest(signature, self._signature(payload, key)) for key in self._verifying_keys
        ):
            raise invalid
        try:
            decoded = json.loads(payload)
        except ValueError:
            raise invalid from None
        if (
            not isinstance(decoded, dict)
            or decoded.get("s") != hashlib.sha256(scope.encode()).hexdigest()[:32]
            or not isinstance(decoded.get("p"), str)
        ):
            raise invalid
        return str(decoded["p"])


def history_start(
    codec: Callable[[], CursorCodec], scope: str, cursor: str | None, after_version: object
) -> int:
    """The version a page of history starts after: the signed cursor's (of this very query),
    else ``after_version`` (a domain caller's own choice), else 0, the beginning."""
    if cursor is not None:
        position = codec().decode(cursor, scope)
        if not position.isdigit():
            raise UnreadableInput(
                "The cursor is not valid for this query.", [FieldError("cursor", "is not valid", "query")]
            )
        return int(position)
    if after_version is None:
        return 0
    # bool is an int to Python, but never a version.
    if not isinstance(after_version, int) or isinstance(after_version, bool) or after_version < 0:
        raise UnreadableInput(
            "The version to read after is not valid for this query.",
            [FieldError("afterVersion", "is not valid", "query")],
        )
    return after_version
