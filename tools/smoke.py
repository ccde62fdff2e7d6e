"""Post-deploy smoke check of a stage (dev-only: never shipped to Lambda).

    python -m tools.smoke --api URL [--token T | env SCRT_SMOKE_TOKEN] --icb CODE
                          [--extracts-bucket NAME | env REPORTING_BUCKET_NAME]

Read-only journeys first (health, the documents, the web app's front door, a refused call without a
token, reference data, a list, the ICB's contacts), then one synthetic case in the given test ICB
through submit, read, update, history and the reporting extract. Prints one line per check and exits
0 when every check passed, 1 otherwise.

The token must be an ``icb_editor``'s of ``--icb``: choose a test ICB, because the case stays (the
tracker deletes nothing). Its ``localReference`` starts ``SMOKE-`` and every text in it says it is
synthetic.

The extract is read from the reporting bucket with the caller's own AWS credentials (boto3: the
usual environment, profile or role; ``AWS_ENDPOINT_URL_S3`` for the local stack), as no API route
serves extracts. Without a bucket name the extract check is reported as skipped, not passed.
"""

import argparse
import json
import os
import secrets
import string
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TextIO

import httpx

from tracker.clock import today_london
from tracker.extracts.keys import change_key, current_key
from tracker.settings import REPORTING_BUCKET_NAME

TOKEN_ENV = "SCRT_SMOKE_TOKEN"  # noqa: S105 - a variable name
SMOKE_REFERENCE_PREFIX = "SMOKE-"
DEFAULT_EXTRACT_WAIT_SECONDS = 120.0
EXTRACT_POLL_SECONDS = 1.0
PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"


class CheckFailed(Exception):
    """A check's expectation did not hold; the message says what was seen (never a body's text)."""


@dataclass
class Report:
    out: TextIO
    results: list[tuple[str, str, str]] = field(default_factory=list)

    def line(self, outcome: str, name: str, detail: str) -> None:
        self.results.append((outcome, name, detail))
        print(f"{outcome} {name}: {detail}", file=self.out, flush=True)

    @property
    def failed(self) -> bool:
        return any(outcome == FAIL for outcome, _, _ in self.results)


def _expect(condition: bool, detail: str) -> None:
    if not condition:
        raise CheckFailed(detail)


def _status(response: httpx.Response, expected: int) -> None:
    if response.status_code != expected:
        # A problem's title names what went wrong without quoting what was sent.
        title = ""
        if response.headers.get("content-type", "").startswith("application/problem+json"):
            title = f" ({response.json().get('title', '')})"
        request = response.request
        raise CheckFailed(
            f"{request.method} {request.url.path} answered {response.status_code}{title}, expected {expected}"
        )


def new_run_id() -> str:
    # Letters only: digits could, by chance, look like an NHS number to the identifier guard.
    return "".join(secrets.choice(string.ascii_uppercase) for _ in range(12))


def synthetic_case(icb_code: str, run_id: str, today: date) -> dict[str, Any]:
    """A case that is plainly synthetic, valid on any day."""
    return {
        "icbCode": icb_code,
        "reviewType": "CSPR",
        "status": "OPEN",
        "stage": "NOTIFIED",
        "incidentDate": (today - timedelta(days=30)).isoformat(),
        "dateAdded": (today - timedelta(days=10)).isoformat(),
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic smoke test partnership",
        "themes": ["NEGLECT"],
        "localReference": f"{SMOKE_REFERENCE_PREFIX}{run_id}",
        "caseInformation": f"Synthetic smoke test text {restricted_marker(run_id)}: no real person or event.",
    }


def restricted_marker(run_id: str) -> str:
    """A word only the case's restricted text holds, to find it wherever it must not be."""
    return f"restricted{run_id.lower()}"


@dataclass
class Journey:
    """What the journey learns on its way: each step needs what an earlier one found."""

    icb_code: str
    run_id: str  # names the case, its idempotency key and its restricted text
    region_code: str | None = None
    case_id: str | None = None
    versions: dict[int, str] = field(default_factory=dict)  # version -> its updatedAt


class Smoke:
    def __init__(
        self,
        client: httpx.Client,
        token: str,
        icb_code: str,
        bucket: str | None,
        extract_wait_seconds: float,
        s3_client: Callable[[], Any],
        run_id: str,
    ) -> None:
        self.client = client
        self.auth = {"Authorization": f"Bearer {token}"}
        self.journey = Journey(icb_code, run_id)
        self.bucket = bucket
        self.extract_wait_seconds = extract_wait_seconds
        self.s3_client = s3_client

    # --- read-only ---------------------------------------------------------------------------------

    def health(self) -> str:
        response = self.client.get("/health")
        _status(response, 200)
        _expect(response.json() == {"status": "ok"}, 'the body is not {"status": "ok"}')
        return "200 ok"

    def openapi(self) -> str:
        response = self.client.get("/openapi.json")
        _status(response, 200)
        document = response.json()
        _expect("/cases" in document.get("paths", {}), "the document has no /cases")
        return f"200, OpenAPI {document.get('openapi')}, {len(document['paths'])} paths"

    def docs(self) -> str:
        response = self.client.get("/docs")
        _status(response, 200)
        _expect(response.headers.get("content-type", "").startswith("text/html"), "not HTML")
        return "200 HTML"

    def web_app(self) -> str:
        response = self.client.get("/app/")
        _expect(response.status_code in (200, 302, 303), f"GET /app/ answered {response.status_code}")
        _expect("content-security-policy" in response.headers, "no Content-Security-Policy header")
        return f"{response.status_code} with security headers"

    def no_token_refused(self) -> str:
        response = self.client.get("/cases")
        _status(response, 401)
        return "401 without a token"

    def reference(self) -> str:
        response = self.client.get("/reference/icbs", headers=self.auth)
        _status(response, 200)
        found = [item for item in response.json()["items"] if item["icbCode"] == self.journey.icb_code]
        _expect(bool(found), f"ICB {self.journey.icb_code} is not in the reference data")
        journey = self.journey
        journey.region_code = found[0]["regionCode"]
        return (
            f"200, {len(response.json()['items'])} ICBs, {journey.icb_code} in region {journey.region_code}"
        )

    def list_cases(self) -> str:
        response = self.client.get(
            "/cases", params={"icbCode": self.journey.icb_code, "limit": 1}, headers=self.auth
        )
        _status(response, 200)
        _expect(isinstance(response.json().get("items"), list), "no items in the page")
        return "200 page"

    def contacts(self) -> str:
        response = self.client.get(f"/icbs/{self.journey.icb_code}/contacts", headers=self.auth)
        _status(response, 200)
        _expect(response.json().get("icbCode") == self.journey.icb_code, "another ICB's contacts")
        return f"200, ETag {response.headers.get('etag')}"

    # --- one synthetic case ------------------------------------------------------------------------

    def submit(self) -> str:
        journey = self.journey
        response = self.client.post(
            "/cases",
            json=synthetic_case(journey.icb_code, journey.run_id, today_london()),
            headers={**self.auth, "Idempotency-Key": f"smoke-{journey.run_id}"},
        )
        _status(response, 201)
        case = response.json()
        _expect(response.headers.get("etag") == '"1"', f'ETag {response.headers.get("etag")}, expected "1"')
        _expect(
            response.headers.get("location", "").endswith(f"/cases/{case['caseId']}"),
            "no Location of the case",
        )
        journey.case_id = case["caseId"]
        journey.versions[1] = case["updatedAt"]
        return f"201, case {journey.case_id} ({SMOKE_REFERENCE_PREFIX}{journey.run_id})"

    def read(self) -> str:
        response = self.client.get(f"/cases/{self._case_id()}", headers=self.auth)
        _status(response, 200)
        _expect(response.headers.get("etag") == '"1"', f'ETag {response.headers.get("etag")}, expected "1"')
        _expect(
            response.json()["localReference"] == f"{SMOKE_REFERENCE_PREFIX}{self.journey.run_id}",
            "another case",
        )
        return "200, version 1"

    def update(self) -> str:
        response = self.client.patch(
            f"/cases/{self._case_id()}",
            content=b'{"stage": "IN_PROGRESS"}',
            headers={**self.auth, "Content-Type": "application/merge-patch+json", "If-Match": '"1"'},
        )
        _status(response, 200)
        case = response.json()
        _expect(case["stage"] == "IN_PROGRESS" and case["version"] == 2, "the change was not applied")
        self.journey.versions[2] = case["updatedAt"]
        return "200, version 2"

    def history(self) -> str:
        response = self.client.get(f"/cases/{self._case_id()}/history", headers=self.auth)
        _status(response, 200)
        versions = [item["version"] for item in response.json()["items"]]
        _expect(versions == [1, 2], f"versions {versions}, expected [1, 2]")
        _expect(
            response.json()["items"][1]["changedFields"] == ["stage"], "version 2 changed more than stage"
        )
        return "200, versions 1 and 2"

    def extract(self) -> str:
        journey = self.journey
        case_id = self._case_id()
        _expect(journey.region_code is not None, "the ICB's region is unknown (reference check failed)")
        assert journey.region_code is not None and self.bucket is not None
        expected = [
            change_key(case_id, version, datetime.fromisoformat(updated_at.replace("Z", "+00:00")).date())
            for version, updated_at in sorted(journey.versions.items())
        ]
        current = current_key(journey.region_code, journey.icb_code, case_id)
        s3 = self.s3_client()
        deadline = time.monotonic() + self.extract_wait_seconds
        while True:
            missing = [key for key in [*expected, current] if not _exists(s3, self.bucket, key)]
            if not missing:
                latest = s3.get_object(Bucket=self.bucket, Key=current)["Body"].read()
                break
            if time.monotonic() > deadline:
                raise CheckFailed(
                    f"not written within {self.extract_wait_seconds:.0f} s: {', '.join(missing)}"
                )
            time.sleep(EXTRACT_POLL_SECONDS)
        _expect(json.loads(latest).get("version") == 2, "current/ does not hold version 2")
        # Restricted free text never reaches an extract.
        marker = restricted_marker(journey.run_id).encode()
        for key in [*expected, current]:
            _expect(
                marker not in s3.get_object(Bucket=self.bucket, Key=key)["Body"].read(),
                f"{key} holds restricted text",
            )
        return f"{len(expected)} changes/ objects and current/ at version 2, no restricted text"

    def _case_id(self) -> str:
        _expect(self.journey.case_id is not None, "no case (submit failed)")
        assert self.journey.case_id is not None
        return self.journey.case_id

    def checks(self) -> Iterator[tuple[str, Callable[[], str] | None, str]]:
        """(name, check, why skipped): read-only first, then the case's journey in order."""
        yield from (
            ("health", self.health, ""),
            ("openapi", self.openapi, ""),
            ("docs", self.docs, ""),
            ("web-app", self.web_app, ""),
            ("no-token-refused", self.no_token_refused, ""),
            ("reference", self.reference, ""),
            ("list", self.list_cases, ""),
            ("contacts", self.contacts, ""),
            ("submit", self.submit, ""),
            ("read", self.read, ""),
            ("update", self.update, ""),
            ("history", self.history, ""),
        )
        if self.bucket:
            yield ("extract", self.extract, "")
        else:
            yield (
                "extract",
                None,
                f"no --extracts-bucket (nor {REPORTING_BUCKET_NAME}): the extract was not checked",
            )


def _exists(s3: Any, bucket: str, key: str) -> bool:
    response = s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
    return any(item["Key"] == key for item in response.get("Contents", []))


def _default_s3_client() -> Any:
    import boto3  # only when the extract is checked

    return boto3.client("s3")


def run(
    api: str,
    token: str,
    icb_code: str,
    bucket: str | None,
    out: TextIO,
    extract_wait_seconds: float = DEFAULT_EXTRACT_WAIT_SECONDS,
    timeout_seconds: float = 30.0,
    s3_client: Callable[[], Any] = _default_s3_client,
    run_id: str | None = None,
) -> int:
    report = Report(out)
    with httpx.Client(base_url=api.rstrip("/"), timeout=timeout_seconds, follow_redirects=False) as client:
        smoke = Smoke(
            client, token, icb_code, bucket, extract_wait_seconds, s3_client, run_id or new_run_id()
        )
        journey_broken = False
        for name, check, why_skipped in smoke.checks():
            if check is None:
                report.line(SKIP, name, why_skipped)
                continue
            if journey_broken and name in {"read", "update", "history", "extract"}:
                report.line(FAIL, name, "not run: an earlier step of the case's journey failed")
                continue
            try:
                report.line(PASS, name, check())
            except (CheckFailed, httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                report.line(FAIL, name, str(error) or type(error).__name__)
                journey_broken = journey_broken or name in {"submit", "read", "update", "history"}
    passed = sum(1 for outcome, _, _ in report.results if outcome == PASS)
    print(
        f"{'FAIL' if report.failed else 'PASS'} smoke: {passed} of {len(report.results)} checks passed",
        file=out,
    )
    return 1 if report.failed else 0


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(prog="python -m tools.smoke", description=__doc__.split("\n\n")[0])
    arguments.add_argument(
        "--api",
        required=True,
        help="the stage's base URL, e.g. https://<id>.execute-api.eu-west-2.amazonaws.com/v1",
    )
    arguments.add_argument("--token", help=f"an icb_editor's bearer token for --icb (default: ${TOKEN_ENV})")
    arguments.add_argument("--icb", required=True, help="the test ICB's ODS code")
    arguments.add_argument(
        "--extracts-bucket", help=f"the reporting bucket (default: ${REPORTING_BUCKET_NAME})"
    )
    arguments.add_argument(
        "--extract-wait",
        type=float,
        default=DEFAULT_EXTRACT_WAIT_SECONDS,
        help="seconds to wait for the extract",
    )
    arguments.add_argument("--timeout", type=float, default=30.0, help="seconds per HTTP request")
    return arguments


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    token = args.token or os.environ.get(TOKEN_ENV)
    if not token:
        print(f"FAIL smoke: no token (--token or ${TOKEN_ENV})", file=sys.stderr)
        return 1
    bucket = args.extracts_bucket or os.environ.get(REPORTING_BUCKET_NAME) or None
    return run(args.api, token, args.icb, bucket, sys.stdout, args.extract_wait, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
