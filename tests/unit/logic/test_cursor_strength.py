"""List cursors: they round-trip, bind to their query, and refuse anything else as one 400.

Keys are generated for each run; a test that forges a cursor signs it with that key itself, to
show what the codec does with a signed payload it did not make.
"""

import base64
import hashlib
import hmac
import json
import secrets

import pytest

from tracker.errors import FieldError, UnreadableInput
from tracker.logic.cursor import CursorCodec

SCOPE = "icb_editor:QE1|icbCode=|status=OPEN"
INVALID = [FieldError("cursor", "is not valid", "query")]
# Positions whose payloads have every length modulo 3, so the base64 text has every padding need.
POSITIONS = [
    "",
    "a",
    "ab",
    "abc",
    *("x" * length for length in range(4, 25)),
    "QE1#2026-0007",
    "caf\u00e9 \u2603",
]


@pytest.fixture
def key() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def codec(key: bytes) -> CursorCodec:
    return CursorCodec(key)


def unpadded(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def padded(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signed(key: bytes, payload: bytes) -> str:
    """A cursor for any payload, signed as the codec signs (a forgery only a key holder can make)."""
    return f"{unpadded(payload)}.{unpadded(hmac.new(key, payload, hashlib.sha256).digest())}"


def scope_hash(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:32]


def assert_refused(codec: CursorCodec, cursor: str, scope: str = SCOPE) -> None:
    with pytest.raises(UnreadableInput) as error:
        codec.decode(cursor, scope)
    assert error.value.detail == "The cursor is not valid for this query."
    assert error.value.errors == INVALID


def test_a_signing_key_needs_at_least_16_bytes() -> None:
    for length in (0, 1, 15):
        with pytest.raises(ValueError, match="at least 16 bytes"):
            CursorCodec(secrets.token_bytes(length))
    for length in (16, 17, 64):
        codec = CursorCodec(secrets.token_bytes(length))
        assert codec.decode(codec.encode("p", SCOPE), SCOPE) == "p"


@pytest.mark.parametrize("position", POSITIONS)
def test_a_cursor_round_trips_at_every_length(codec: CursorCodec, position: str) -> None:
    cursor = codec.encode(position, SCOPE)
    assert codec.decode(cursor, SCOPE) == position
    # Opaque and URL-safe: unpadded base64url, payload and signature joined by one dot.
    payload, signature = cursor.split(".")
    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert len(signature) == 43  # 32 bytes of HMAC-SHA256
    assert json.loads(padded(payload))["p"] == position


def test_the_payload_is_the_position_and_a_hash_of_the_scope(codec: CursorCodec, key: bytes) -> None:
    cursor = codec.encode("QE1#0007", SCOPE)
    payload = padded(cursor.split(".")[0])
    assert json.loads(payload) == {"p": "QE1#0007", "s": scope_hash(SCOPE)}
    assert cursor == signed(key, payload)


@pytest.mark.parametrize(
    "other_scope", ["", SCOPE + " ", SCOPE.upper(), "regional:Y62|icbCode=|status=OPEN", "a", "z", "0", "~"]
)
def test_a_cursor_is_refused_for_any_other_query(codec: CursorCodec, other_scope: str) -> None:
    assert_refused(codec, codec.encode("position", SCOPE), other_scope)


def test_a_cursor_made_with_another_key_is_refused(codec: CursorCodec) -> None:
    other = CursorCodec(secrets.token_bytes(32))
    assert_refused(codec, other.encode("position", SCOPE))


def test_any_changed_bit_is_refused(codec: CursorCodec) -> None:
    payload_text, signature_text = codec.encode("position-0001", SCOPE).split(".")
    payload = padded(payload_text)
    signature = padded(signature_text)
    for index in range(len(payload)):
        changed = bytearray(payload)
        changed[index] ^= 0x01
        assert_refused(codec, f"{unpadded(bytes(changed))}.{signature_text}")
    for index in range(len(signature)):
        changed = bytearray(signature)
        changed[index] ^= 0x80
        assert_refused(codec, f"{payload_text}.{unpadded(bytes(changed))}")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        ".",
        "no-dot-at-all",
        "a.b.c",
        "!!!.???",
        "abcde.abcde",  # 5 characters: no base64 text has that length
        "eyJwIjoiYSJ9",  # a payload without its signature
    ],
)
def test_malformed_cursors_are_refused_as_unreadable(codec: CursorCodec, cursor: str) -> None:
    assert_refused(codec, cursor)


def test_a_cursor_whose_payload_was_swapped_is_refused(codec: CursorCodec) -> None:
    first = codec.encode("first", SCOPE).split(".")
    second = codec.encode("second", SCOPE).split(".")
    assert_refused(codec, f"{first[0]}.{second[1]}")


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"{",
        b"\xff\xfe",  # not UTF-8
        json.dumps({"p": 7, "s": scope_hash(SCOPE)}).encode(),
        json.dumps({"p": None, "s": scope_hash(SCOPE)}).encode(),
        json.dumps({"p": ["a"], "s": scope_hash(SCOPE)}).encode(),
        json.dumps({"s": scope_hash(SCOPE)}).encode(),
        json.dumps({"p": "a"}).encode(),
        json.dumps({"p": "a", "s": hashlib.sha256(SCOPE.encode()).hexdigest()}).encode(),  # whole hash
    ],
)
def test_a_signed_payload_the_codec_did_not_make_is_refused(
    codec: CursorCodec, key: bytes, payload: bytes
) -> None:
    assert_refused(codec, signed(key, payload))


def test_a_signed_payload_in_the_codecs_format_is_accepted(codec: CursorCodec, key: bytes) -> None:
    # The codec trusts what carries its signature: the key is the only secret.
    payload = json.dumps({"s": scope_hash(SCOPE), "p": "made elsewhere"}).encode()
    assert codec.decode(signed(key, payload), SCOPE) == "made elsewhere"


def test_a_cursor_respelt_with_padding_is_refused(codec: CursorCodec) -> None:
    """One spelling per cursor: the base64 decoder would accept stray padding, the codec does not."""
    payload, signature = codec.encode("ab", SCOPE).split(".")
    assert codec.decode(f"{payload}.{signature}", SCOPE) == "ab"
    assert_refused(codec, f"{payload}{'=' * (-len(payload) % 4)}.{signature}=")
    assert_refused(codec, f"{payload}.{signature}=")


def test_after_a_rotation_cursors_of_the_previous_key_still_verify() -> None:
    old, new = secrets.token_bytes(32), secrets.token_bytes(32)
    issued_before = CursorCodec(old).encode("before", SCOPE)
    rotated = CursorCodec(new, previous_keys=[old])
    assert rotated.decode(issued_before, SCOPE) == "before"
    assert_refused(rotated, issued_before, "another query")
    # New cursors are signed with the current key alone.
    issued_after = rotated.encode("after", SCOPE)
    assert CursorCodec(new).decode(issued_after, SCOPE) == "after"
    assert_refused(CursorCodec(old), issued_after)
    # Once the previous key is dropped, its cursors are refused; a key never held verifies nothing.
    assert_refused(CursorCodec(new), issued_before)
    assert_refused(rotated, CursorCodec(secrets.token_bytes(32)).encode("other", SCOPE))


def test_a_previous_key_needs_16_bytes_too() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        CursorCodec(secrets.token_bytes(32), previous_keys=[secrets.token_bytes(32), secrets.token_bytes(15)])
    CursorCodec(secrets.token_bytes(32), previous_keys=[secrets.token_bytes(16)])


def _other_spellings(text: str) -> list[str]:
    """Other base64 spellings of the same bytes: the last character's unused bits set differently."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return [
        text[:-1] + letter
        for letter in alphabet
        if letter != text[-1]
        and base64.urlsafe_b64decode(text[:-1] + letter + "=" * (-len(text) % 4)) == decoded
    ]


def test_a_cursor_respelt_with_other_unused_bits_is_refused(codec: CursorCodec) -> None:
    """Other spellings of the same signed bytes are refused, whether they sort before or after the
    genuine one. (A payload ends with the bytes '"}', whose spelling has no variant sorting before it;
    a signature may end anywhere, so both orders occur.)"""
    seen = {"payload higher": False, "signature lower": False, "signature higher": False}
    for number in range(2000):
        payload, signature = codec.encode(f"p{number}", SCOPE).split(".")
        for part, text in (("payload", payload), ("signature", signature)):
            for respelt in _other_spellings(text):
                order = "lower" if respelt < text else "higher"
                if seen.get(f"{part} {order}", True):
                    continue
                seen[f"{part} {order}"] = True
                cursor = f"{respelt}.{signature}" if part == "payload" else f"{payload}.{respelt}"
                assert_refused(codec, cursor)
        if all(seen.values()):
            break
    assert all(seen.values()), seen
