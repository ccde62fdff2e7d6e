"""The extract jobs the Lambda functions and the local stack (``scrt snapshot``, ``scrt extracts``,
the stream poller) run, on what the composition root builds.
"""

from datetime import date

from tracker import clock, composition, settings
from tracker.dal.snapshot_reader import iter_case_records
from tracker.extracts.keys import PREFIXES
from tracker.extracts.publisher import ChangePublisher
from tracker.extracts.snapshot import Snapshot, write_snapshot


def change_publisher() -> ChangePublisher:
    return composition.change_publisher()


def reset() -> None:
    """Forget built clients and settings (tests and the local stack switch endpoints)."""
    composition.reset()


def run_snapshot(day: date | None = None) -> Snapshot:
    """Write ``snapshots/dt=<day>/`` (default: today in England) from the table.

    ``scrt snapshot`` calls this; ``.objects`` holds the keys written and their bytes.
    """
    table = settings.settings().require(settings.CASES_TABLE_NAME)
    records = iter_case_records(composition.dynamodb_client(), table, composition.region_codes())
    return write_snapshot(composition.extract_store(), records, day or clock.today_london())


def list_extracts(prefix: str = "") -> list[str]:
    """Keys of extract objects under ``prefix`` (default: all of changes/, current/, snapshots/)."""
    store = composition.extract_store()
    if prefix:
        return list(store.list_keys(prefix))
    return [key for known in PREFIXES for key in store.list_keys(known)]


def read_extract(key: str) -> bytes:
    return composition.extract_store().get(key)
