"""The session: a signed and encrypted cookie, ended after 30 idle minutes or by signing out.

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) seals the session's JSON and stamps
it with the time it was sealed; the cookie is sealed again on every request, and one older than the
idle timeout does not open. The session carries a random id: signing out records that id as ended
(``EndedSessions``, one small item kept until the session's absolute end), so a copy of the cookie
is refused afterwards, not only the browser's own cookie dropped.

The key rotates (Secrets Manager, in the data stack): cookies are sealed with the current key and
opened with it or the one before. A container that read the key before a rotation reads it again
within the hour, and at once (at most once a minute) when a cookie arrives that none of its keys
opened but the key read since may: one sealed by a container started after the rotation. So a
rotation signs nobody out and loses no form.

A form sent after its session ended is kept, not lost (``KeptForm``): sealed with its own key,
bound to the person whose ended session sent it, kept for ``KEPT_FORM_SECONDS`` in a
``KeptForms`` store, and shown again, filled in, once that same person has signed in. So that the
app still knows whose form it is, the session cookie stays in the browser after the session ends
(``ENDED_SESSION_COOKIE_SECONDS``); it never opens as a session again.
"""

import base64
import hmac
import json
import secrets
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Generic, Protocol, TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ABSOLUTE_LIFETIME_SECONDS = 12 * 60 * 60
"""However active, a session ends after a working day: the next request signs in again."""
SIGN_IN_LIFETIME_SECONDS = 10 * 60
"""How long a sign-in started at the identity provider may take to come back."""
ENDED_SESSION_COOKIE_SECONDS = 12 * 60 * 60
"""How long after a session's absolute end its cookie stays in the browser: never a session again,
only the proof of whose form arrives after the end (a form typed through a long afternoon's
meeting and sent afterwards is still kept)."""
KEPT_FORM_SECONDS = 30 * 60
"""How long a form sent after its session ended waits for the same person to sign in again."""
KEPT_FORM_MAX_SEALED_BYTES = 380 * 1024
"""The largest sealed form a store keeps (a DynamoDB item holds 400 KB, its key and attributes
included); the largest case's text compresses far below it."""
WARNING_BEFORE_END_SECONDS = 5 * 60
"""How long before the session ends the page warns (WCAG 2.2.1 asks for at least 20 seconds)."""


@dataclass(frozen=True)
class Session:
    sub: str
    role: str
    org: str
    csrf_token: str
    started_at: int
    session_id: str  # random; never logged
    name: str | None = None  # the identity provider's name claim, recorded with each change; never logged

    @property
    def ends_at(self) -> int:
        """When the session ends however active it is (epoch seconds)."""
        return self.started_at + ABSOLUTE_LIFETIME_SECONDS

    def ends_if_idle(self, now: int, idle_seconds: int) -> int:
        """When the session ends if nothing more is sent after ``now`` (epoch seconds): the idle
        limit or the absolute one, whichever comes first."""
        return min(now + idle_seconds, self.ends_at)

    def cookie_seconds(self, now: int) -> int:
        """The cookie's Max-Age: until well after the session's absolute end
        (``ENDED_SESSION_COOKIE_SECONDS``), so a form sent after the end is known to be this
        person's. The sealed time, not the cookie's age, ends the session."""
        return max(0, self.ends_at + ENDED_SESSION_COOKIE_SECONDS - now)


class EndedSessions(Protocol):
    """Sessions ended by signing out, until they would have ended anyway."""

    def end(self, session_id: str, expires_at: int) -> None: ...

    def is_ended(self, session_id: str) -> bool: ...


@dataclass(frozen=True)
class KeptForm:
    """A form sent after its session ended, as its person typed it (the CSRF token left out)."""

    form_id: str  # random; names its record in the store and the browser's cookie; never logged
    sub: str  # whose ended session sent it: shown again only to the same person
    path: str  # the form's own page (below the app's base path), where it is shown again
    fields: dict[str, list[str]]


class KeptForms(Protocol):
    """Sealed forms waiting for their person to sign in again, each until its expiry."""

    def keep(self, form_id: str, sealed: bytes, expires_at: int) -> None: ...

    def read(self, form_id: str) -> bytes | None: ...

    def discard(self, form_id: str) -> None: ...


@dataclass(frozen=True)
class PendingSignIn:
    """What the callback checks the identity provider's answer against (OIDC state, nonce, PKCE)."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str


T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")


class Rotating(Protocol[T_co]):
    """A value a rotation can replace (a key, a secret): its latest reading, and a fresh one."""

    def __call__(self) -> T_co:
        """The value as last read (read again once it is old)."""
        ...

    def reload(self) -> T_co:
        """Read it again now, unless it was read moments ago: for when something shows it changed."""
        ...


class Fixed(Generic[T]):
    """A value no rotation replaces (the local stack's and tests' keys, given in the environment)."""

    def __init__(self, value: T) -> None:
        self._value = value

    def __call__(self) -> T:
        return self._value

    def reload(self) -> T:
        return self._value


def _fernet(secret: bytes, purpose: bytes) -> Fernet:
    # One key per purpose: a sign-in cookie can never be replayed as a session cookie.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"scrt-web:" + purpose).derive(
        secret
    )
    return Fernet(base64.urlsafe_b64encode(derived))


SESSION = b"session"
SIGN_IN = b"sign-in"
KEPT_FORM = b"kept-form"


class _Sealers:
    """The Fernets of one set of keys (current first), per purpose."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys or any(len(key) < 32 for key in keys):
            raise ValueError("the session key must be at least 32 bytes")
        self.keys = tuple(keys)
        self.by_purpose = {
            purpose: MultiFernet([_fernet(key, purpose) for key in self.keys])
            for purpose in (SESSION, SIGN_IN, KEPT_FORM)
        }


class CookieSealer:
    """Seals with ``secret``; opens with it or any of ``previous`` (the key before a rotation), so
    that rotating the key signs nobody out. ``CookieSealer.rotating`` reads the keys as they rotate."""

    def __init__(
        self,
        secret: bytes,
        idle_seconds: int,
        clock: Callable[[], float] = time.time,
        previous: Sequence[bytes] = (),
    ) -> None:
        self._keys: Rotating[Sequence[bytes]] = Fixed((secret, *previous))
        self._sealers = _Sealers(self._keys())
        self.idle_seconds = idle_seconds
        self._clock = clock

    @classmethod
    def rotating(
        cls, keys: Rotating[Sequence[bytes]], idle_seconds: int, clock: Callable[[], float] = time.time
    ) -> "CookieSealer":
        """Keys read through ``keys`` (current first, then the one before the last rotation)."""
        current = keys()
        sealer = cls(current[0], idle_seconds, clock, current[1:])
        sealer._keys = keys
        return sealer

    def _now(self) -> int:
        return int(self._clock())

    def now(self) -> int:
        """Epoch seconds on the sealer's clock (the one sessions are timed by)."""
        return self._now()

    def _current(self) -> _Sealers:
        keys = tuple(self._keys())
        if keys != self._sealers.keys:
            self._sealers = _Sealers(keys)
        return self._sealers

    def _seal(self, purpose: bytes, payload: dict[str, Any], compress: bool = False) -> str:
        fernet = self._current().by_purpose[purpose]
        data = json.dumps(payload, ensure_ascii=False).encode()
        return fernet.encrypt_at_time(zlib.compress(data) if compress else data, self._now()).decode()

    def _open(self, purpose: bytes, token: str, ttl: int, compressed: bool = False) -> dict[str, Any] | None:
        sealers = self._current()
        data, known_key = self._open_with(sealers, purpose, token, ttl, compressed)
        if data is None and not known_key and tuple(self._keys.reload()) != sealers.keys:
            # Sealed with a key read since (a rotation this container has not seen yet)?
            data, _ = self._open_with(self._current(), purpose, token, ttl, compressed)
        return data if isinstance(data, dict) else None

    def _open_with(
        self, sealers: _Sealers, purpose: bytes, token: str, ttl: int, compressed: bool = False
    ) -> tuple[Any, bool]:
        """The opened payload (None if it does not open), and whether one of these keys sealed it."""
        fernet = sealers.by_purpose[purpose]
        try:
            opened = fernet.decrypt_at_time(token.encode(), ttl, self._now())
            return json.loads(zlib.decompress(opened) if compressed else opened), True
        except (ValueError, zlib.error):
            return None, True  # sealed by us, but not JSON
        except InvalidToken:
            pass
        try:
            fernet.extract_timestamp(token.encode())  # checks the signature, not the age
        except InvalidToken:
            return None, False
        return None, True  # one of these keys sealed it: too old, not a rotation

    def new_session(self, sub: str, role: str, org: str, name: str | None = None) -> Session:
        return Session(
            sub=sub,
            role=role,
            org=org,
            csrf_token=secrets.token_urlsafe(32),
            started_at=self._now(),
            session_id=secrets.token_urlsafe(32),
            name=name,
        )

    def seal_session(self, session: Session) -> str:
        return self._seal(SESSION, asdict(session))

    def open_session(self, token: str | None) -> Session | None:
        if not token:
            return None
        data = self._open(SESSION, token, self.idle_seconds)
        if data is None:
            return None
        try:
            session = Session(**data)
        except TypeError:
            return None  # not a session of this shape (one sealed before sessions had an id)
        if self._now() - session.started_at > ABSOLUTE_LIFETIME_SECONDS:
            return None
        return session

    def open_ended_session(self, token: str | None) -> Session | None:
        """The session a cookie carried, ended or not (its seal checked, its age up to the cookie's
        own lifetime): whose form arrived after the end. Never a session to act in."""
        if not token:
            return None
        longest = ABSOLUTE_LIFETIME_SECONDS + ENDED_SESSION_COOKIE_SECONDS
        data = self._open(SESSION, token, longest)
        if data is None:
            return None
        try:
            session = Session(**data)
        except TypeError:
            return None
        return session if self._now() - session.started_at <= longest else None

    def seal_kept_form(self, kept: KeptForm) -> bytes:
        """Compressed, then sealed (AES-CBC and HMAC): only this app's key opens it, and only
        within ``KEPT_FORM_SECONDS``. Compressing first tells nobody anything: the sealed form
        never leaves the server."""
        return self._seal(KEPT_FORM, asdict(kept), compress=True).encode()

    def open_kept_form(self, sealed: bytes) -> KeptForm | None:
        """The kept form, or None if it was altered, sealed by another key or is too old."""
        try:
            token = sealed.decode("ascii")
        except UnicodeDecodeError:
            return None
        data = self._open(KEPT_FORM, token, KEPT_FORM_SECONDS, compressed=True)
        if data is None:
            return None
        try:
            kept = KeptForm(**data)
        except TypeError:
            return None
        fields_are_lists = isinstance(kept.fields, dict) and all(
            isinstance(values, list) for values in kept.fields.values()
        )
        return kept if fields_are_lists else None

    def seal_sign_in(self, pending: PendingSignIn) -> str:
        return self._seal(SIGN_IN, asdict(pending))

    def open_sign_in(self, token: str | None) -> PendingSignIn | None:
        if not token:
            return None
        data = self._open(SIGN_IN, token, SIGN_IN_LIFETIME_SECONDS)
        if data is None:
            return None
        try:
            return PendingSignIn(**data)
        except TypeError:
            return None


@dataclass(frozen=True)
class CookiePolicy:
    """Secure, with the ``__Host-`` prefix, everywhere but plain http on loopback (the local stack)."""

    secure: bool

    @property
    def session_name(self) -> str:
        return "__Host-scrt-session" if self.secure else "scrt-session"

    @property
    def sign_in_name(self) -> str:
        return "__Host-scrt-sign-in" if self.secure else "scrt-sign-in"

    @property
    def kept_form_name(self) -> str:
        return "__Host-scrt-kept-form" if self.secure else "scrt-kept-form"

    def _attributes(self, max_age: int) -> str:
        return f"Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax" + ("; Secure" if self.secure else "")

    def session_cookie(self, value: str, max_age: int) -> str:
        return f"{self.session_name}={value}; {self._attributes(max_age)}"

    def kept_form_cookie(self, form_id: str) -> str:
        return f"{self.kept_form_name}={form_id}; {self._attributes(KEPT_FORM_SECONDS)}"

    def sign_in_cookie(self, value: str) -> str:
        return f"{self.sign_in_name}={value}; {self._attributes(SIGN_IN_LIFETIME_SECONDS)}"

    def expired(self, name: str) -> str:
        return f"{name}=; {self._attributes(0)}"


# --- CSRF tokens on compressed pages -------------------------------------------------------------
# Pages are gzipped and a session's CSRF token stays the same for the whole session, beside text a
# page echoes from its address (the list's search box): the conditions of BREACH. Each page carries
# the token under a fresh random pad (pad, then token XOR pad), so its bytes differ on every response
# and compression cannot leak it; the server takes the pad off before comparing (as Django does).


def mask_csrf_token(token: str) -> str:
    """The session's token as one response carries it: a fresh pad, then the token XOR the pad."""
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    return base64.urlsafe_b64encode(pad + bytes(a ^ b for a, b in zip(raw, pad, strict=True))).decode()


def csrf_token_matches(sent: str, token: str) -> bool:
    """Whether a form's token is the session's: masked by a page, or as the session holds it."""
    if not sent or not token:
        return False
    if hmac.compare_digest(sent.encode(), token.encode()):
        return True
    try:
        masked = base64.urlsafe_b64decode(sent.encode())
    except (ValueError, TypeError):
        return False
    half = len(masked) // 2
    if len(masked) != 2 * len(token.encode()):
        return False
    unmasked = bytes(a ^ b for a, b in zip(masked[half:], masked[:half], strict=True))
    return hmac.compare_digest(unmasked, token.encode())
