"""The mutation runner's own bookkeeping: how a mutant is described and which entries match it."""

import pytest

pytest.importorskip("cosmic_ray")

from cosmic_ray.work_item import MutationSpec

from tools import mutate

SOURCE = "def is_adult(age):\n    return age >= 18\n"


def spec(operator: str, occurrence: int = 0) -> MutationSpec:
    return MutationSpec(
        module_path="example.py",
        operator_name=operator,
        occurrence=occurrence,
        start_pos=(2, 11),
        end_pos=(2, 20),
        definition_name="is_adult",
    )


def test_a_mutant_is_described_by_the_line_before_and_after() -> None:
    mutant = mutate.describe("job-1", spec("core/ReplaceComparisonOperator_GtE_Gt"), SOURCE)
    assert mutant == mutate.Mutant(
        job_id="job-1",
        operator="core/ReplaceComparisonOperator_GtE_Gt",
        line=2,
        function="is_adult",
        original="return age >= 18",
        mutated="return age > 18",
    )


def test_an_operator_with_nothing_to_change_gives_no_mutant() -> None:
    assert mutate.describe("job-2", spec("core/ReplaceBreakWithContinue"), SOURCE) is None


def test_an_equivalent_entry_matches_its_module_lines_and_function_only() -> None:
    mutant = mutate.describe("job-3", spec("core/ReplaceComparisonOperator_GtE_Gt"), SOURCE)
    assert mutant is not None
    entry = mutate.Equivalent("example.py", "return age >= 18", "return age > 18", "why")
    assert entry.matches("example.py", mutant)
    assert not entry.matches("other.py", mutant)
    assert mutate.Equivalent("example.py", "return age >= 18", "return age > 18", "why", "is_adult").matches(
        "example.py", mutant
    )
    assert not mutate.Equivalent("example.py", "return age >= 18", "return age > 18", "why", "f").matches(
        "example.py", mutant
    )
    assert not mutate.Equivalent("example.py", "return age >= 18", "return age < 18", "why").matches(
        "example.py", mutant
    )


def test_the_committed_configuration_is_consistent() -> None:
    threshold, targets = mutate.load_targets()
    assert threshold >= 95.0
    paths = {target.path for target in targets}
    for target in targets:
        assert (mutate.ROOT / target.path).is_file(), target.path
        assert target.tests, target.name
    for entry in mutate.load_equivalents():
        assert entry.module in paths, entry
        assert entry.why.strip(), entry
        assert entry.original != entry.mutated, entry


def test_a_score_leaves_equivalent_mutants_out() -> None:
    result = mutate.ModuleResult(mutate.Target("m", "m.py", ()), total=10, killed=8)
    mutant = mutate.Mutant("j", "op", 1, None, "a", "b")
    result.survivors.append(mutant)
    result.equivalents.append((mutant, mutate.Equivalent("m.py", "a", "b", "why")))
    assert result.score == pytest.approx(100 * 8 / 9)
    assert result.raw_score == pytest.approx(80.0)
