"""Schemathesis against the running local stack, from the committed OpenAPI document.

Every operation is fuzzed with schema-valid and schema-invalid input (examples, coverage and
fuzzing phases) and every built-in check runs; the stateful phase then chains operations through
the links Schemathesis infers (POST /cases answers a Location, the list and each case hand on their
ids) and the links into the contacts that ``with_contacts_links`` adds. Requests carry a real
bearer token from the local identity provider, set by an auth hook; the checks also send requests
without it. Two checks are added: every error is problem+json naming its
own status, and nothing is ever a server error.

To go deeper than random ids and ICB codes allow, ``steer`` changes schema-valid values only, just
before sending: a submitted ICB code becomes the caller's own, a case id one of a few seeded cases,
an ICB code in a path (contacts) mostly the caller's own, an If-Match the current ETag of that case
or of those contacts. Invalid values are left as generated.

Every check stays on. A failure is only left out when it has a known signature: either a rule of
the API that JSON Schema cannot state (relative to today, across fields, the meaning of text, a
signed cursor), which is the contract; each left-out failure is counted in the figures. Anything
else fails. The tests at the end of this module pin what it found (each fixed).

The number of examples is bounded for ``make test``; ``SCRT_FUZZ=1`` (``make fuzz``) runs the same
tests far longer (``SCRT_FUZZ_EXAMPLES``, ``SCRT_FUZZ_STEPS``) with fresh randomness.
"""

import json
import os
import re
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a dev dependency")

from hypothesis import HealthCheck, settings  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402
from requests.structures import CaseInsensitiveDict  # noqa: E402
from schemathesis import Case, CheckContext, CheckFunction, Response  # noqa: E402
from schemathesis.core.failures import Failure  # noqa: E402
from schemathesis.openapi import checks as openapi_failures  # noqa: E402

from local_stack.identity import issue_token  # noqa: E402
from local_stack.lambdas import handler_available  # noqa: E402
from local_stack.stack import LocalStack  # noqa: E402
from tests.conftest import synthetic_case  # noqa: E402
from tracker.models.fields import CLIENT_FIELD_SPECS, Kind  # noqa: E402

pytestmark = pytest.mark.skipif(
    not all(handler_available(f) for f in ("submit_case", "update_case", "query_cases")),
    reason="the case API handlers are not in this checkout",
)

DOCUMENT = Path(__file__).resolve().parents[2] / "layers/shared/tracker/api/openapi.json"
ROLE, ORG = "icb_editor", "QHM"  # North East and Yorkshire; no other integration suite writes to it
REGION = "Y63"  # ORG's region: its regional team keeps the region's contacts
FUZZ = os.environ.get("SCRT_FUZZ") == "1"
EXAMPLES = int(os.environ.get("SCRT_FUZZ_EXAMPLES", "300")) if FUZZ else 12
STEPS = int(os.environ.get("SCRT_FUZZ_STEPS", "100")) if FUZZ else 10
SEEDED_CASES = 3
PROBLEM_JSON = "application/problem+json"
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,5}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

DOCUMENT_JSON: dict[str, Any] = json.loads(DOCUMENT.read_text())


def _op(path: str, method: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def with_contacts_links(document: dict[str, Any]) -> dict[str, Any]:
    """The document with OpenAPI links into the contacts, which Schemathesis cannot infer (no
    response names a link to them, and no Location header points there): an ICB of the reference
    list or a case's ICB leads to its contacts, the contacts and their ETag to replacing them, and
    either to their history. The stateful phase follows links only: without these it never sent a
    contacts request."""
    linked = json.loads(json.dumps(document))
    contacts, history = "/icbs/{icbCode}/contacts", "/icbs/{icbCode}/contacts/history"
    from_body = {"path.icbCode": "$response.body#/icbCode"}
    links = {
        ("/reference/icbs", "get"): {
            "IcbContacts": (contacts, "get", {"path.icbCode": "$response.body#/items/*/icbCode"})
        },
        ("/cases/{caseId}", "get"): {"IcbContacts": (contacts, "get", from_body)},
        (contacts, "get"): {
            "ReplaceContacts": (contacts, "put", {**from_body, "header.if-match": "$response.header.ETag"}),
            "ContactsHistory": (history, "get", from_body),
        },
        (contacts, "put"): {
            "ContactsHistory": (history, "get", from_body),
            "ReadContacts": (contacts, "get", from_body),
        },
    }
    for (path, method), targets in links.items():
        success = linked["paths"][path][method]["responses"]["200"]
        success.setdefault("links", {}).update(
            {
                name: {"operationRef": _op(target, target_method), "parameters": parameters}
                for name, (target, target_method, parameters) in targets.items()
            }
        )
    return linked


schema = schemathesis.openapi.from_dict(with_contacts_links(DOCUMENT_JSON))


class _Session:
    """The running stack's address, a token for it and the seeded cases, set once the stack is up."""

    base_url = ""
    token = ""
    regional_token = ""  # the region's own routes answer its regional team alone
    case_ids: list[str] = []


# --- hooks --------------------------------------------------------------------------------------------


PENDING_TOKEN = "token-of-the-running-stack"


@schema.auth(refresh_interval=None)
class LocalBearerToken:
    """A real ES256 token from the local identity provider, verified by the real authorizer.

    The coverage phase builds its cases before any fixture runs, so they get a placeholder that
    ``steer`` swaps for the real token just before the request is sent."""

    def get(self, case: Case, context: Any) -> str:
        return _token_for(case.operation.path) if _Session.token else PENDING_TOKEN

    def set(self, case: Case, data: str, context: Any) -> None:
        if case.headers is None:
            case.headers = CaseInsensitiveDict()
        case.headers["Authorization"] = f"Bearer {data}"


def _seeded(value: str) -> str:
    """One of the seeded case ids, the same for the same generated value (so shrinking works)."""
    return _Session.case_ids[zlib.crc32(value.encode("utf-8", "surrogatepass")) % len(_Session.case_ids)]


ETAGS: dict[str, str] = {}
"""The current ETag of each case and contacts this module has read or changed, by path (only this
module changes them)."""


CONTACTS = "/icbs/{icbCode}/contacts"
REGION_CONTACTS = "/regions/{regionCode}/contacts"


def _resource(case: Case) -> str | None:
    """The path of what a PATCH of a case or a PUT of contacts changes, as ETAGS keys it."""
    parameters = case.path_parameters or {}
    if case.method.upper() == "PATCH" and isinstance(parameters.get("caseId"), str):
        return f"/cases/{parameters['caseId']}"
    if (
        case.method.upper() == "PUT"
        and case.operation.path == CONTACTS
        and isinstance(parameters.get("icbCode"), str)
    ):
        return CONTACTS.replace("{icbCode}", parameters["icbCode"])
    if (
        case.method.upper() == "PUT"
        and case.operation.path == REGION_CONTACTS
        and isinstance(parameters.get("regionCode"), str)
    ):
        return REGION_CONTACTS.replace("{regionCode}", parameters["regionCode"])
    return None


def _token_for(path: str) -> str:
    """The caller who may use a path: the region's team for a region's routes, else the ICB editor."""
    return _Session.regional_token if path.startswith("/regions/") else _Session.token


def current_etag(resource: str) -> str | None:
    """The current ETag of a case or of an ICB's contacts (``/cases/{id}``, ``/icbs/{code}/contacts``)."""
    if resource not in ETAGS:
        response = httpx.get(
            f"{_Session.base_url}{resource}",
            headers={"Authorization": f"Bearer {_token_for(resource)}"},
            timeout=30,
        )
        if response.status_code != 200:
            return None
        ETAGS[resource] = response.headers["etag"]
    return ETAGS[resource]


def remember_etag(case: Case, response: Response) -> None:
    resource = _resource(case)
    etags = response.headers.get("etag") or []
    if resource is not None and response.status_code == 200 and etags:
        ETAGS[resource] = etags[0]


_TEXT_FIELDS = frozenset(spec.name for spec in CLIENT_FIELD_SPECS if spec.kind in (Kind.TEXT, Kind.TEXTAREA))


def steer(case: Case) -> None:
    """Schema-valid values that random generation would waste become ones that reach deeper, just
    before sending (the coverage phase builds its cases ahead, so generation hooks would miss them):

    - a submitted ICB code (a valid ODS code) becomes the caller's own, past the 403 for another ICB;
    - a case id that is not a UUID becomes, three times in four, one of the seeded cases (the rest
      stay random: a missing case); ids taken from responses by the stateful links are kept;
    - an ICB code in a path (the contacts) that is a valid ODS code becomes, three times in four, the
      caller's own (the rest stay: another ICB's, or none); a region code in a path becomes, three
      times in four, the caller's region (asked for by its regional team);
    - a generated If-Match (a string) on an existing case or on the caller's contacts becomes their
      current ETag.
    """
    assert _Session.token, "the session fixture sets the token before any case is sent"
    headers = case.headers if case.headers is not None else CaseInsensitiveDict()
    if headers.get("Authorization") == f"Bearer {PENDING_TOKEN}":
        headers["Authorization"] = f"Bearer {_token_for(case.operation.path)}"
    method = case.method.upper()
    if method == "POST" and case.operation.path == "/cases" and isinstance(case.body, dict):
        icb = case.body.get("icbCode")
        if isinstance(icb, str) and _ODS_CODE.match(icb):
            case.body = {**case.body, "icbCode": ORG}
        # One submission in four keeps only its generated text, on a record whose dates, stage,
        # status and lists can be true together: random dates fall before the collection's
        # earliest review date and random stages contradict random statuses, so without this no
        # submission would ever be created and the valid path would go untested.
        if zlib.crc32(json.dumps(case.body, sort_keys=True, default=str).encode()) % 4 == 0:
            text = {name: value for name, value in case.body.items() if name in _TEXT_FIELDS}
            case.body = {**synthetic_case(), **text, "icbCode": ORG}
    case_id = (case.path_parameters or {}).get("caseId")
    seeded = isinstance(case_id, str) and zlib.crc32(case_id.encode("utf-8", "surrogatepass")) % 4
    if isinstance(case_id, str) and not _UUID.match(case_id) and seeded:
        case_id = _seeded(case_id)
        case.path_parameters = {**(case.path_parameters or {}), "caseId": case_id}
    icb = (case.path_parameters or {}).get("icbCode")
    own = isinstance(icb, str) and zlib.crc32(icb.encode("utf-8", "surrogatepass")) % 4
    if isinstance(icb, str) and _ODS_CODE.match(icb) and own:
        case.path_parameters = {**(case.path_parameters or {}), "icbCode": ORG}
    region = (case.path_parameters or {}).get("regionCode")
    own_region = isinstance(region, str) and zlib.crc32(region.encode("utf-8", "surrogatepass")) % 4
    if isinstance(region, str) and own_region:  # the document states no pattern: any string may come
        case.path_parameters = {**(case.path_parameters or {}), "regionCode": REGION}
    if_match = next((name for name in headers if name.lower() == "if-match"), None)
    resource = _resource(case)
    if resource is not None and if_match and isinstance(headers[if_match], str):
        etag = current_etag(resource)
        if etag is not None:
            headers[if_match] = etag
    if headers:
        case.headers = headers


STATEFUL: Counter[tuple[str, int]] = Counter()
"""The same, for the stateful phase's steps only."""
ANSWERS: Counter[tuple[str, int]] = Counter()
"""(operation, status) of every request the tests sent (not counting the checks' own), for the
figures printed at the end."""


def call_and_validate(case: Case, checks: list[CheckFunction] | None = None) -> None:
    steer(case)
    response = case.call(base_url=_Session.base_url)
    remember_etag(case, response)
    ANSWERS[(case.operation.label, response.status_code)] += 1
    if checks is not None:
        case.validate_response(response, checks=checks)
    else:
        case.validate_response(response, additional_checks=EXTRA_CHECKS)


@pytest.fixture(scope="module", autouse=True)
def session(stack: LocalStack) -> None:
    _Session.base_url = stack.api_url
    _Session.token = issue_token(stack.state, ROLE, ORG, ttl_seconds=6 * 3600)
    _Session.regional_token = issue_token(stack.state, "regional", REGION, ttl_seconds=6 * 3600)
    headers = {"Authorization": f"Bearer {_Session.token}"}
    _Session.case_ids = []
    for _ in range(SEEDED_CASES):
        created = httpx.post(
            f"{stack.api_url}/cases", json=synthetic_case(icbCode=ORG), headers=headers, timeout=30
        )
        assert created.status_code == 201, created.text
        _Session.case_ids.append(created.json()["caseId"])


# --- checks -------------------------------------------------------------------------------------------


def errors_are_problems(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx and 5xx is RFC 9457 problem+json whose ``status`` is the response's."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if content_type.split(";")[0].strip() != PROBLEM_JSON:
        raise Failure(
            operation=case.operation.label,
            title="Error is not problem+json",
            message=f"{response.status_code} answered as {content_type!r}",
        )
    body = response.json()
    if not isinstance(body, dict) or body.get("status") != response.status_code:
        raise Failure(
            operation=case.operation.label,
            title="Problem status differs",
            message=f"{response.status_code} with a problem naming {body!r:.200}",
        )
    return None


EXTRA_CHECKS: list[CheckFunction] = [errors_are_problems]

# Field-level messages of rules that JSON Schema cannot state: the contract, not a finding.
FIELD_RULES_BEYOND_JSON_SCHEMA = (
    "must not contain an NHS number",
    "must not contain a full postcode",
    "must be the ODS code of a current ICB",
    "must be the ODS code of a known NHS provider",  # reference data, replaceable without a release
    "repeats an address already listed",  # addresses compare without regard to case
    "must not be larger than",
    "was used with a different body",  # an Idempotency-Key reused: state, not shape
    "must be on or after",  # a range's end against its start (decidedTo, learnedTo)
)
RECORD_RULES = "The case record breaks a rule."  # the cross-field rules (dates against today, ...)
BEYOND = "rule beyond JSON Schema"
PRECONDITION_REQUIRED = "428 for a missing If-Match (RFC 6585)"
MATCHED: Counter[str] = Counter()
"""How many failures each known signature (or a rule beyond JSON Schema) accounted for."""


def _problem(response: Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _rejection_signature(case: Case, response: Response) -> str | None:
    problem = _problem(response)
    errors = problem.get("errors")
    if not isinstance(errors, list) or not errors:
        return None
    # Only a rule JSON Schema cannot state explains a refusal of data the document admits; anything
    # else is the document being looser than the API: a finding.
    for error in errors:
        detail = str(error.get("detail", ""))
        # A cursor is a signed token: no schema can say which strings the server signed.
        signed_cursor = error.get("field") == "cursor" and error.get("in") == "query"
        if not (
            signed_cursor
            or problem.get("detail") == RECORD_RULES
            or detail.startswith(FIELD_RULES_BEYOND_JSON_SCHEMA)
        ):
            return None
    return BEYOND


def known_signature(failure: Failure, case: Case, response: Response) -> str | None:
    """Which known finding (or rule beyond JSON Schema) explains a failure; None for a new one."""
    if isinstance(failure, openapi_failures.MissingHeaderNotRejected) and response.status_code == 428:
        # The check expects 400-style answers; RFC 6585 made 428 for exactly this header missing.
        return PRECONDITION_REQUIRED
    headers = {name.lower() for name in (case.headers or {})}
    if (
        isinstance(failure, openapi_failures.RejectedPositiveData)
        and response.status_code == 428
        and "if-match" not in headers
    ):
        # If-Match is optional in the document (a first write of contacts has no version to name) but
        # a change without it is refused 428: a rule of state, not of shape.
        return PRECONDITION_REQUIRED
    if isinstance(failure, openapi_failures.RejectedPositiveData):
        return _rejection_signature(case, response)
    return None


@schema.hook("filter_failure")
def leave_out_known_signatures(context: Any, failure: Failure, case: Case, response: Response) -> bool:
    signature = known_signature(failure, case, response)
    if signature is None:
        return True  # a new finding: reported
    MATCHED[signature] += 1
    return False


SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    derandomize=not FUZZ,  # the same examples on every `make test`; `make fuzz` explores
)


# --- the tests ----------------------------------------------------------------------------------------


@schema.parametrize()
@SETTINGS
def test_every_operation_against_the_running_stack(case: Case) -> None:
    call_and_validate(case)


StatefulBase: Any = schema.as_state_machine()


class CaseLifecycle(StatefulBase):
    def before_call(self, case: Case) -> None:
        steer(case)

    def get_call_kwargs(self, case: Case) -> dict[str, Any]:
        return {"base_url": _Session.base_url}

    def after_call(self, response: Response, case: Case) -> None:
        remember_etag(case, response)
        ANSWERS[(case.operation.label, response.status_code)] += 1
        STATEFUL[(case.operation.label, response.status_code)] += 1

    def validate_response(self, response: Response, case: Case, **kwargs: Any) -> None:
        case.validate_response(
            response,
            additional_checks=EXTRA_CHECKS,
            transport_kwargs=kwargs or None,
        )


def test_stateful_sequences_through_inferred_links() -> None:
    CaseLifecycle.run(
        settings=settings(
            max_examples=max(6, STEPS // 3),
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=not FUZZ,
        )
    )


# --- what it found, each fixed and stated as the right behaviour ------------------------------------------


def document_admits(fragment: dict[str, Any], value: Any) -> bool:
    """Whether the committed document's schema ``fragment`` (refs resolved in the document) admits it."""
    validator = Draft202012Validator({**fragment, "components": DOCUMENT_JSON["components"]})
    return bool(validator.is_valid(value))


def _parameter_schema(path: str, method: str, name: str) -> dict[str, Any]:
    parameters = DOCUMENT_JSON["paths"][path][method]["parameters"]
    return next(p["schema"] for p in parameters if p["name"].lower() == name.lower())


def _client() -> httpx.Client:
    return httpx.Client(
        base_url=_Session.base_url, timeout=30, headers={"Authorization": f"Bearer {_Session.token}"}
    )


def _current_etag(client: httpx.Client, case_id: str) -> str:
    ETAGS.pop(f"/cases/{case_id}", None)  # the test is about to change the case: read it afresh next time
    response = client.get(f"/cases/{case_id}")
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def test_finding_a_patch_with_a_non_string_review_type_is_422() -> None:
    with _client() as client:
        case_id = _Session.case_ids[0]
        values: tuple[Any, ...] = ([], {}, ["DHR"])
        for value in values:
            response = client.patch(
                f"/cases/{case_id}",
                json={"reviewType": value},
                headers={
                    "If-Match": _current_etag(client, case_id),
                    "Content-Type": "application/merge-patch+json",
                },
            )
            assert response.status_code == 422, (value, response.status_code, response.text[:200])
            assert response.json()["errors"][0]["field"] == "reviewType"


QUERY_SAMPLES = {
    ("/cases", "reviewType"): ["", "NOT_A_TYPE"],
    ("/cases", "status"): ["", "MAYBE"],
    ("/cases", "stage"): ["SOMETIME"],
    ("/cases", "icbCode"): ["ZZZ", ""],
    ("/cases", "overdue"): ["yes"],
    ("/cases", "updatedSince"): ["yesterday"],
    ("/cases", "limit"): ["0", "101", "ten"],
    ("/cases/{caseId}/history", "limit"): ["0", "ten"],
}


def test_finding_every_query_value_the_document_admits_is_accepted() -> None:
    refused = []
    with _client() as client:
        for (path, name), values in QUERY_SAMPLES.items():
            schema_fragment = _parameter_schema(path, "get", name)
            url = path.replace("{caseId}", _Session.case_ids[0])
            for value in values:
                if document_admits(schema_fragment, value):
                    response = client.get(url, params={name: value})
                    if response.status_code == 400:
                        refused.append(f"{path}?{name}={value!r}")
    assert refused == []


PATCH_SAMPLES = [
    {"incidentDate": []},
    {"themes": "NEGLECT"},
    {"embargoed": "yes"},
    {"recommendations": 7},
]


def test_finding_every_patch_the_document_admits_is_read() -> None:
    body_schema = DOCUMENT_JSON["paths"]["/cases/{caseId}"]["patch"]["requestBody"]["content"][
        "application/merge-patch+json"
    ]["schema"]
    refused = []
    with _client() as client:
        case_id = _Session.case_ids[1]
        for patch in PATCH_SAMPLES:
            if document_admits(body_schema, patch):
                response = client.patch(
                    f"/cases/{case_id}",
                    json=patch,
                    headers={
                        "If-Match": _current_etag(client, case_id),
                        "Content-Type": "application/merge-patch+json",
                    },
                )
                if response.status_code == 422:
                    refused.append(patch)
    assert refused == []


FIELD_SAMPLES: list[dict[str, Any]] = [
    {"safeguardingPartnership": "Synthetic\u001b Partnership"},
    {"safeguardingPartnership": "   "},
    {"reportUrl": "http://reports.example.org/review"},
    {"themes": ["NEGLECT", "NEGLECT"]},
]


def test_finding_every_submission_the_document_admits_is_accepted() -> None:
    body_schema = DOCUMENT_JSON["paths"]["/cases"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    key_schema = _parameter_schema("/cases", "post", "idempotency-key")
    refused = []
    with _client() as client:
        for fields in FIELD_SAMPLES:
            body = synthetic_case(icbCode=ORG, **fields)
            if document_admits(body_schema, body):
                response = client.post("/cases", json=body)
                if response.status_code != 201:
                    refused.append(fields)
        for key in ("", "k" * 129):
            if document_admits(key_schema, key):
                response = client.post(
                    "/cases", json=synthetic_case(icbCode=ORG), headers={"Idempotency-Key": key}
                )
                if response.status_code != 201:
                    refused.append({"Idempotency-Key": f"{len(key)} characters"})
    assert refused == []


def test_finding_undeclared_methods_answer_405_with_allow() -> None:
    wrong = []
    with _client() as client:
        for path, operations in DOCUMENT_JSON["paths"].items():
            url = (
                path.replace("{caseId}", _Session.case_ids[0])
                .replace("{icbCode}", ORG)
                .replace("{regionCode}", REGION)
            )
            declared = {method.upper() for method in operations}
            for method in ("PUT", "DELETE", "TRACE"):
                if method in declared:
                    continue
                response = client.request(method, url)
                allow = {
                    part.strip() for part in response.headers.get("allow", "").split(",") if part.strip()
                }
                if response.status_code != 405 or not declared <= allow:
                    wrong.append(f"{method} {path}: {response.status_code}")
    assert wrong == []


def test_finding_an_address_with_a_trailing_newline_is_not_stored_beside_itself() -> None:
    contacts = CONTACTS.replace("{icbCode}", ORG)
    with _client() as client:
        ETAGS.pop(contacts, None)  # the test may change them: read them afresh next time
        etag = client.get(contacts).headers["etag"]
        response = client.put(
            contacts, json={"emails": ["lead@nhs.example", "lead@nhs.example\n"]}, headers={"If-Match": etag}
        )
        assert response.status_code == 422, response.text
        assert [error["field"] for error in response.json()["errors"]] == ["emails[1]"]
        assert client.get(contacts).headers["etag"] == etag


def test_zz_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last in this module: what was sent and answered."""
    if not ANSWERS:
        pytest.skip("run alone or filtered")
    server_errors = sum(count for (_, status), count in ANSWERS.items() if status >= 500)
    # An operation never answered with success was only ever refused: its valid requests went untested.
    never_succeeded = sorted(
        {operation for operation, _ in ANSWERS}
        - {operation for operation, status in ANSWERS if 200 <= status < 300}
    )
    stateful_operations = sorted({operation for operation, _ in STATEFUL})
    by_status: Counter[int] = Counter()
    for (_, status), count in ANSWERS.items():
        by_status[status] += count
    with capsys.disabled():
        print(
            f"\nschemathesis: {sum(ANSWERS.values())} requests, "
            f"{len({operation for operation, _ in ANSWERS})} method x path pairs, "
            f"statuses {dict(sorted(by_status.items()))}, server errors {server_errors}; "
            f"failures explained by a rule beyond JSON Schema: {dict(MATCHED)}; "
            f"stateful steps: {dict(sorted(STATEFUL.items()))}; "
            f"operations the stateful phase sent: {len(stateful_operations)}; "
            f"operations never answered with success: {never_succeeded}"
        )
    assert server_errors == 0
    assert never_succeeded == []
    if FUZZ and STATEFUL:
        # At length the stateful phase reaches every operation a link leads to (all but the health check).
        assert (
            sorted({operation for operation, _ in ANSWERS} - {"GET /health"} - set(stateful_operations)) == []
        )
