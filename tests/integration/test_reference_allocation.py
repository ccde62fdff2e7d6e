"""References stay unique and gap-free when submits race, on the real DynamoDB Local.

Submits run in parallel threads straight through the case service (the local HTTP gateway runs
one invocation per function at a time, as one Lambda container does, so racing must happen below it).
"""

import os
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from local_stack.stack import BACKEND_LOCAL, BACKEND_MOTO, LocalStack
from tests.conftest import synthetic_case
from tracker import settings
from tracker.access import AccessPolicy, Caller
from tracker.dal.cases import DynamoCaseStore
from tracker.dal.secrets import load_cursor_codec
from tracker.logic.cases import CaseService
from tracker.logic.commands import SubmitCase
from tracker.logic.due import next_due_date
from tracker.models.enums import Role
from tracker.reference import reference_data


def test_concurrent_submits_get_distinct_consecutive_references(stack: LocalStack) -> None:
    reference = reference_data()
    service = CaseService(
        DynamoCaseStore(stack.dynamodb, os.environ[settings.CASES_TABLE_NAME], next_due=next_due_date),
        AccessPolicy(reference),
        reference,
        partial(load_cursor_codec, settings.Settings.from_environ()),
    )
    # An ICB no other integration test submits for, so the sequence starts at 1.
    caller = Caller(Role.ICB_EDITOR, "QWO", "racer")
    with ThreadPoolExecutor(max_workers=8) as pool:
        cases = list(
            pool.map(lambda _: service.submit(caller, SubmitCase(synthetic_case(icbCode="QWO"))), range(32))
        )
    year = cases[0].created_at.year
    assert sorted(case.reference for case in cases) == [f"QWO-{year}-{number:04d}" for number in range(1, 33)]
    assert len({case.case_id for case in cases}) == 32


def test_ci_runs_the_integration_suite_on_the_real_engines(stack: LocalStack) -> None:
    """On CI the engines are installed by `make test`: a silent fallback to moto would hide that."""
    if os.environ.get("CI") and not os.environ.get("SCRT_TEST_BACKEND"):
        assert stack.config.backend == BACKEND_LOCAL
    assert stack.config.backend in {BACKEND_LOCAL, BACKEND_MOTO}
