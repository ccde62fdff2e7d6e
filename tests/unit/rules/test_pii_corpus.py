"""Every text in the identifier guard's regression corpus gets the answer it must get (see
guard_corpus.py: the review's findings and whatever ``make fuzz`` has found since)."""

import pytest

from tests.unit.rules.pii_corpus import ANSWERS, Entry, load

CORPUS = load()


def test_the_corpus_holds_the_reviews_findings() -> None:
    assert len(CORPUS) >= 8
    assert {entry.expected for entry in CORPUS} == set(ANSWERS)


@pytest.mark.parametrize("entry", CORPUS, ids=[ascii(entry.text)[1:-1][:60] for entry in CORPUS])
def test_the_guard_answers_every_corpus_text_as_it_must(entry: Entry) -> None:
    assert entry.answer() == ANSWERS[entry.expected], entry.found
