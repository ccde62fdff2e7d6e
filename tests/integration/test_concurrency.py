"""Races on the real engines: optimistic locking, idempotent submits and reference numbers.

Two paths, because the local gateway runs one invocation per function at a time (as one Lambda
container does; the first test shows it): over HTTP the requests are sent together, but they reach
the use case one by one. The real races (several containers writing the same item at once) are run
below the gateway: threads, each with its own client, store, ledger and service, call the use case
in parallel against DynamoDB Local, as concurrent Lambda containers would.
"""

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar, cast

import httpx
import pytest

from infra.routes import SUBMIT_CASE, UPDATE_CASE
from local_stack import aws
from local_stack.identity import issue_token
from local_stack.lambdas import LambdaContext, default_resolver, handler_available
from local_stack.stack import LocalStack, endpoints
from tests.conftest import synthetic_case
from tracker import settings
from tracker.access import AccessPolicy, Caller
from tracker.dal.cases import DynamoCaseStore
from tracker.dal.idempotency import DynamoSubmissionLedger
from tracker.dal.secrets import load_cursor_codec
from tracker.errors import InProgress, VersionMismatch
from tracker.logic.cases import CaseService
from tracker.logic.commands import ListCases, ReadHistory, SubmitCase, UpdateCase, VersionCondition
from tracker.logic.due import next_due_date
from tracker.models.case import Case
from tracker.models.enums import Role
from tracker.reference import reference_data

from .conftest import Recorder

pytestmark = pytest.mark.skipif(
    not all(handler_available(f) for f in ("submit_case", "update_case", "query_cases")),
    reason="the case API handlers are not in this checkout",
)

WORKERS = 8
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
# ICBs no other integration suite writes to, so counts and reference numbers are this suite's own.
PATCH_ICB = "QJK"
HTTP_IDEMPOTENCY_ICB = "QSL"
CONTAINER_IDEMPOTENCY_ICB = "QR1"
REFERENCE_ICB = "QVV"
NATIONAL = Caller(Role.NATIONAL, "X24", "concurrency-reader")

T = TypeVar("T")


def together(count: int, action: Callable[[int], T]) -> list[T | BaseException]:
    """Run ``action(i)`` on ``count`` threads released at the same moment; results or exceptions."""
    barrier = threading.Barrier(count)

    def run(index: int) -> T | BaseException:
        barrier.wait()
        try:
            return action(index)
        except Exception as error:  # collected: the caller counts outcomes by type
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def bearer(stack: LocalStack, role: str, org: str, sub: str = "racer") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(stack.state, role, org, sub=sub)}"}


class Container:
    """What one Lambda container builds: its own DynamoDB client, store, ledger and service."""

    def __init__(self, stack: LocalStack) -> None:
        client = aws.client("dynamodb", endpoints(stack.config)[0], stack.state.credentials())
        config = settings.Settings.from_environ()
        reference = reference_data()
        self.store = DynamoCaseStore(
            client, config.require(settings.CASES_TABLE_NAME), next_due=next_due_date
        )
        self.conditional_writes = 0  # how often this container reached the table's version check
        replace = self.store.replace

        def counting_replace(case: Case, entry: Any, expected_version: int) -> None:
            self.conditional_writes += 1
            replace(case, entry, expected_version)

        self.store.replace = counting_replace  # type: ignore[method-assign]
        ledger = DynamoSubmissionLedger(
            client, config.require(settings.IDEMPOTENCY_TABLE_NAME), config.idempotency_ttl_seconds
        )
        ledger.register_context(cast(Any, LambdaContext(SUBMIT_CASE)))  # as the submit handler does
        self.service = CaseService(
            self.store,
            AccessPolicy(reference),
            reference,
            partial(load_cursor_codec, config),
            lambda: ledger,
        )


def containers(stack: LocalStack, count: int) -> list[Container]:
    with ThreadPoolExecutor(max_workers=min(count, 4)) as pool:
        return list(pool.map(lambda _: Container(stack), range(count)))


@pytest.fixture(scope="module")
def fleet(stack: LocalStack) -> list[Container]:
    return containers(stack, WORKERS)


def cases_of(container: Container, icb: str) -> list[Case]:
    page = container.service.list(NATIONAL, ListCases(icb_code=icb, limit=100))
    assert page.next_cursor is None
    return page.items


def versions_of(container: Container, case_id: str) -> list[int]:
    page = container.service.history(NATIONAL, ReadHistory(case_id=case_id, limit=100))
    return [entry.version for entry in page.items]


@contextmanager
def max_in_flight(recorder: Recorder, function: str) -> Iterator[list[int]]:
    """Wraps a function's real handler to record the most invocations ever running at once."""
    real = default_resolver(function)
    lock = threading.Lock()
    state = {"now": 0}
    peak = [0]

    def counting(event: dict[str, Any], context: Any) -> Any:
        with lock:
            state["now"] += 1
            peak[0] = max(peak[0], state["now"])
        try:
            return real(event, context)
        finally:
            with lock:
                state["now"] -= 1

    recorder.overrides[function] = counting
    try:
        yield peak
    finally:
        recorder.overrides.pop(function)


# --- over HTTP --------------------------------------------------------------------------------------


def test_parallel_patches_with_one_if_match_over_http(
    stack: LocalStack, api: httpx.Client, recorder: Recorder
) -> None:
    editor = bearer(stack, "icb_editor", PATCH_ICB)
    created = api.post("/cases", json=synthetic_case(icbCode=PATCH_ICB), headers=editor)
    assert created.status_code == 201, created.text
    case_id = created.json()["caseId"]

    def patch(index: int) -> httpx.Response:
        return api.patch(
            f"/cases/{case_id}",
            content=f'{{"localReference": "racer-{index}"}}'.encode(),
            headers={**editor, **MERGE_PATCH, "If-Match": '"1"'},
        )

    with max_in_flight(recorder, UPDATE_CASE) as peak:
        outcomes = together(WORKERS, patch)
    responses = [outcome for outcome in outcomes if isinstance(outcome, httpx.Response)]
    assert len(responses) == WORKERS, outcomes
    assert Counter(response.status_code for response in responses) == {200: 1, 412: WORKERS - 1}
    winner = next(response for response in responses if response.status_code == 200)
    assert peak[0] == 1  # the local gateway serialises a function's invocations: see the module doc

    history = api.get(f"/cases/{case_id}/history", headers=editor).json()["items"]
    assert [entry["version"] for entry in history] == [1, 2]
    final = api.get(f"/cases/{case_id}", headers=editor)
    assert final.headers["etag"] == '"2"'
    assert final.json()["localReference"] == winner.json()["localReference"]
    for response in responses:
        if response.status_code == 412:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["errors"][0]["field"] == "If-Match"


def test_parallel_posts_with_one_idempotency_key_over_http(stack: LocalStack, api: httpx.Client) -> None:
    editor = bearer(stack, "icb_editor", HTTP_IDEMPOTENCY_ICB)
    key = str(uuid.uuid4())
    body = synthetic_case(icbCode=HTTP_IDEMPOTENCY_ICB)
    outcomes = together(
        WORKERS, lambda _: api.post("/cases", json=body, headers={**editor, "Idempotency-Key": key})
    )
    responses = [outcome for outcome in outcomes if isinstance(outcome, httpx.Response)]
    assert len(responses) == WORKERS, outcomes
    assert {response.status_code for response in responses} <= {201, 409}
    created = {response.json()["caseId"] for response in responses if response.status_code == 201}
    assert len(created) == 1
    national = bearer(stack, "national", "X24")
    listed = api.get("/cases", params={"icbCode": HTTP_IDEMPOTENCY_ICB, "limit": 100}, headers=national)
    assert [item["caseId"] for item in listed.json()["items"]] == list(created)


def test_parallel_distinct_submits_over_http_get_unique_consecutive_references(
    stack: LocalStack, api: httpx.Client
) -> None:
    editor = bearer(stack, "icb_editor", REFERENCE_ICB)
    outcomes = together(
        WORKERS, lambda _: api.post("/cases", json=synthetic_case(icbCode=REFERENCE_ICB), headers=editor)
    )
    responses = [outcome for outcome in outcomes if isinstance(outcome, httpx.Response)]
    assert [response.status_code for response in responses] == [201] * WORKERS, outcomes
    numbers = sorted(int(response.json()["reference"].rsplit("-", 1)[1]) for response in responses)
    assert numbers == list(range(numbers[0], numbers[0] + WORKERS))
    assert len({response.json()["caseId"] for response in responses}) == WORKERS


# --- below the gateway: containers racing -------------------------------------------------------------


def race_patches(fleet: list[Container], rounds: int) -> None:
    """Each round, every container changes the same case with the same If-Match: one wins."""
    workers = len(fleet)
    editor = Caller(Role.ICB_EDITOR, PATCH_ICB, "racer")
    case = fleet[0].service.submit(editor, SubmitCase(synthetic_case(icbCode=PATCH_ICB)))
    writes_before = sum(container.conditional_writes for container in fleet)
    for round_number in range(rounds):
        version = case.version

        def update(
            index: int, version: int = version, round_number: int = round_number, case_id: str = case.case_id
        ) -> Case:
            command = UpdateCase(
                case_id=case_id,
                patch={"localReference": f"round-{round_number}-racer-{index}"},
                expected=VersionCondition(versions=frozenset({version})),
            )
            return fleet[index].service.update(editor, command)

        outcomes = together(workers, update)
        winners = [outcome for outcome in outcomes if isinstance(outcome, Case)]
        losers = [outcome for outcome in outcomes if isinstance(outcome, VersionMismatch)]
        assert (len(winners), len(losers)) == (1, workers - 1), outcomes
        case = winners[0]
        assert case.version == version + 1
        stored = fleet[0].store.get(case.case_id)
        assert stored is not None and stored.local_reference == case.local_reference
    assert versions_of(fleet[0], case.case_id) == list(range(1, rounds + 2))
    writes = sum(container.conditional_writes for container in fleet) - writes_before
    print(f"race_patches: {rounds} rounds, {writes} conditional writes reached the table")
    # More writes than rounds: losers got past the If-Match check on a read made before the winner
    # wrote, so DynamoDB's condition (not the read) stopped them: the race was real.
    assert writes > rounds


def race_any_version_patches(fleet: list[Container]) -> None:
    """If-Match: * never loses an update: every success is its own version, the rest are 412."""
    workers = len(fleet)
    editor = Caller(Role.ICB_EDITOR, PATCH_ICB, "racer")
    case = fleet[0].service.submit(editor, SubmitCase(synthetic_case(icbCode=PATCH_ICB)))

    def update(index: int) -> Case:
        command = UpdateCase(
            case_id=case.case_id,
            patch={"localReference": f"any-{index}"},
            expected=VersionCondition(any_version=True),
        )
        return fleet[index].service.update(editor, command)

    outcomes = together(workers, update)
    winners = [outcome for outcome in outcomes if isinstance(outcome, Case)]
    unexpected = [o for o in outcomes if not isinstance(o, Case | VersionMismatch)]
    assert unexpected == []
    assert winners
    assert sorted(winner.version for winner in winners) == list(range(2, len(winners) + 2))
    assert versions_of(fleet[0], case.case_id) == list(range(1, len(winners) + 2))
    stored = fleet[0].store.get(case.case_id)
    assert stored is not None and stored.version == len(winners) + 1
    last = max(winners, key=lambda winner: winner.version)
    assert stored.local_reference == last.local_reference


def race_idempotent_submits(fleet: list[Container], rounds: int) -> None:
    """Containers submit the same key and body at once: one case; the rest replay it or get 409."""
    workers = len(fleet)
    editor = Caller(Role.ICB_EDITOR, CONTAINER_IDEMPOTENCY_ICB, "racer")
    before = len(cases_of(fleet[0], CONTAINER_IDEMPOTENCY_ICB))
    for _ in range(rounds):
        key = str(uuid.uuid4())
        body = synthetic_case(icbCode=CONTAINER_IDEMPOTENCY_ICB)
        command = SubmitCase(body, key)

        def submit(index: int, command: SubmitCase = command) -> Case:
            return fleet[index].service.submit(editor, command)

        outcomes = together(workers, submit)
        unexpected = [o for o in outcomes if not isinstance(o, Case | InProgress)]
        assert unexpected == [], unexpected
        assert len({outcome.case_id for outcome in outcomes if isinstance(outcome, Case)}) == 1
        # Once the first finished, the key replays the same case.
        again = fleet[-1].service.submit(editor, command)
        assert again.case_id in {outcome.case_id for outcome in outcomes if isinstance(outcome, Case)}
    assert len(cases_of(fleet[0], CONTAINER_IDEMPOTENCY_ICB)) == before + rounds


def race_distinct_submits(fleet: list[Container], per_worker: int) -> None:
    workers = len(fleet)
    editor = Caller(Role.ICB_EDITOR, REFERENCE_ICB, "racer")

    def submit_many(index: int) -> list[Case]:
        return [
            fleet[index].service.submit(editor, SubmitCase(synthetic_case(icbCode=REFERENCE_ICB)))
            for _ in range(per_worker)
        ]

    outcomes = together(workers, submit_many)
    failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert failures == []
    made = [case for batch in outcomes if isinstance(batch, list) for case in batch]
    numbers = sorted(int(case.reference.rsplit("-", 1)[1]) for case in made)
    assert numbers == list(range(numbers[0], numbers[0] + workers * per_worker))
    assert len({case.case_id for case in made}) == workers * per_worker


def test_containers_racing_one_if_match_give_one_winner_per_round(fleet: list[Container]) -> None:
    race_patches(fleet, rounds=3)


def test_containers_racing_with_if_match_any_lose_no_update(fleet: list[Container]) -> None:
    race_any_version_patches(fleet)


def test_containers_racing_one_idempotency_key_make_one_case(fleet: list[Container]) -> None:
    race_idempotent_submits(fleet, rounds=2)


def test_containers_racing_distinct_submits_get_unique_consecutive_references(fleet: list[Container]) -> None:
    race_distinct_submits(fleet, per_worker=2)
