"""JWKS_URL must be https, or plain http only to this machine: the check reads the URL as a URL
(user information, port, IPv6 brackets), not as a string prefix."""

import pytest

from tracker.auth.settings import AuthConfigurationError, AuthSettings


def settings_with(jwks_url: str) -> AuthSettings:
    return AuthSettings(jwks_url=jwks_url, issuer="https://idp.example.test", audiences=("tracker-tests",))


@pytest.mark.parametrize(
    "url",
    [
        "https://idp.example.test/.well-known/jwks.json",
        "http://127.0.0.1:3000/.well-known/jwks.json",
        "http://127.0.0.1/.well-known/jwks.json",
        "http://127.0.0.2:8080/jwks.json",  # all of 127.0.0.0/8 is loopback
        "http://localhost:3000/jwks.json",
        "http://LOCALHOST:3000/jwks.json",
        "http://[::1]:3000/jwks.json",
        "http://[::1]/jwks.json",
    ],
)
def test_https_anywhere_and_http_on_loopback_are_accepted(url: str) -> None:
    assert settings_with(url).jwks_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1@evil.example/",  # user "127.0.0.1", password "1", host evil.example
        "http://127.0.0.1@evil.example/jwks.json",
        "http://localhost:3000@evil.example/jwks.json",
        "http://[::1]:1@evil.example/jwks.json",
        "http://evil.example\\@127.0.0.1/jwks.json",  # user information, whichever side is the host
        "http://user:secret@127.0.0.1/jwks.json",
        "http://127.0.0.1.evil.example/jwks.json",
        "http://localhost.evil.example/jwks.json",
        "http://evil.example/jwks.json?next=http://127.0.0.1/",
        "http://evil.example#@127.0.0.1/",
        "http://evil.example/127.0.0.1",
        "http://127.0.0.1:notaport/jwks.json",
        "http://127.0.0.1:99999/jwks.json",
        "http://[::1/jwks.json",
        "http://127.0.0.1 /jwks.json",
        "http://127.0.0.1\t@evil.example/",
        "http://10.0.0.1/jwks.json",
        "http://0.0.0.0:3000/jwks.json",
        "http:///jwks.json",
        "ftp://127.0.0.1/jwks.json",
        "file:///etc/jwks.json",
        "https://user@idp.example.test/jwks.json",
        "https:///jwks.json",
        "127.0.0.1:3000/jwks.json",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(AuthConfigurationError):
        settings_with(url)


@pytest.mark.parametrize(("field", "value"), [("jwks_cache_seconds", -1), ("leeway_seconds", -5)])
def test_negative_durations_are_refused(field: str, value: int) -> None:
    with pytest.raises(AuthConfigurationError):
        AuthSettings(
            jwks_url="https://idp.example.test/jwks.json",
            issuer="https://idp.example.test",
            audiences=("tracker-tests",),
            **{field: value},  # type: ignore[arg-type]
        )
