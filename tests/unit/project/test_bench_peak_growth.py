"""The benchmarks' measure of memory that grows with a collection (``measure.peak_mib_by_size``): a
pass that keeps nothing per item gives the same peak at every size, one that keeps each item gives a
peak in proportion, and figures repeat from run to run (issue 20's measure was noise: 1.21 in one
run, 0.03 in another)."""

from benchmarks.measure import peak_mib_by_size

SMALL, LARGE = 2_000, 20_000


def _item(number: int) -> dict[str, object]:
    return {"id": f"item-{number:08d}", "values": [number, number + 1, str(number)]}


GROUPS = 2_000  # as a summary's counts: as many groups at every size, so well above the noise


def _bounded(size: int) -> object:
    """Each item made, counted into a fixed number of groups and dropped."""
    groups: dict[str, int] = {}
    for number in range(size):
        key = f"group-{number % GROUPS}"
        groups[key] = groups.get(key, 0) + len(_item(number)["values"])  # type: ignore[arg-type]
    return groups


def _leaking(size: int) -> object:
    """As ``_bounded``, but keeps every item too."""
    return _bounded(size), [_item(number) for number in range(size)]


def _warm_up() -> None:
    _bounded(SMALL)


def test_a_pass_that_keeps_nothing_per_item_peaks_the_same_at_both_sizes() -> None:
    peaks = peak_mib_by_size(_bounded, (SMALL, LARGE), repetitions=3, warm_up=_warm_up)
    assert set(peaks) == {SMALL, LARGE}
    assert peaks[LARGE] / peaks[SMALL] <= 1.2, peaks


def test_a_pass_that_keeps_every_item_is_seen_growing_with_the_size() -> None:
    peaks = peak_mib_by_size(_leaking, (SMALL, LARGE), repetitions=3, warm_up=_warm_up)
    assert peaks[LARGE] / peaks[SMALL] > 5, peaks


def test_the_figures_repeat_from_run_to_run() -> None:
    ratios = []
    for _ in range(3):
        peaks = peak_mib_by_size(_bounded, (SMALL, LARGE), repetitions=3, warm_up=_warm_up)
        ratios.append(peaks[LARGE] / peaks[SMALL])
    assert max(ratios) - min(ratios) <= 0.05, ratios
