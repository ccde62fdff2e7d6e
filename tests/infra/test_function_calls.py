"""Each S3 call a function's own code makes on the extracts bucket is allowed by its role, as AWS
would judge it (test_wiring.py checks the calls between services; these are the functions' own).

A read of a key that may be missing (``head_object`` before writing ``current/``, the overview's
summary before the first snapshot) needs ``s3:ListBucket`` too: without it S3 answers a missing key
with 403 AccessDenied, not 404, and the code that expects "not there" fails. Such a request carries
no ``s3:prefix``, so a ListBucket limited by a prefix condition would not count.
"""

import re

import pytest

from infra import constants
from tests.infra.aws_policy import Deployed
from tests.infra.test_wiring import _function_role, assert_none_refused, role_may
from tracker.extracts import keys

CASE_ID = "0b9e1c1e-1d1f-4a1b-8c1d-1e1f1a1b1c1d"
CURRENT_KEY = f"{keys.CURRENT_PREFIX}region=Y62/icb=QE1/{CASE_ID}.json"
CHANGE_KEY = f"{keys.CHANGES_PREFIX}dt=2026-12-05/{CASE_ID}.v000002.json"
# What each function's code calls (tracker.dal.extract_store): action and object key, None for the bucket.
CALLS: dict[str, list[tuple[str, str | None]]] = {
    # ChangePublisher: put_latest reads the stored version (HeadObject, GetObject for old objects),
    # then writes; a moved case's old current/ object is deleted.
    "ReportingPublishChanges": [
        ("s3:PutObject", CHANGE_KEY),
        ("s3:GetObject", CURRENT_KEY),
        ("s3:ListBucket", None),
        ("s3:PutObject", CURRENT_KEY),
        ("s3:DeleteObject", CURRENT_KEY),
    ],
    # The redrive writes through the same store.
    "ReportingRedriveStreamFailures": [
        ("s3:PutObject", CHANGE_KEY),
        ("s3:GetObject", CURRENT_KEY),
        ("s3:ListBucket", None),
        ("s3:PutObject", CURRENT_KEY),
        ("s3:DeleteObject", CURRENT_KEY),
    ],
    # The overview reads the latest summary, which is missing until the first snapshot.
    "CaseApiWebWebApp": [("s3:GetObject", keys.LATEST_SUMMARY_KEY), ("s3:ListBucket", None)],
}


def _function_arn(deployed: Deployed, construct_prefix: str) -> str:
    pattern = re.compile(rf"^{construct_prefix}Function[0-9A-F]{{8}}$")
    (arn,) = [
        deployed.refs[constants.STATELESS_STACK_ID][f"{logical_id}.Arn"]
        for _, logical_id, _ in deployed.resources("AWS::Lambda::Function")
        if pattern.match(logical_id)
    ]
    return arn


def _extracts_bucket_arn(deployed: Deployed) -> str:
    (arn,) = [
        value
        for name, value in deployed.refs[constants.STATEFUL_STACK_ID].items()
        if re.fullmatch(r"ReportingExtracts[0-9A-F]{8}\.Arn", name)
    ]
    return arn


@pytest.mark.parametrize("function", sorted(CALLS))
def test_every_extracts_call_of_the_functions_code_is_allowed(deployed: Deployed, function: str) -> None:
    role = _function_role(deployed, _function_arn(deployed, function))
    bucket = _extracts_bucket_arn(deployed)
    refusals: list[str] = []
    for action, key in CALLS[function]:
        resource = bucket if key is None else f"{bucket}/{key}"
        refusals += role_may(deployed, f"{function} {action}", role, action, resource, {})
    assert_none_refused(refusals)
