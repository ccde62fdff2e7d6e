"""The store puts a case on the due indexes where the rule it is handed says, and knows no rule itself."""

from datetime import date, timedelta

from tests.support.extracts_fixtures import DEVON, TABLE, Stack, build_case, stack
from tracker.dal.cases import DynamoCaseStore
from tracker.models.case import Case

__all__ = ["stack"]

DUE = date(2031, 1, 15)


def test_the_due_index_follows_the_rule_handed_in(stack: Stack) -> None:
    asked: list[str] = []

    def due_on_a_fixed_day(case: Case) -> date | None:
        asked.append(case.case_id)
        return DUE if case.reference.endswith("0001") else None

    store = DynamoCaseStore(stack.dynamodb, TABLE, next_due=due_on_a_fixed_day)
    stack.repository = store
    due, never_due = stack.create(build_case(number=1)), stack.create(build_case(number=2))

    assert sorted(asked) == sorted([due.case_id, never_due.case_id])
    assert store.cases_due_by(DEVON[0], DUE - timedelta(days=1)) == []
    assert [case.case_id for case in store.cases_due_by(DEVON[0], DUE)] == [due.case_id]
