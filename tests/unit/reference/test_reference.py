"""Reference data: ICB to region, successions, which ICBs are current, and replacing the files."""

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tracker import composition, reference
from tracker.reference import DEFAULT_REFERENCE_DIR, REFERENCE_DIR_ENV, load_reference_data, reference_data


def test_36_current_icbs_after_the_reorganisation_and_42_before() -> None:
    data = load_reference_data(DEFAULT_REFERENCE_DIR)
    assert len(data.current_icb_codes(date(2026, 4, 1))) == 36
    assert len(data.current_icb_codes(date(2026, 3, 31))) == 42
    assert data.region_of("S1Y5D") == "Y61"
    assert data.region_of("QE1") == "Y62"


def test_successors_inherit_predecessors_and_a_split_goes_to_each_successor() -> None:
    data = load_reference_data(DEFAULT_REFERENCE_DIR)
    assert data.with_predecessors("S1Y5D") == {"S1Y5D", "QHG", "QUE", "QM7"}
    assert data.with_predecessors("D7T5G") == {"D7T5G", "QH8", "QM7", "QJG"}
    assert data.with_predecessors("QE1") == {"QE1"}


def test_a_lineage_joins_mergers_and_splits_either_way_and_holds_where_an_editor_can_move_a_case() -> None:
    data = load_reference_data(DEFAULT_REFERENCE_DIR)
    # East of England: QM7 split into D7T5G and S1Y5D, QJG into D7T5G and T6Y0W: nine ICBs.
    one_lineage = {"QH8", "QJG", "QM7", "D7T5G", "S1Y5D", "QHG", "QUE", "T6Y0W", "QMM"}
    for code in one_lineage:
        assert data.lineage(code) == one_lineage
    assert data.lineage("QE1") == {"QE1"}
    assert data.lineage("ZZZ") == frozenset()
    # What an editor of any ICB acts for lies within one lineage.
    for code in data.icbs:
        assert data.with_predecessors(code) <= data.lineage(code)


@pytest.fixture
def replaced_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for source in DEFAULT_REFERENCE_DIR.glob("*.csv"):
        shutil.copy(source, tmp_path / source.name)
    monkeypatch.setenv(REFERENCE_DIR_ENV, str(tmp_path))
    composition.reset()
    yield tmp_path
    monkeypatch.undo()
    composition.reset()


def test_the_files_can_be_replaced_without_a_code_change(replaced_reference: Path) -> None:
    after = replaced_reference / reference.ICBS_AFTER_FILE
    lines = after.read_text(encoding="utf-8").splitlines()
    lines.append("ZZ9,NHS Synthetic Test Integrated Care Board,Y56,London,synthetic")
    after.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = reference_data()
    assert data.region_of("ZZ9") == "Y56"
    assert "ZZ9" in data.current_icb_codes(date(2026, 11, 26))
