from tests.support.api import Api


def test_submit_then_get(api: Api, case_body: dict) -> None:
    created = api.submit(case_body)
    assert created.status == 201, created.body
    fetched = api.get(created.body["caseId"])
    assert fetched.status == 200, fetched.body
    assert fetched.body == created.body
