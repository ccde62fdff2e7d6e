"""The extracts wired to the configured table and bucket: what the Lambda functions and the
local stack (``scrt snapshot``, ``scrt extracts``, the stream poller) call.

Configuration: ``CASES_TABLE_NAME`` and ``REPORTING_BUCKET_NAME``; endpoints from the standard
``AWS_ENDPOINT_URL_<SERVICE>`` variables. Clients are created once per process, on first use.
"""

from datetime import date
from functools import lru_cache

from tracker import clock, config
from tracker.dal import clients
from tracker.dal.cases import CaseRepository
from tracker.dal.extract_store import ExtractStore
from tracker.dal.snapshot_reader import iter_case_items
from tracker.extracts.keys import PREFIXES
from tracker.extracts.publisher import ChangePublisher
from tracker.extracts.snapshot import Snapshot, write_snapshot
from tracker.reference import reference_data


def reporting_bucket_name() -> str:
    return config.required(config.REPORTING_BUCKET_ENV)


@lru_cache(maxsize=1)
def extract_store() -> ExtractStore:
    return ExtractStore(clients.s3_client(), reporting_bucket_name())


@lru_cache(maxsize=1)
def change_publisher() -> ChangePublisher:
    repository = CaseRepository(clients.dynamodb_client(), config.cases_table_name())
    return ChangePublisher(extract_store(), repository.get_case)


def reset() -> None:
    """Forget cached clients and configuration (tests and the local stack switch endpoints)."""
    extract_store.cache_clear()
    change_publisher.cache_clear()
    clients.reset_clients()


def region_codes() -> frozenset[str]:
    reference = reference_data()
    return reference.region_codes | {icb.region_code for icb in reference.icbs.values()}


def run_snapshot(day: date | None = None) -> Snapshot:
    """Write ``snapshots/dt=<day>/`` (default: today in England) from the table.

    ``scrt snapshot`` calls this; ``.objects`` holds the keys written and their bytes.
    """
    items = iter_case_items(clients.dynamodb_client(), config.cases_table_name(), region_codes())
    return write_snapshot(extract_store(), items, day or clock.today_london())


def list_extracts(prefix: str = "") -> list[str]:
    """Keys of extract objects under ``prefix`` (default: all of changes/, current/, snapshots/)."""
    store = extract_store()
    if prefix:
        return list(store.list_keys(prefix))
    return [key for known in PREFIXES for key in store.list_keys(known)]


def read_extract(key: str) -> bytes:
    return extract_store().get(key)
