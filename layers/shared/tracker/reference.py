"""ICB, region and NHS provider reference data (with the trusts that have closed), loaded from the
CSV files shipped in ``reference_data/``.

Set ``SCRT_REFERENCE_DIR`` (see ``tracker.settings``) to a folder holding files of the same names
to replace the data without a code change (for example after the next ODS reorganisation).
"""

import csv
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from tracker import settings

REFERENCE_DIR_ENV = settings.REFERENCE_DIR
DEFAULT_REFERENCE_DIR = Path(__file__).parent / "reference_data"
ICBS_BEFORE_FILE = "icbs_2022-07-01.csv"
ICBS_AFTER_FILE = "icbs_2026-04-01.csv"
SUCCESSIONS_FILE = "icb_successions_2026-04-01.csv"
PROVIDERS_FILE = "providers_2024-08-31.csv"
CLOSURES_FILE = "provider_closures.csv"
REORGANISATION_DATE = date(2026, 4, 1)
NHS_ENGLAND_ORG = "X24"

REGION_NAMES = {
    "Y56": "London",
    "Y58": "South West",
    "Y59": "South East",
    "Y60": "Midlands",
    "Y61": "East of England",
    "Y62": "North West",
    "Y63": "North East and Yorkshire",
}


@dataclass(frozen=True)
class Icb:
    code: str
    name: str
    region_code: str
    valid_from: date
    valid_to: date | None  # last day in force; None while current
    successors: tuple[str, ...] = field(default=())
    predecessors: tuple[str, ...] = field(default=())

    def is_current_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Provider:
    """An NHS provider organisation (a trust), by its ODS code."""

    code: str
    name: str


@dataclass(frozen=True)
class ProviderClosure:
    """A trust that closed (merged or dissolved): from ``closed_on`` its code names no open trust."""

    code: str
    closed_on: date
    successors: tuple[str, ...]
    note: str  # what became of it, as published ("merged into ...")


@dataclass(frozen=True)
class ReferenceData:
    icbs: dict[str, Icb]
    providers: dict[str, Provider] = field(default_factory=dict)  # open and closed: old cases name both
    closures: dict[str, ProviderClosure] = field(default_factory=dict)

    def provider(self, code: str) -> Provider | None:
        return self.providers.get(code)

    def closure(self, code: str) -> ProviderClosure | None:
        return self.closures.get(code)

    def open_providers(self, day: date) -> list[Provider]:
        """The trusts that exist on ``day``: those a new case is offered."""
        return [
            provider
            for code, provider in self.providers.items()
            if code not in self.closures or day < self.closures[code].closed_on
        ]

    @property
    def provider_codes(self) -> frozenset[str]:
        return frozenset(self.providers)

    def icb(self, code: str) -> Icb | None:
        return self.icbs.get(code)

    def region_of(self, icb_code: str) -> str | None:
        icb = self.icbs.get(icb_code)
        return icb.region_code if icb else None

    def current_icb_codes(self, day: date) -> frozenset[str]:
        return frozenset(code for code, icb in self.icbs.items() if icb.is_current_on(day))

    def icbs_in_region(self, region_code: str) -> frozenset[str]:
        return frozenset(code for code, icb in self.icbs.items() if icb.region_code == region_code)

    def with_predecessors(self, icb_code: str) -> frozenset[str]:
        """The ICB and every ICB it succeeded, transitively.

        A predecessor that split (QM7, QJG, QNQ) is inherited by each of its successors: its
        open reviews may concern either successor's population, so both keep custody.
        """
        return _reachable(icb_code, self.icbs, lambda code: self.icbs[code].predecessors)

    def lineage(self, icb_code: str) -> frozenset[str]:
        """The ICB and every ICB joined to it by a merger or a split, either way, transitively: the
        ICBs a case recorded in it can be moved to (an editor moves a case only among the ICBs it acts
        for, its own and those it succeeded, which are all of one lineage). Empty for an unknown code.
        """
        joined: dict[str, set[str]] = {code: set() for code in self.icbs}
        for code, icb in self.icbs.items():
            for predecessor in icb.predecessors:
                joined[code].add(predecessor)
                joined.setdefault(predecessor, set()).add(code)
        return _reachable(icb_code, self.icbs, joined.__getitem__)

    @property
    def region_codes(self) -> frozenset[str]:
        return frozenset(REGION_NAMES)


def _reachable(start: str, known: Collection[str], next_of: Callable[[str], Iterable[str]]) -> frozenset[str]:
    """``start`` and every known code reached from it by ``next_of``, transitively (unknown codes
    are not followed); empty when ``start`` is unknown."""
    seen: set[str] = set()
    pending = [start]
    while pending:
        code = pending.pop()
        if code in seen or code not in known:
            continue
        seen.add(code)
        pending.extend(next_of(code))
    return frozenset(seen)


def _read_rows(path: Path) -> Iterable[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def load_reference_data(directory: Path) -> ReferenceData:
    before = {row["icb_code"]: row for row in _read_rows(directory / ICBS_BEFORE_FILE)}
    after = {row["icb_code"]: row for row in _read_rows(directory / ICBS_AFTER_FILE)}
    successors: dict[str, list[str]] = {}
    predecessors: dict[str, list[str]] = {}
    for row in _read_rows(directory / SUCCESSIONS_FILE):
        successors.setdefault(row["predecessor_icb_code"], []).append(row["successor_icb_code"])
        predecessors.setdefault(row["successor_icb_code"], []).append(row["predecessor_icb_code"])

    icbs: dict[str, Icb] = {}
    for code in before.keys() | after.keys():
        row = after.get(code) or before[code]
        icbs[code] = Icb(
            code=code,
            name=row["icb_name"],
            region_code=row["region_code"],
            valid_from=date(2022, 7, 1) if code in before else REORGANISATION_DATE,
            valid_to=None if code in after else date(2026, 3, 31),
            successors=tuple(sorted(successors.get(code, ()))),
            predecessors=tuple(sorted(predecessors.get(code, ()))),
        )
    closure_rows = list(_read_rows(directory / CLOSURES_FILE))
    closures = {
        row["provider_code"]: ProviderClosure(
            code=row["provider_code"],
            closed_on=date.fromisoformat(row["closed_on"]),
            successors=tuple(code for code in row["successor_codes"].split(";") if code),
            note=row["note"],
        )
        for row in closure_rows
    }
    # A closed trust keeps its name from the closures file when a newer providers file drops it,
    # so the cases that name it still read as a trust, not a bare code.
    providers = {
        row["provider_code"]: Provider(code=row["provider_code"], name=row["provider_name"])
        for row in [*closure_rows, *_read_rows(directory / PROVIDERS_FILE)]
    }
    return ReferenceData(icbs=icbs, providers=providers, closures=closures)


@lru_cache(maxsize=1)
def reference_data() -> ReferenceData:
    """The reference data in force for this process, read once per container."""
    return load_reference_data(Path(settings.settings().reference_dir or DEFAULT_REFERENCE_DIR))
