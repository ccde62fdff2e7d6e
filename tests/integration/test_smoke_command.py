"""``python -m tools.smoke`` against the integration package's local stack: the check a deploy runs
against a stage passes here, with the extract read from the local bucket, and fails when the stage
misbehaves."""

import io
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from local_stack.identity import web_app_environment
from local_stack.stack import LocalStack
from tests.integration.conftest import TokenFactory
from tools import smoke
from tracker import composition, settings

ROOT = Path(__file__).resolve().parents[2]
CHECKS = (
    "health",
    "openapi",
    "docs",
    "web-app",
    "no-token-refused",
    "reference",
    "list",
    "contacts",
    "submit",
    "read",
    "update",
    "history",
    "extract",
)
JOURNEY_AFTER_SUBMIT = ("read", "update", "history", "extract")
ICB = "QE1"
ANOTHER_REGIONS_ICB = "QWO"  # West Yorkshire, not in QE1's region: it cannot see QE1's cases


@pytest.fixture(autouse=True)
def web_app_configured(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A deployed stage always configures the web app; this package's stack does not, so the web app
    is given its settings (as ``scrt serve`` does) for these tests only."""
    for name, value in web_app_environment(stack.state, stack.api_url).items():
        monkeypatch.setenv(name, value)
    settings.settings.cache_clear()
    composition.web_app.cache_clear()
    yield
    monkeypatch.undo()
    settings.settings.cache_clear()
    composition.web_app.cache_clear()


def _outcomes(output: str) -> dict[str, str]:
    """check name -> PASS, FAIL or SKIP, from the one-line-per-check report (the summary excluded)."""
    outcomes = {}
    for line in output.splitlines():
        outcome, name = line.split(" ", 2)[:2]
        if name != "smoke:":
            outcomes[name.rstrip(":")] = outcome
    return outcomes


def test_the_smoke_command_passes_against_the_local_stack(stack: LocalStack, token: TokenFactory) -> None:
    """``make smoke``, as an operator runs it after a deploy: token from the environment, bucket and
    S3 endpoint from the stack's environment (what ``scrt env`` exports), exit 0 and every check passed."""
    secret = token("icb_editor", ICB)
    make = [
        "make",
        "--silent",
        "--no-print-directory",
        "smoke",
        f"SMOKE_API={stack.api_url}",
        f"SMOKE_ICB={ICB}",
    ]
    result = subprocess.run(  # noqa: S603 - our own Makefile target, fixed arguments
        [*make, "SMOKE_ARGS=--extract-wait 60"],
        cwd=ROOT,
        env={**os.environ, smoke.TOKEN_ENV: secret},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _outcomes(result.stdout) == dict.fromkeys(CHECKS, "PASS"), result.stdout
    assert result.stdout.splitlines()[-1] == f"PASS smoke: {len(CHECKS)} of {len(CHECKS)} checks passed"
    assert secret not in result.stdout + result.stderr


def test_a_token_that_cannot_write_to_the_icb_fails_the_journey(
    stack: LocalStack, token: TokenFactory
) -> None:
    out = io.StringIO()
    code = smoke.run(stack.api_url, token("icb_editor", ANOTHER_REGIONS_ICB), ICB, None, out)
    outcomes = _outcomes(out.getvalue())
    assert code == 1
    assert outcomes["health"] == outcomes["reference"] == "PASS"
    assert outcomes["submit"] == "FAIL"
    assert "answered 403" in out.getvalue() or "answered 404" in out.getvalue()
    for name in JOURNEY_AFTER_SUBMIT[:-1]:
        assert outcomes[name] == "FAIL"
    assert out.getvalue().splitlines()[-1].startswith("FAIL smoke:")


def test_without_a_bucket_the_extract_is_skipped_not_passed(stack: LocalStack, token: TokenFactory) -> None:
    out = io.StringIO()
    code = smoke.run(stack.api_url, token("icb_editor", ICB), ICB, None, out)
    outcomes = _outcomes(out.getvalue())
    assert code == 0
    assert outcomes["extract"] == "SKIP"
    assert all(outcomes[name] == "PASS" for name in CHECKS if name != "extract")


class _EmptyBucket:
    """An S3 client whose bucket holds nothing: the publisher never wrote."""

    def list_objects_v2(self, **_: Any) -> dict[str, Any]:
        return {}


class _LeakingBucket:
    """The real bucket, but every object read comes back with the case's restricted text in it."""

    def __init__(self, marker: str) -> None:
        self.real: Any = boto3.client("s3")
        self.marker = marker

    def list_objects_v2(self, **kwargs: Any) -> dict[str, Any]:
        listed: dict[str, Any] = self.real.list_objects_v2(**kwargs)
        return listed

    def get_object(self, **kwargs: Any) -> dict[str, Any]:
        row = json.loads(self.real.get_object(**kwargs)["Body"].read())
        row["leaked"] = self.marker
        return {"Body": io.BytesIO(json.dumps(row).encode())}


def test_an_extract_never_written_fails(stack: LocalStack, token: TokenFactory) -> None:
    out = io.StringIO()
    code = smoke.run(
        stack.api_url,
        token("icb_editor", ICB),
        ICB,
        stack.config.bucket,
        out,
        extract_wait_seconds=0,
        s3_client=_EmptyBucket,
    )
    assert code == 1
    assert _outcomes(out.getvalue())["extract"] == "FAIL"
    assert "not written within 0 s: changes/dt=" in out.getvalue()


def test_restricted_text_in_an_extract_fails(stack: LocalStack, token: TokenFactory) -> None:
    run_id = smoke.new_run_id()
    marker = smoke.restricted_marker(run_id)
    out = io.StringIO()
    code = smoke.run(
        stack.api_url,
        token("icb_editor", ICB),
        ICB,
        stack.config.bucket,
        out,
        extract_wait_seconds=60,
        s3_client=lambda: _LeakingBucket(marker),
        run_id=run_id,
    )
    assert code == 1
    assert _outcomes(out.getvalue())["extract"] == "FAIL"
    assert "holds restricted text" in out.getvalue()
