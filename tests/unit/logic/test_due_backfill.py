"""Case items written before the due indexes existed are put on them; others are left alone."""

from datetime import date

from tests.support.extracts_fixtures import DEVON, TABLE, Stack, build_case, record_of, stack
from tracker.dal.due_keys import backfill_due_keys
from tracker.dal.items import case_item, to_attribute_values
from tracker.logic.due import next_due_date

__all__ = ["stack"]


def test_old_items_join_the_due_index_and_current_ones_are_untouched(stack: Stack) -> None:
    written_before = build_case(number=1)  # R1 due 2026-03-01 and unfinished
    stack.dynamodb.put_item(TableName=TABLE, Item=to_attribute_values(case_item(record_of(written_before))))
    stack.create(build_case(number=2))  # written through the store: already on the index
    assert [c.reference for c in stack.repository.cases_due_by(DEVON[0], date(2026, 12, 31))] == [
        "QJK-2026-0002"
    ]

    report = backfill_due_keys(stack.dynamodb, TABLE, ["Y58"], next_due=next_due_date)

    assert (report.cases_read, report.cases_updated, report.cases_moved_on) == (2, 1, 0)
    due = stack.repository.cases_due_by(DEVON[0], date(2026, 12, 31))
    assert sorted(case.reference for case in due) == ["QJK-2026-0001", "QJK-2026-0002"]
    rerun = backfill_due_keys(stack.dynamodb, TABLE, ["Y58"], next_due=next_due_date)
    assert rerun.cases_updated == 0  # a rerun changes nothing
