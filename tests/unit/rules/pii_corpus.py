"""The identifier guard's regression corpus: every text that ever got a wrong answer from the guard
(from a review or from ``make fuzz``), with the answer it must get. ``make test`` replays it
(test_identifier_guard_corpus.py); ``make fuzz`` adds what its long runs find
(tests/fuzz/test_fuzz_identifier_guard.py). The file is JSON with non-ASCII escaped, so every
invisible character in it is visible in a review.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from tracker.rules import pii

CORPUS_FILE = Path(__file__).with_name("identifier_guard_corpus.json")
Expected = Literal["nhs", "postcode", "none"]
ReadAs = Literal["text", "url"]
ANSWERS: dict[str, str | None] = {
    "nhs": "must not contain an NHS number: this collection takes no patient-identifiable data",
    "postcode": "must not contain a full postcode: this collection takes no patient-identifiable data",
    "none": None,
}


@dataclass(frozen=True)
class Entry:
    text: str
    readAs: ReadAs  # the file's own key (camelCase, like the API)
    expected: Expected
    found: str

    def answer(self) -> str | None:
        """What the guard says about the text now."""
        if self.readAs == "url":
            return pii.url_identifier_problem(self.text)
        return pii.patient_identifier_problem(self.text)


def load() -> list[Entry]:
    return [Entry(**entry) for entry in json.loads(CORPUS_FILE.read_text(encoding="utf-8"))]


def record(entry: Entry) -> bool:
    """Adds an entry unless its text (read the same way) is there already; whether it was added."""
    entries = load()
    if any((known.text, known.readAs) == (entry.text, entry.readAs) for known in entries):
        return False
    entries.append(entry)
    CORPUS_FILE.write_text(
        json.dumps([asdict(known) for known in entries], indent=2, ensure_ascii=True) + "\n", encoding="utf-8"
    )
    return True
