"""Every endpoint x every identity x own, foreign, predecessor's and other-region cases, over real HTTP
through the local gateway and its real authorizer.

The expectations are written out here by hand (not asked of ``tracker.access``), so a change to the
policy shows up as a failing cell. A case the caller may not see must answer exactly like a case
that does not exist: same status, same headers that matter, same body, byte for byte.
"""

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from infra.routes import QUERY_CASES, SUBMIT_CASE, UPDATE_CASE
from local_stack.identity import issue_token
from local_stack.lambdas import handler_available
from local_stack.stack import LocalStack
from tests.conftest import synthetic_case
from tracker import clock

from .conftest import Recorder

pytestmark = pytest.mark.skipif(
    not all(handler_available(f) for f in ("submit_case", "update_case", "query_cases")),
    reason="the case API handlers are not in this checkout",
)

REGIONAL_FIELD = "regionalChiefNurseContentToAcceptDhrHealthRecs"
MERGE_PATCH = "application/merge-patch+json"
PROBLEM_JSON = "application/problem+json"

# The cases made for the matrix, by ICB: QE1 and QOP share North West (Y62), QKK is London (Y56),
# QM7 (East of England, Y61) was abolished on 1 April 2026 and S1Y5D and D7T5G read its cases.
CASE_ICBS = ("QE1", "QOP", "QKK", "QM7")
DHR_CASES = frozenset({"QE1", "QKK", "QM7"})  # the regional field applies to DHRs only
REGION_OF = {"QE1": "Y62", "QOP": "Y62", "QKK": "Y56", "QM7": "Y61"}


@dataclass(frozen=True)
class Identity:
    label: str
    role: str | None  # None: no valid token at all
    org: str | None
    visible: frozenset[str]  # which of CASE_ICBS it may read
    edits: str  # "icb" (any ICB field of visible cases), "regional" (the regional field), "none"
    submits_for: str | None = None  # the ICB it may submit for

    def readable_icb(self, icb_code: str, region_code: str) -> bool:
        """The whole scope (not only the matrix's cases): what any listed item must satisfy."""
        if self.role == "national":
            return True
        if self.role == "regional":
            return region_code == self.org
        return icb_code in ICB_SCOPES[self.label]


ICB_SCOPES = {
    "icb_editor QE1": {"QE1"},
    "icb_viewer QE1": {"QE1"},
    "icb_editor QOP": {"QOP"},
    "icb_editor QKK": {"QKK"},
    "icb_editor S1Y5D": {"S1Y5D", "QHG", "QUE", "QM7"},
    "icb_viewer S1Y5D": {"S1Y5D", "QHG", "QUE", "QM7"},
    "icb_editor D7T5G": {"D7T5G", "QH8", "QM7", "QJG"},
}

IDENTITIES = (
    Identity("icb_editor QE1", "icb_editor", "QE1", frozenset({"QE1"}), "icb", "QE1"),
    Identity("icb_viewer QE1", "icb_viewer", "QE1", frozenset({"QE1"}), "none"),
    Identity("icb_editor QOP", "icb_editor", "QOP", frozenset({"QOP"}), "icb", "QOP"),
    Identity("icb_editor QKK", "icb_editor", "QKK", frozenset({"QKK"}), "icb", "QKK"),
    Identity("icb_editor S1Y5D", "icb_editor", "S1Y5D", frozenset({"QM7"}), "icb", "S1Y5D"),
    Identity("icb_viewer S1Y5D", "icb_viewer", "S1Y5D", frozenset({"QM7"}), "none"),
    Identity("icb_editor D7T5G", "icb_editor", "D7T5G", frozenset({"QM7"}), "icb", "D7T5G"),
    Identity("regional Y62", "regional", "Y62", frozenset({"QE1", "QOP"}), "regional"),
    Identity("regional Y56", "regional", "Y56", frozenset({"QKK"}), "regional"),
    Identity("regional Y61", "regional", "Y61", frozenset({"QM7"}), "regional"),
    Identity("national X24", "national", "X24", frozenset(CASE_ICBS), "none"),
)
UNAUTHENTICATED = ("no token", "garbage token", "expired token", "token signed by another key")
ENDPOINTS = (
    "POST /cases",
    "GET /cases/{id}",
    "PATCH /cases/{id}",
    "GET /cases/{id}/history",
    "GET /cases",
    "GET /cases?icbCode=",
    "GET /reference/icbs",
)


def relation(identity: Identity, icb: str) -> str:
    """How a case stands to a caller, for the coverage figures."""
    if identity.role == "national":
        return "national"
    if identity.role == "regional":
        return "own region" if REGION_OF[icb] == identity.org else "other region"
    if identity.org == icb:
        return "own"
    if icb in ICB_SCOPES[identity.label]:
        return "predecessor's"
    return "foreign, same region" if REGION_OF.get(icb) == _region_of_org(identity.org) else "other region"


def _region_of_org(org: str | None) -> str | None:
    return {"QE1": "Y62", "QOP": "Y62", "QKK": "Y56", "S1Y5D": "Y61", "D7T5G": "Y61"}.get(org or "")


@dataclass
class Coverage:
    """What the matrix sent, for the figures in docs/security.md."""

    requests: int = 0
    pairs: set[tuple[str, str]] = field(default_factory=set)
    relations: set[tuple[str, str, str]] = field(default_factory=set)
    foreign_equals_missing: int = 0


@dataclass(frozen=True)
class Call:
    who: Identity | str  # a str names one of UNAUTHENTICATED
    endpoint: str  # one of ENDPOINTS, for the coverage figures
    method: str
    url: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


PARALLEL_REQUESTS = 6
"""Independent requests go out together: the gateway serves each on its own thread."""


@dataclass
class Matrix:
    client: httpx.Client
    stack: LocalStack
    cases: dict[str, dict[str, Any]]  # ICB -> the case as last written
    coverage: Coverage
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def headers(self, who: Identity | str) -> dict[str, str]:
        label = who if isinstance(who, str) else who.label
        if label not in self.tokens:
            if isinstance(who, str):
                self.tokens[label] = unauthenticated_headers(self.stack, who)
            else:
                assert who.role is not None and who.org is not None
                token = issue_token(self.stack.state, who.role, who.org)
                self.tokens[label] = {"Authorization": f"Bearer {token}"}
        return self.tokens[label]

    def send(self, call: Call) -> httpx.Response:
        label = call.who if isinstance(call.who, str) else call.who.label
        self.coverage.requests += 1
        self.coverage.pairs.add((label, call.endpoint))
        headers = {**self.headers(call.who), **dict(call.headers)}
        return self.client.request(call.method, call.url, headers=headers, content=call.body)

    def send_all(self, calls: list[Call]) -> list[httpx.Response]:
        for call in calls:
            self.headers(call.who)  # tokens issued once, outside the threads
        with ThreadPoolExecutor(max_workers=PARALLEL_REQUESTS) as pool:
            return list(pool.map(self.send, calls))

    def etag(self, icb: str) -> str:
        return f'"{self.cases[icb]["version"]}"'


def unauthenticated_headers(stack: LocalStack, kind: str) -> dict[str, str]:
    if kind == "no token":
        return {}
    if kind == "garbage token":
        return {"Authorization": "Bearer eyJnYXJiYWdl.bm90IGEgdG9rZW4.c2lnbmF0dXJl"}
    if kind == "expired token":
        return {"Authorization": f"Bearer {issue_token(stack.state, 'national', 'X24', now=1_700_000_000)}"}
    if kind == "token signed by another key":
        import jwt
        from cryptography.hazmat.primitives.asymmetric import ec

        claims = jwt.decode(issue_token(stack.state, "national", "X24"), options={"verify_signature": False})
        key = ec.generate_private_key(ec.SECP256R1())
        return {"Authorization": f"Bearer {jwt.encode(claims, key, algorithm='ES256')}"}
    raise AssertionError(kind)


@pytest.fixture(scope="module")
def matrix(stack: LocalStack) -> Iterator[Matrix]:
    """One case per ICB of CASE_ICBS; QM7's is recorded on 20 March 2026, before QM7 was abolished."""
    coverage = Coverage()
    with httpx.Client(base_url=stack.api_url, timeout=30) as client:
        made: dict[str, dict[str, Any]] = {}
        with pytest.MonkeyPatch.context() as patch:
            # The authorizer and handlers run in this process, so they see the patched clock.
            patch.setattr(clock, "now_utc", lambda: datetime(2026, 3, 20, 12, 0, tzinfo=UTC))
            made["QM7"] = _submit(
                client,
                stack,
                ("icb_editor", "QM7"),
                synthetic_case(
                    icbCode="QM7", reviewType="DHR", incidentDate="2025-12-01", dateAdded="2026-01-05"
                ),
            )
        for icb in ("QE1", "QOP", "QKK"):
            review_type = "DHR" if icb in DHR_CASES else "CSPR"
            made[icb] = _submit(
                client, stack, ("icb_editor", icb), synthetic_case(icbCode=icb, reviewType=review_type)
            )
        yield Matrix(client, stack, made, coverage)


def _submit(client: httpx.Client, stack: LocalStack, who: tuple[str, str], body: dict[str, Any]) -> Any:
    response = client.post(
        "/cases",
        json=body,
        headers={"Authorization": f"Bearer {issue_token(stack.state, *who)}"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def missing_id() -> str:
    return str(uuid.uuid4())


def comparable(response: httpx.Response) -> tuple[int, str | None, str | None, bytes]:
    """What must not differ between a foreign case and a missing one."""
    return (
        response.status_code,
        response.headers.get("content-type"),
        response.headers.get("cache-control"),
        response.content,
    )


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == status


# --- POST /cases --------------------------------------------------------------------------------


def _json(document: Any) -> bytes:
    return json.dumps(document).encode()


JSON_HEADERS = (("Content-Type", "application/json"),)


@pytest.mark.parametrize("who", IDENTITIES, ids=lambda i: i.label)
def test_submit(matrix: Matrix, who: Identity) -> None:
    targets = ["QE1", "QOP", "QKK", "S1Y5D", "D7T5G"]
    bodies = [synthetic_case(icbCode=target) for target in targets]
    # A successor may not submit for its abolished predecessor either.
    targets.append("QM7")
    bodies.append(
        synthetic_case(icbCode="QM7", reviewType="DHR", incidentDate="2025-12-01", dateAdded="2026-01-05")
    )
    responses = matrix.send_all(
        [Call(who, "POST /cases", "POST", "/cases", _json(body), JSON_HEADERS) for body in bodies]
    )
    for target, response in zip(targets, responses, strict=True):
        if who.submits_for == target:
            assert response.status_code == 201, response.text
            assert response.json()["icbCode"] == target
        else:
            # Viewers, regional and national never submit; an editor only for its own ICB.
            assert_problem(response, 403)


# --- GET /cases/{id} and /history ----------------------------------------------------------------

READ_VARIANTS = {
    "case": ("GET /cases/{id}", "/cases/{}"),
    "history": ("GET /cases/{id}/history", "/cases/{}/history"),
    # A bad query parameter does not reveal the case either: 404 comes before 400.
    "history, bad limit": ("GET /cases/{id}/history", "/cases/{}/history?limit=0"),
    "history, forged cursor": ("GET /cases/{id}/history", "/cases/{}/history?cursor=forged"),
}


def _read_call(who: Identity, variant: str, case_id: str) -> Call:
    endpoint, url = READ_VARIANTS[variant]
    return Call(who, endpoint, "GET", url.format(case_id))


@pytest.mark.parametrize("who", IDENTITIES, ids=lambda i: i.label)
def test_read_case_and_history(matrix: Matrix, who: Identity) -> None:
    missing = missing_id()
    cells = [(icb, variant) for icb in CASE_ICBS for variant in READ_VARIANTS]
    absent_variants = list(READ_VARIANTS)
    # An id that is no case's answers like a missing one; one that cannot be a case id at all (not a
    # lower-case UUID) is a path the API does not serve: a 404 from the gateway (WAF on AWS) before
    # any handler or log sees it.
    odd_ids = ["00000000-0000-0000-0000-000000000000"]
    not_ids = ["abc", matrix.cases["QE1"]["caseId"].upper()]
    responses = matrix.send_all(
        [_read_call(who, variant, matrix.cases[icb]["caseId"]) for icb, variant in cells]
        + [_read_call(who, variant, missing) for variant in absent_variants]
        + [_read_call(who, "case", odd) for odd in odd_ids]
        + [_read_call(who, "case", not_id) for not_id in not_ids]
    )
    answers = dict(zip(cells, responses, strict=False))
    absent = dict(zip(absent_variants, responses[len(cells) :], strict=False))
    first_odd = len(cells) + len(absent_variants)
    for odd_response in responses[first_odd : first_odd + len(odd_ids)]:
        assert comparable(odd_response) == comparable(absent["case"])
    for not_id_response in responses[first_odd + len(odd_ids) :]:
        assert not_id_response.status_code == 404
        assert not_id_response.headers["content-type"] == "application/problem+json"
    for icb in CASE_ICBS:
        matrix.coverage.relations.add((who.label, icb, relation(who, icb)))
        case_id = matrix.cases[icb]["caseId"]
        if icb in who.visible:
            got, history = answers[(icb, "case")], answers[(icb, "history")]
            assert got.status_code == 200, (icb, got.text)
            assert got.json()["caseId"] == case_id
            assert got.headers["etag"] == f'"{got.json()["version"]}"'
            assert history.status_code == 200, history.text
            assert history.json()["items"][0]["case"]["caseId"] == case_id
            assert_problem(answers[(icb, "history, bad limit")], 400)
            assert_problem(answers[(icb, "history, forged cursor")], 400)
            continue
        for variant in READ_VARIANTS:
            foreign = answers[(icb, variant)]
            assert_problem(foreign, 404)
            assert comparable(foreign) == comparable(absent[variant]), (icb, variant, foreign.text)
            matrix.coverage.foreign_equals_missing += 1


# --- PATCH /cases/{id} --------------------------------------------------------------------------


def _patch(
    who: Identity | str, case_id: str, body: bytes, if_match: str | None, content_type: str = MERGE_PATCH
) -> Call:
    headers = [("Content-Type", content_type)]
    if if_match is not None:
        headers.append(("If-Match", if_match))
    return Call(who, "PATCH /cases/{id}", "PATCH", f"/cases/{case_id}", body, tuple(headers))


ICB_FIELD_CHANGE = b'{"localReference": "LR-1"}'
STALE = '"999"'
# Each hits a different step of the contract's order when the case is visible: success or 403,
# 428, 412, 403 or success for the regional field, 400, 415, 422.
PATCH_VARIANTS: tuple[tuple[bytes, str | None, str], ...] = (
    (ICB_FIELD_CHANGE, "current", MERGE_PATCH),
    (ICB_FIELD_CHANGE, None, MERGE_PATCH),
    (ICB_FIELD_CHANGE, STALE, MERGE_PATCH),
    (_json({REGIONAL_FIELD: "YES"}), "current", MERGE_PATCH),
    (b'{"localReference": ', "current", MERGE_PATCH),
    (ICB_FIELD_CHANGE, "current", "text/plain"),
    (b'{"incidentDate": "not a date"}', "current", "application/json"),
)


@pytest.mark.parametrize("who", IDENTITIES, ids=lambda i: i.label)
def test_patch(matrix: Matrix, who: Identity) -> None:
    hidden = [icb for icb in CASE_ICBS if icb not in who.visible]
    missing = missing_id()
    calls = [
        _patch(who, case_id, body, matrix.etag(icb) if if_match == "current" else if_match, media)
        for icb in hidden
        for case_id in [matrix.cases[icb]["caseId"]]
        for body, if_match, media in PATCH_VARIANTS
    ]
    calls += [
        _patch(who, missing, body, '"1"' if if_match == "current" else if_match, media)
        for body, if_match, media in PATCH_VARIANTS
    ]
    responses = matrix.send_all(calls)
    absent = responses[len(hidden) * len(PATCH_VARIANTS) :]
    for index, foreign in enumerate(responses[: len(hidden) * len(PATCH_VARIANTS)]):
        assert_problem(foreign, 404)
        assert comparable(foreign) == comparable(absent[index % len(PATCH_VARIANTS)]), foreign.text
        matrix.coverage.foreign_equals_missing += 1
    for icb in CASE_ICBS:
        if icb in who.visible:
            _patch_visible_case(matrix, who, icb, matrix.cases[icb]["caseId"])


def _patch_visible_case(matrix: Matrix, who: Identity, icb: str, case_id: str) -> None:
    version_before = matrix.cases[icb]["version"]
    current = matrix.etag(icb)
    icb_field = _json({"localReference": f"{who.label}-{version_before}"})
    regional_field = _json({REGIONAL_FIELD: "YES" if version_before % 2 else "NO"})
    if who.edits == "icb":
        refusals = {
            428: _patch(who, case_id, icb_field, None),
            412: _patch(who, case_id, icb_field, STALE),
            400: _patch(who, case_id, b'{"localReference": ', current),
            415: _patch(who, case_id, icb_field, current, "text/plain"),
            422: _patch(who, case_id, b'{"incidentDate": "not a date"}', current),
            403: _patch(who, case_id, regional_field, current),
        }
        change = _patch(who, case_id, icb_field, current)
    elif who.edits == "regional":
        refusals = {
            403: _patch(who, case_id, icb_field, current),
            428: _patch(who, case_id, regional_field, None),
            412: _patch(who, case_id, regional_field, STALE),
        }
        change = _patch(who, case_id, regional_field, current)
    else:
        # Viewers and national: visible, never editable; 403 comes before 428 and 412.
        calls = [
            _patch(who, case_id, body, if_match)
            for body in (icb_field, regional_field)
            for if_match in (current, None, STALE)
        ]
        for response in matrix.send_all(calls):
            assert_problem(response, 403)
        return
    for status, response in zip(refusals, matrix.send_all(list(refusals.values())), strict=True):
        assert_problem(response, status)
        if status == 403:
            denied_field = REGIONAL_FIELD if who.edits == "icb" else "localReference"
            assert response.json()["errors"][0]["field"] == denied_field
    accepted = matrix.send(change)
    if who.edits == "regional" and icb not in DHR_CASES:
        assert_problem(accepted, 422)  # the field exists only on DHRs
        return
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["version"] == version_before + 1
    assert accepted.headers["etag"] == f'"{version_before + 1}"'
    matrix.cases[icb] = accepted.json()


# --- GET /cases ---------------------------------------------------------------------------------


def _list_pages(matrix: Matrix, first: httpx.Response, call: Call) -> list[dict[str, Any]]:
    """Every item, following nextCursor from an already fetched first page."""
    response = first
    items: list[dict[str, Any]] = []
    for _ in range(200):  # bounded: other suites add cases, never thousands
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        if not page.get("nextCursor"):
            return items
        base, _, query = call.url.partition("?")
        params = dict(
            pair.split("=", 1) for pair in query.split("&") if pair and not pair.startswith("cursor=")
        )
        params["cursor"] = page["nextCursor"]
        response = matrix.send(Call(call.who, call.endpoint, "GET", str(httpx.URL(base, params=params))))
    raise AssertionError("the list never ended")


@pytest.mark.parametrize("who", IDENTITIES, ids=lambda i: i.label)
def test_list(matrix: Matrix, who: Identity) -> None:
    whole = Call(who, "GET /cases", "GET", "/cases?limit=100")
    filtered = [
        Call(who, "GET /cases?icbCode=", "GET", f"/cases?icbCode={icb}&limit=100") for icb in CASE_ICBS
    ]
    unknown = [
        Call(who, "GET /cases?icbCode=", "GET", f"/cases?icbCode={value}") for value in ("ZZZ", "qe1", "")
    ]
    responses = matrix.send_all([whole, *filtered, *unknown])

    items = _list_pages(matrix, responses[0], whole)
    outside = [
        (item["icbCode"], item["regionCode"])
        for item in items
        if not who.readable_icb(item["icbCode"], item["regionCode"])
    ]
    assert outside == []
    listed = {item["caseId"] for item in items}
    assert len(listed) == len(items)  # no case twice across pages
    for icb in CASE_ICBS:
        assert (matrix.cases[icb]["caseId"] in listed) == (icb in who.visible), icb

    for icb, call, response in zip(CASE_ICBS, filtered, responses[1:], strict=False):
        items = _list_pages(matrix, response, call)
        assert {item["icbCode"] for item in items} <= {icb}
        if icb in who.visible:
            assert matrix.cases[icb]["caseId"] in {item["caseId"] for item in items}
        else:
            assert items == []  # a filter outside the scope narrows to nothing: never 403, never wider
    for response in responses[1 + len(filtered) :]:
        assert_problem(response, 400)


# --- GET /reference/icbs --------------------------------------------------------------------------


@pytest.mark.parametrize("who", IDENTITIES, ids=lambda i: i.label)
def test_reference_icbs(matrix: Matrix, who: Identity) -> None:
    response = matrix.send(Call(who, "GET /reference/icbs", "GET", "/reference/icbs"))
    assert response.status_code == 200, response.text
    codes = {item["icbCode"] for item in response.json()["items"]}
    assert {"QE1", "QOP", "QKK", "QM7", "S1Y5D"} <= codes


def api_handler_calls(recorder: Recorder) -> int:
    """Invocations of the API's functions (the stream poller may run publish_changes meanwhile)."""
    return sum(recorder.calls[name] for name in (SUBMIT_CASE, UPDATE_CASE, QUERY_CASES))


# --- no valid token -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", UNAUTHENTICATED)
def test_no_valid_token_is_401_on_every_endpoint_and_no_handler_runs(
    matrix: Matrix, recorder: Recorder, kind: str
) -> None:
    before = api_handler_calls(recorder)
    case_id = matrix.cases["QE1"]["caseId"]
    calls = [
        Call(kind, "POST /cases", "POST", "/cases", _json(synthetic_case()), JSON_HEADERS),
        Call(kind, "GET /cases/{id}", "GET", f"/cases/{case_id}"),
        Call(kind, "GET /cases/{id}", "GET", f"/cases/{missing_id()}"),
        _patch(kind, case_id, ICB_FIELD_CHANGE, matrix.etag("QE1")),
        Call(kind, "GET /cases/{id}/history", "GET", f"/cases/{case_id}/history"),
        Call(kind, "GET /cases", "GET", "/cases"),
        Call(kind, "GET /cases?icbCode=", "GET", "/cases?icbCode=QE1"),
        Call(kind, "GET /reference/icbs", "GET", "/reference/icbs"),
    ]
    responses = matrix.send_all(calls)
    for response in responses:
        assert_problem(response, 401)
    assert len({response.content for response in responses}) == 1  # nothing of the route shows through
    assert api_handler_calls(recorder) == before


# --- figures --------------------------------------------------------------------------------------


def test_zz_coverage_figures(matrix: Matrix, capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last in this module: the whole matrix was sent, and the figures are printed."""
    labels = [who.label for who in IDENTITIES] + list(UNAUTHENTICATED)
    expected_pairs = {(label, endpoint) for label in labels for endpoint in ENDPOINTS}
    missing = expected_pairs - matrix.coverage.pairs
    if missing:
        pytest.skip(f"run alone or filtered: {len(missing)} identity x endpoint pairs not sent")
    relations = {kind for _, _, kind in matrix.coverage.relations}
    assert {"own", "foreign, same region", "predecessor's", "other region", "own region"} <= relations
    with capsys.disabled():
        print(
            f"\naccess matrix over HTTP: {matrix.coverage.requests} requests, "
            f"{len(labels)} identities x {len(ENDPOINTS)} endpoints = {len(matrix.coverage.pairs)} pairs, "
            f"{len(matrix.coverage.relations)} identity x case cells, "
            f"{matrix.coverage.foreign_equals_missing} foreign-equals-missing comparisons"
        )
