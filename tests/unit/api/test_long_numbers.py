"""Numbers in headers and query strings longer than ``int()`` reads (4,300 digits): a 4xx naming
where they were, never a 500."""

from tests.conftest import synthetic_case
from tests.support.api import Api
from tracker.api.requests import version_condition

LONG = "1" * 5000  # digits: more than int() converts, far fewer than API Gateway lets through


def test_an_if_match_too_long_to_be_a_version_matches_no_version() -> None:
    condition = version_condition(f'"{LONG}", "2"')
    assert condition is not None
    assert condition.versions == frozenset({2})


def test_a_patch_naming_a_version_too_long_to_read_is_412(api: Api) -> None:
    case = api.submit(synthetic_case()).body

    response = api.patch(case["caseId"], {"stage": "PUBLISHED"}, f'"{LONG}"')

    assert response.status == 412
    assert api.get(case["caseId"]).body["version"] == 1


def test_a_list_limit_too_long_to_read_is_400_naming_it(api: Api) -> None:
    response = api.list_cases(limit=LONG)

    assert response.status == 400
    assert [error["field"] for error in response.body["errors"]] == ["limit"]
