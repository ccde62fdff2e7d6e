"""The cursor signing secret rotates: a cursor handed out before a rotation keeps working after it."""

import pytest
from moto import mock_aws

from tracker import settings
from tracker.dal.secrets import Expiring, load_cursor_codec
from tracker.errors import UnreadableInput
from tracker.logic.cursor import CursorCodec

OLD = b"old-cursor-key-0123456789abcdef"
NEW = b"new-cursor-key-0123456789abcdef"


def test_the_previous_key_still_verifies_and_the_current_one_signs() -> None:
    before = CursorCodec(OLD).encode("position-1", "scope")
    rotated = CursorCodec(NEW, [OLD])
    assert rotated.decode(before, "scope") == "position-1"
    after = rotated.encode("position-2", "scope")
    assert CursorCodec(NEW).decode(after, "scope") == "position-2"
    with pytest.raises(UnreadableInput):
        CursorCodec(OLD).decode(after, "scope")


def test_a_key_dropped_by_two_rotations_no_longer_verifies() -> None:
    ancient = CursorCodec(b"ancient-key-0123456789abcdef").encode("p", "scope")
    with pytest.raises(UnreadableInput):
        CursorCodec(NEW, [OLD]).decode(ancient, "scope")


def test_a_short_previous_key_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        CursorCodec(NEW, [b"short"])


def test_the_secret_versions_feed_the_codec_and_a_rotation_is_picked_up_within_the_hour() -> None:
    import boto3

    with mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-west-2")
        arn = client.create_secret(Name="scrt-cursor-test", SecretString=OLD.decode())["ARN"]
        config = settings.Settings.from_environ({settings.CURSOR_SIGNING_KEY_SECRET_ARN: arn})
        clock = [0.0]
        codecs = Expiring(lambda: load_cursor_codec(config, lambda: client), 3600, lambda: clock[0])
        before = codecs().encode("position-1", "scope")

        # The rotation moves AWSCURRENT to the new value and AWSPREVIOUS to the old one.
        client.put_secret_value(SecretId=arn, SecretString=NEW.decode())
        clock[0] = 3599.0
        with pytest.raises(UnreadableInput):  # still signing with the old key until the hour is up
            CursorCodec(NEW).decode(codecs().encode("p", "scope"), "scope")
        clock[0] = 3600.0
        rotated = codecs()
        assert rotated.decode(before, "scope") == "position-1"
        assert CursorCodec(NEW).decode(rotated.encode("p", "scope"), "scope") == "p"


def test_a_signed_payload_that_is_not_an_object_is_a_bad_cursor_not_an_error() -> None:
    import base64
    import hashlib
    import hmac

    payload = b"[1]"
    signature = hmac.new(NEW, payload, hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    with pytest.raises(UnreadableInput):
        CursorCodec(NEW).decode(f"{b64(payload)}.{b64(signature)}", "scope")


def test_a_cursor_has_one_spelling() -> None:
    cursor = CursorCodec(NEW).encode("position", "scope")
    payload, signature = cursor.split(".")
    with pytest.raises(UnreadableInput):
        CursorCodec(NEW).decode(f"{payload}=.{signature}", "scope")
    assert CursorCodec(NEW).decode(cursor, "scope") == "position"
