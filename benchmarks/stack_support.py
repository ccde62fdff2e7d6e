"""The local stack the benchmarks run on (DynamoDB Local and SeaweedFS on free loopback ports):
synthetic cases seeded straight into DynamoDB Local with BatchWriteItem, and, for the benchmarks of
the web app's pages, its settings, cases submitted as an editor submits them, and a signed-in client.

Synthetic data only: made-up partnerships, owners and text; no names, NHS numbers or postcodes.
"""

import os
import random
import uuid
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from local_stack.identity import web_app_environment
from local_stack.stack import LocalStack
from tracker import composition, settings
from tracker.access import Caller
from tracker.dal import schema
from tracker.dal.cases import DynamoCaseStore
from tracker.dal.items import to_attribute_values
from tracker.logic.commands import SubmitCase
from tracker.logic.due import next_due_date
from tracker.models.case import Case
from tracker.reference import reference_data

TODAY = date(2026, 11, 26)  # the benchmarks pin "now" (tests.conftest.fixed_today)
FOCUS_ICB = "QE1"  # the ICB whose list is measured: a tenth of all cases
FOCUS_SHARE = 0.10
FOCUS_PROVIDER = "R0A"  # the trust whose list is measured: named on a tenth of all cases
OTHER_PROVIDER_SHARE = 0.20  # cases naming one other trust (their links fill other partitions)
REVIEW_TYPES = ("RAPID_REVIEW", "CSPR", "SAR", "DHR", "DHR_CHILD")
RARE_REVIEW_TYPE, RARE_SHARE = "OTHER", 1 / 200  # a filter value on about 1 case in 200
CLOSED_SHARE = 0.15  # closed (published) cases: a status filter matching a minority
MONITORING_SHARE = 0.20  # open cases monitoring actions: a stage filter matching a minority
LATEST_UPDATE = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
SECONDS_BETWEEN_UPDATES = 500  # 50k cases span about 290 days of updates
TEXT = "Synthetic benchmark text about the review's progress and the partnership's learning. "


def current_icbs() -> list[tuple[str, str]]:
    reference = reference_data()
    return sorted((code, reference.icbs[code].region_code) for code in reference.current_icb_codes(TODAY))


def synthetic_case(
    number: int, rng: random.Random, icbs: list[tuple[str, str]], providers: list[str]
) -> Case:
    """A full-looking case (five recommendations, free text): about half are overdue today."""
    focus = next(icb for icb in icbs if icb[0] == FOCUS_ICB)
    icb_code, region_code = focus if rng.random() < FOCUS_SHARE else rng.choice(icbs)
    review_type = RARE_REVIEW_TYPE if rng.random() < RARE_SHARE else rng.choice(REVIEW_TYPES)
    named = rng.random()
    providers_involved = (
        [FOCUS_PROVIDER]
        if named < FOCUS_SHARE
        else [rng.choice(providers)]
        if named < FOCUS_SHARE + OTHER_PROVIDER_SHARE
        else []
    )
    closed = rng.random() < CLOSED_SHARE
    status, stage = (
        ("CLOSED", "PUBLISHED")
        if closed
        else ("OPEN", "ACTIONS_MONITORING" if rng.random() < MONITORING_SHARE else "REPORT_SIGNED_OFF")
    )
    added = TODAY - timedelta(days=rng.randint(20, 700))
    # Later numbers are older: growing the table adds cases behind the newest, as a collection grows
    # by keeping its history, so a page's cases are the same at every size and its reads compare
    # what lies behind it (with the newest redrawn at each size, a selective filter's reads varied
    # by up to half from one draw to the next).
    updated = LATEST_UPDATE - timedelta(seconds=number * SECONDS_BETWEEN_UPDATES + rng.randint(0, 499))
    late = rng.random() < 0.5
    recommendations = [
        {
            "recommendationId": f"R{index}",
            "theme": "NEGLECT",
            "text": TEXT * 2,
            "owner": "Synthetic Trust",
            "dueDate": (
                TODAY + timedelta(days=(-rng.randint(1, 200) if late and index == 0 else rng.randint(1, 300)))
            ).isoformat(),
            "status": "IN_PROGRESS",
        }
        for index in range(5)
    ]
    record: dict[str, Any] = {
        "caseId": str(uuid.UUID(int=rng.getrandbits(128))),
        "reference": f"{icb_code}-2026-{number:05d}",
        "version": 1,
        "regionCode": region_code,
        "createdAt": updated.isoformat(),
        "createdBy": "icb_editor:bench",
        "updatedAt": updated.isoformat(),
        "updatedBy": "icb_editor:bench",
        "icbCode": icb_code,
        "reviewType": review_type,
        "status": status,
        # Past the rapid review, signed off and embargoed: only the late recommendation is overdue.
        "stage": stage,
        "incidentDate": (added - timedelta(days=10)).isoformat(),
        "dateAdded": added.isoformat(),
        "reportSignedOffDate": (added + timedelta(days=5)).isoformat(),
        "embargoed": True,
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic Safeguarding Partnership",
        "themes": ["NEGLECT", "DOMESTIC_ABUSE"],
        "caseInformation": TEXT * 8,
        "comments": TEXT * 4,
        "lessonsLearnt": TEXT * 4,
        "recommendations": recommendations,
        **({"providersInvolved": providers_involved} if providers_involved else {}),
    }
    return Case.model_validate(record)


def bench_table_kwargs(table_name: str) -> dict[str, Any]:
    """The cases table's definition without its stream: the stack's poller must not publish seeds."""
    kwargs = schema.create_table_kwargs(table_name)
    kwargs.pop("StreamSpecification")
    return kwargs


class SeededTable:
    """A cases table grown in steps (1k, then 10k, then 50k...) by BatchWriteItem: each case item
    and the link item of each provider it names, built by the store's own item builders."""

    def __init__(self, dynamodb: Any, table_name: str, seed: int = 20261126) -> None:
        self.dynamodb = dynamodb
        self.table_name = table_name
        self.size = 0
        self._rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not a secret
        self._icbs = current_icbs()
        self._providers = sorted(set(reference_data().provider_codes) - {FOCUS_PROVIDER})
        self._store = DynamoCaseStore(dynamodb, table_name, next_due=next_due_date)
        dynamodb.create_table(**bench_table_kwargs(table_name))
        dynamodb.get_waiter("table_exists").wait(TableName=table_name)

    def _items(self, count: int) -> Iterator[dict[str, Any]]:
        for number in range(self.size + 1, self.size + count + 1):
            case = synthetic_case(number, self._rng, self._icbs, self._providers)
            yield to_attribute_values(self._store._case_item(case))
            # The puts the store writes with a new case: one link per provider named.
            for write in self._store._link_writes(case, linked=frozenset()):
                yield write["Put"]["Item"]

    def _write(self, batch: list[dict[str, Any]]) -> None:
        request: Any = {self.table_name: [{"PutRequest": {"Item": item}} for item in batch]}
        while request:
            request = self.dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or None

    def grow_to(self, size: int) -> None:
        items = list(self._items(size - self.size))
        batches = [items[start : start + 25] for start in range(0, len(items), 25)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(self._write, batches))
        self.size = size


# --- the web app's pages, through the stack's gateway ------------------------------------------


@contextmanager
def web_app_settings(stack: LocalStack) -> Iterator[None]:
    """The web app's settings for ``stack`` (sign-in at its identity provider, its session key) in
    the environment, and the settings and web app built from them; afterwards, what was there before."""
    added = web_app_environment(stack.state, stack.api_url)
    previous = {name: os.environ.get(name) for name in added}
    os.environ.update(added)
    _forget_settings()
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _forget_settings()


def _forget_settings() -> None:
    settings.settings.cache_clear()
    composition.web_app.cache_clear()


def submitted_case(icb_code: str, number: int, reference_prefix: str, **fields: Any) -> dict[str, Any]:
    """What an editor submits for a case: open, in progress, its review type, dates and partnership
    varied by ``number``, its local reference ``{reference_prefix}-{number}``; ``fields`` add to it."""
    added = date.today() - timedelta(days=30 + number % 200)
    return {
        "icbCode": icb_code,
        "reviewType": ("CSPR", "SAR", "DHR", "RAPID_REVIEW")[number % 4],
        "status": "OPEN",
        "stage": "IN_PROGRESS",
        "incidentDate": (added - timedelta(days=10)).isoformat(),
        "dateAdded": added.isoformat(),
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": f"Synthetic Safeguarding Partnership {number % 17}",
        "themes": ["NEGLECT"],
        "localReference": f"{reference_prefix}-{number:04d}",
        **fields,
    }


def submit_cases(editor: Caller, documents: Iterable[dict[str, Any]]) -> list[str]:
    """Submit each case as ``editor`` through the case service (the stack's tables); their ids."""
    service = composition.case_service()
    return [service.submit(editor, SubmitCase(document)).case_id for document in documents]


def signed_in_client(
    stack: LocalStack, caller: Caller, headers: Mapping[str, str] | None = None
) -> httpx.Client:
    """A client of the stack's gateway signed in to the web app as ``caller`` (a session cookie
    sealed as the web app seals one after sign-in); call it inside ``web_app_settings``."""
    app = composition.web_app()
    session = app.sealer.new_session(caller.sub, caller.role.value, caller.org)
    cookie = f"{app.cookies.session_name}={app.sealer.seal_session(session)}"
    return httpx.Client(base_url=stack.api_url, headers={"Cookie": cookie, **(headers or {})}, timeout=30)
