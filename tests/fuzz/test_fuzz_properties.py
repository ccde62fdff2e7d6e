"""Long, randomised runs of the integration suites' properties (``make fuzz``).

- access: random identity x case x request, against the hand-written matrix; a hidden case answers
  byte for byte like a missing one;
- bodies: random bytes, text and JSON values to POST and PATCH: never a server error, every refusal
  problem+json, nothing written by a refusal;
- identifiers: NHS numbers and postcodes written in random digit scripts and separators inside
  restricted text: always refused, never quoted back;
- races: many rounds of containers racing one If-Match, one Idempotency-Key, If-Match * and
  distinct submits;
- reporting: rounds of random S3 and DynamoDB faults while cases are written; after the redrive
  nothing is lost.
"""

import json
import os
import random
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local_stack.stack import LocalStack
from tests.conftest import synthetic_case
from tests.integration.test_access_matrix_http import (
    CASE_ICBS,
    IDENTITIES,
    REGIONAL_FIELD,
    Call,
    Identity,
    Matrix,
    comparable,
    matrix,  # noqa: F401 - the fixture, used here too
)
from tests.integration.test_concurrency import (
    containers,
    race_any_version_patches,
    race_distinct_submits,
    race_idempotent_submits,
    race_patches,
)
from tests.integration.test_hostile_bodies import ICB as HOSTILE_ICB
from tests.integration.test_hostile_bodies import Target, table_state
from tests.integration.test_hostile_bodies import target as target
from tests.integration.test_reporting_faults import (
    DYNAMODB_THROTTLE,
    S3_INTERNAL,
    S3_THROTTLE,
    Fault,
    Writer,
    extract_problems,
    faults,
    run_redrive,
)
from tests.integration.test_reporting_faults import writer as writer
from tracker import composition

EXAMPLES = int(os.environ.get("SCRT_FUZZ_EXAMPLES", "300"))
ROUNDS = int(os.environ.get("SCRT_FUZZ_ROUNDS", "20"))
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
FIGURES: Counter[str] = Counter()
PROBLEM_JSON = "application/problem+json"


# --- access ----------------------------------------------------------------------------------------------

REQUESTS = (
    "get",
    "history",
    "history bad limit",
    "patch icb field",
    "patch regional field",
    "patch no if-match",
)


def _access_call(who: Identity, kind: str, case_id: str) -> Call:
    if kind == "get":
        return Call(who, "GET /cases/{id}", "GET", f"/cases/{case_id}")
    if kind.startswith("history"):
        query = "?limit=0" if kind.endswith("bad limit") else ""
        return Call(who, "GET /cases/{id}/history", "GET", f"/cases/{case_id}/history{query}")
    body = json.dumps({REGIONAL_FIELD: "YES"} if kind.endswith("regional field") else {"localReference": "F"})
    headers = [("Content-Type", "application/merge-patch+json")]
    if not kind.endswith("no if-match"):
        headers.append(("If-Match", '"999"'))  # never current: nothing is ever changed here
    return Call(who, "PATCH /cases/{id}", "PATCH", f"/cases/{case_id}", body.encode(), tuple(headers))


def _expected_when_visible(who: Identity, kind: str) -> int:
    if kind in ("get", "history"):
        return 200
    if kind == "history bad limit":
        return 400
    if who.edits == "none":
        return 403
    if who.edits == "icb":
        return 403 if kind == "patch regional field" else (428 if kind == "patch no if-match" else 412)
    # Regional: the ICB field (sent with and without If-Match) is refused before any precondition.
    return 412 if kind == "patch regional field" else 403


@PROPERTY_SETTINGS
@given(
    who=st.sampled_from(IDENTITIES),
    icb=st.sampled_from(CASE_ICBS),
    kind=st.sampled_from(REQUESTS),
)
def test_random_requests_follow_the_access_matrix(matrix: Matrix, who: Identity, icb: str, kind: str) -> None:  # noqa: F811
    case_id = matrix.cases[icb]["caseId"]
    response = matrix.send(_access_call(who, kind, case_id))
    FIGURES["access requests"] += 1
    if icb in who.visible:
        assert response.status_code == _expected_when_visible(who, kind), (
            who.label,
            icb,
            kind,
            response.text,
        )
    else:
        missing = matrix.send(_access_call(who, kind, str(uuid.uuid4())))
        FIGURES["access requests"] += 1
        assert comparable(response) == comparable(missing), (who.label, icb, kind)


# --- bodies ----------------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=30,
)
CASE_FIELD_NAMES = list(synthetic_case())


@st.composite
def hostile_bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["bytes", "text", "json", "case with one field replaced"]))
    if kind == "bytes":
        return draw(st.binary(max_size=2048))
    if kind == "text":
        return draw(st.text(max_size=2048)).encode("utf-8", "surrogatepass")
    if kind == "json":
        return json.dumps(draw(JSON_VALUES)).encode("utf-8", "surrogatepass")
    body: dict[str, Any] = synthetic_case(icbCode=HOSTILE_ICB)
    body[draw(st.sampled_from(CASE_FIELD_NAMES))] = draw(JSON_VALUES)
    return json.dumps(body).encode("utf-8", "surrogatepass")


@PROPERTY_SETTINGS
@given(body=hostile_bodies(), method=st.sampled_from(["POST", "PATCH"]))
def test_random_bodies_never_fail_the_server_and_refusals_write_nothing(
    target: Target,
    body: bytes,
    method: str,
) -> None:
    before = table_state(target.stack)
    response = target.post(body) if method == "POST" else target.patch(body)
    FIGURES["random bodies"] += 1
    assert response.status_code < 500, (response.status_code, body[:200])
    if response.status_code >= 400:
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.json()["status"] == response.status_code
        assert table_state(target.stack) == before
    else:
        FIGURES["random bodies accepted"] += 1


# --- identifiers -----------------------------------------------------------------------------------------

DIGIT_SCRIPTS = [0x30, 0xFF10, 0x0660, 0x06F0, 0x0966, 0x09E6, 0x1D7CE]  # ASCII, fullwidth, Arabic-Indic, ...
SEPARATORS = ["", " ", "  ", "-", ".", "\u00a0", "\u2009", "\u200b", "\t", "/", "\n"]


@st.composite
def nhs_number_writings(draw: st.DrawFn) -> str:
    digits = "9434765919"
    script = draw(st.sampled_from(DIGIT_SCRIPTS))
    written = [chr(script + int(digit)) for digit in digits]
    cuts = draw(st.sets(st.integers(1, 9), max_size=4))
    separator = draw(st.sampled_from(SEPARATORS))
    text = "".join(("" if index not in cuts else separator) + char for index, char in enumerate(written))
    assert unicodedata.normalize("NFKC", text)  # a real string
    return text


@st.composite
def postcode_writings(draw: st.DrawFn) -> str:
    outward, inward = "ZZ99", "3VZ"
    if draw(st.booleans()):
        outward, inward = outward.lower(), inward.lower()
    return outward + draw(st.sampled_from(SEPARATORS)) + inward


@PROPERTY_SETTINGS
@given(
    identifier=st.one_of(nhs_number_writings(), postcode_writings()),
    before=st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=30),
    field=st.sampled_from(["caseInformation", "comments"]),
)
def test_identifiers_in_restricted_text_are_refused_and_never_quoted(
    target: Target,
    identifier: str,
    before: str,
    field: str,
) -> None:
    text = f"{before} {identifier} seen"
    body = json.dumps(synthetic_case(icbCode=HOSTILE_ICB, **{field: text})).encode()
    response = target.post(body)
    FIGURES["identifier writings"] += 1
    assert response.status_code == 422, (identifier, response.text)
    assert identifier not in response.text and unicodedata.normalize("NFKC", identifier) not in response.text
    assert response.json()["errors"][0]["field"] == field


# --- races -----------------------------------------------------------------------------------------------


def test_many_rounds_of_races(stack: LocalStack) -> None:
    fleet = containers(stack, 16)
    race_patches(fleet, rounds=ROUNDS)
    for _ in range(max(1, ROUNDS // 5)):
        race_any_version_patches(fleet)
    race_idempotent_submits(fleet, rounds=ROUNDS)
    race_distinct_submits(fleet, per_worker=max(2, ROUNDS // 2))
    FIGURES["race rounds"] += ROUNDS * 2 + max(1, ROUNDS // 5) + 1


# --- reporting faults --------------------------------------------------------------------------------------


def test_rounds_of_random_reporting_faults_lose_nothing(writer: Writer) -> None:
    stack = writer.stack
    chooser = random.Random(int(os.environ.get("SCRT_FUZZ_SEED", str(int(time.time())))))
    kinds: list[tuple[Callable[[], Any], str, Any]] = [
        (composition.s3_client, "before-send.s3.PutObject", S3_THROTTLE),
        (composition.s3_client, "before-send.s3.PutObject", S3_INTERNAL),
        (composition.s3_client, "before-send.s3.DeleteObject", S3_INTERNAL),
        (composition.dynamodb_client, "before-send.dynamodb.GetItem", DYNAMODB_THROTTLE),
    ]
    for _ in range(ROUNDS):
        client, event, response = chooser.choice(kinds)
        fault = Fault(response, every=chooser.randint(1, 3))
        with faults(client(), event, fault):
            for case_id in [writer.submit() for _ in range(chooser.randint(1, 3))]:
                for _ in range(chooser.randint(0, 2)):
                    writer.update(case_id)
            time.sleep(chooser.uniform(0.2, 2.0))
        FIGURES["faults injected"] += fault.injected
        deadline = time.monotonic() + 60
        while extract_problems(stack, writer.latest):
            assert time.monotonic() < deadline, extract_problems(stack, writer.latest)
            time.sleep(1.0)
            run_redrive(stack)
        FIGURES["fault rounds"] += 1
    FIGURES["versions verified exactly once"] += sum(writer.latest.values())
    assert extract_problems(stack, writer.latest) == []


def test_zz_figures(capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print("\nfuzz: " + ", ".join(f"{name} {count}" for name, count in sorted(FIGURES.items())))
