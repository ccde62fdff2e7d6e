"""The local stack's on-failure destination: ``failed-batches/`` in the state folder.

The stream poller writes one JSON file per batch it gave up on (batch metadata and the keys of its
records); ``scrt redrive`` reads them as the redrive's ``FailureInbox`` and moves each one done
into ``failed-batches/redriven/``, so nothing is deleted locally and a second run finds nothing.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REDRIVEN = "redriven"


class DirectoryFailureInbox:
    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        if not self._folder.is_dir():
            return
        for path in sorted(self._folder.glob("*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                continue  # not a failure record: left for a person to read
            if isinstance(record, dict):
                yield path.name, record

    def done(self, record_id: str) -> None:
        done_folder = self._folder / REDRIVEN
        done_folder.mkdir(exist_ok=True)
        (self._folder / record_id).rename(done_folder / record_id)
