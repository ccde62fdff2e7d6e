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
"""

import base64
import json
import secrets
import time
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


@dataclass(frozen=True)
class Session:
    sub: str
    role: str
    org: str
    csrf_token: str
    started_at: int
    session_id: str  # random; never logged

    @property
    def ends_at(self) -> int:
        """When the session ends however active it is (epoch seconds)."""
        return self.started_at + ABSOLUTE_LIFETIME_SECONDS


class EndedSessions(Protocol):
    """Sessions ended by signing out, until they would have ended anyway."""

    def end(self, session_id: str, expires_at: int) -> None: ...

    def is_ended(self, session_id: str) -> bool: ...


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


class _Sealers:
    """The Fernets of one set of keys (current first), per purpose."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys or any(len(key) < 32 for key in keys):
            raise ValueError("the session key must be at least 32 bytes")
        self.keys = tuple(keys)
        self.by_purpose = {
            purpose: MultiFernet([_fernet(key, purpose) for key in self.keys])
            for purpose in (SESSION, SIGN_IN)
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

    def _current(self) -> _Sealers:
        keys = tuple(self._keys())
        if keys != self._sealers.keys:
            self._sealers = _Sealers(keys)
        return self._sealers

    def _seal(self, purpose: bytes, payload: dict[str, Any]) -> str:
        fernet = self._current().by_purpose[purpose]
        return fernet.encrypt_at_time(json.dumps(payload).encode(), self._now()).decode()

    def _open(self, purpose: bytes, token: str, ttl: int) -> dict[str, Any] | None:
        sealers = self._current()
        data, known_key = self._open_with(sealers, purpose, token, ttl)
        if data is None and not known_key and tuple(self._keys.reload()) != sealers.keys:
            # Sealed with a key read since (a rotation this container has not seen yet)?
            data, _ = self._open_with(self._current(), purpose, token, ttl)
        return data if isinstance(data, dict) else None

    def _open_with(self, sealers: _Sealers, purpose: bytes, token: str, ttl: int) -> tuple[Any, bool]:
        """The opened payload (None if it does not open), and whether one of these keys sealed it."""
        fernet = sealers.by_purpose[purpose]
        try:
            return json.loads(fernet.decrypt_at_time(token.encode(), ttl, self._now())), True
        except ValueError:
            return None, True  # sealed by us, but not JSON
        except InvalidToken:
            pass
        try:
            fernet.extract_timestamp(token.encode())  # checks the signature, not the age
        except InvalidToken:
            return None, False
        return None, True  # one of these keys sealed it: too old, not a rotation

    def new_session(self, sub: str, role: str, org: str) -> Session:
        return Session(
            sub=sub,
            role=role,
            org=org,
            csrf_token=secrets.token_urlsafe(32),
            started_at=self._now(),
            session_id=secrets.token_urlsafe(32),
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

    def _attributes(self, max_age: int) -> str:
        return f"Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax" + ("; Secure" if self.secure else "")

    def session_cookie(self, value: str, idle_seconds: int) -> str:
        return f"{self.session_name}={value}; {self._attributes(idle_seconds)}"

    def sign_in_cookie(self, value: str) -> str:
        return f"{self.sign_in_name}={value}; {self._attributes(SIGN_IN_LIFETIME_SECONDS)}"

    def expired(self, name: str) -> str:
        return f"{name}=; {self._attributes(0)}"
