"""Mutation testing of the access, identifier-guard, deadline, cursor and merge-patch modules.

    python -m tools.mutate                          every module in tools/mutation/modules.toml
    python -m tools.mutate --module cursor --module pii
    python -m tools.mutate --jobs 1 --keep          one test run at a time; keep the workspace

Cosmic Ray makes the mutants (one AST operator change at a time) and runs each against the fast
unit tests listed for its module. Cosmic Ray writes each mutant into the module file itself, so
every run works on a copy of the source tree in a temporary folder: the working tree, which other
people and tools are using, is never mutated. Mutants listed in tools/mutation/equivalent.toml
(they behave exactly like the original, so no test can tell them apart) are recorded and not run.

Score per module = killed / (killed + survived). Exits 1 when a module scores below the threshold
of modules.toml (or --threshold), when its tests fail on the unmutated code, or when a mutant
could not be run; each survivor is printed as the line before and after the change.
"""

import argparse
import difflib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cosmic_ray.commands
import cosmic_ray.plugins
from cosmic_ray.mutating import mutate_code
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import MutationSpec, TestOutcome, WorkerOutcome, WorkItem, WorkResult

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "tools" / "mutation"
MODULES_FILE = CONFIG_DIR / "modules.toml"
EQUIVALENT_FILE = CONFIG_DIR / "equivalent.toml"
# What the tests need from the tree (pyproject.toml holds pytest's pythonpath and addopts).
SNAPSHOT = ("pyproject.toml", "layers", "functions", "local_stack", "infra", "tools", "tests")
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache", ".hypothesis", "cdk.out", "node_modules"
)
CANARY = '\nraise RuntimeError("mutation canary: the tests import this copy")\n'


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    tests: tuple[str, ...]


@dataclass(frozen=True)
class Equivalent:
    module: str
    original: str
    mutated: str
    why: str
    function: str | None = None  # the enclosing def, where the same line appears in several

    def matches(self, module: str, mutant: "Mutant") -> bool:
        return (
            self.module == module
            and self.original == mutant.original
            and self.mutated == mutant.mutated
            and self.function in (None, mutant.function)
        )


@dataclass(frozen=True)
class Mutant:
    job_id: str
    operator: str
    line: int
    function: str | None
    original: str
    mutated: str


@dataclass
class ModuleResult:
    target: Target
    total: int = 0
    killed: int = 0
    timeouts: int = 0
    survivors: list[Mutant] = field(default_factory=list)
    equivalents: list[tuple[Mutant, Equivalent]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self) -> float:
        judged = self.killed + len(self.survivors)
        return 100.0 * self.killed / judged if judged else 100.0

    @property
    def raw_score(self) -> float:
        """Killed out of every mutant, the equivalent ones counted as survivors."""
        return 100.0 * self.killed / self.total if self.total else 100.0


def _squash(lines: Iterable[str]) -> str:
    return " ".join(" ".join(lines).split())


def load_targets(path: Path = MODULES_FILE) -> tuple[float, list[Target]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    targets = [
        Target(name=name, path=entry["path"], tests=tuple(entry["tests"]))
        for name, entry in data["modules"].items()
    ]
    return float(data["threshold"]), targets


def load_equivalents(path: Path = EQUIVALENT_FILE) -> list[Equivalent]:
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Equivalent(
            module=entry["module"],
            original=_squash([entry["original"]]),
            mutated=_squash([entry["mutated"]]),
            why=entry["why"],
            function=entry.get("function"),
        )
        for entry in data.get("equivalent", [])
    ]


def snapshot(destination: Path) -> None:
    """Copy what the tests need from the working tree (uncommitted changes included)."""
    destination.mkdir(parents=True)
    for name in SNAPSHOT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=SNAPSHOT_IGNORE)
        elif source.exists():
            shutil.copy2(source, destination / name)


def test_command(tests: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]


def _run_tests(workspace: Path, tests: Sequence[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(  # noqa: S603 (our own interpreter, our own arguments)
        test_command(tests), cwd=workspace, env=env, capture_output=True, text=True, check=False
    )


def describe(job_id: str, spec: MutationSpec, source: str) -> Mutant | None:
    """The mutant as the lines it changes, before and after; None when the operator makes no change."""
    operator = cosmic_ray.plugins.get_operator(spec.operator_name)(**spec.operator_args)
    mutated = mutate_code(source, operator, spec.occurrence)
    if mutated is None:
        return None
    before, after = source.splitlines(), mutated.splitlines()
    removed: list[str] = []
    added: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += before[i1:i2]
            added += after[j1:j2]
    return Mutant(
        job_id=job_id,
        operator=spec.operator_name,
        line=spec.start_pos[0],
        function=spec.definition_name,
        original=_squash(removed),
        mutated=_squash(added),
    )


def _work_items(module_file: Path, relative_path: str) -> list[WorkItem]:
    """Every mutant of one module, with the module named relative to a workspace."""
    with tempfile.TemporaryDirectory() as scratch, use_db(Path(scratch) / "all.sqlite") as database:
        cosmic_ray.commands.init([module_file], database, {})
        items = list(database.work_items)
    return [
        WorkItem(
            job_id=item.job_id,
            mutations=tuple(_relative(spec, relative_path) for spec in item.mutations),
        )
        for item in sorted(
            items, key=lambda item: (item.mutations[0].start_pos, item.mutations[0].operator_name)
        )
    ]


def _relative(spec: MutationSpec, relative_path: str) -> MutationSpec:
    return MutationSpec(
        module_path=Path(relative_path),
        operator_name=spec.operator_name,
        operator_args=spec.operator_args,
        occurrence=spec.occurrence,
        start_pos=spec.start_pos,
        end_pos=spec.end_pos,
        definition_name=spec.definition_name,
    )


def _cosmic_ray() -> str:
    executable = Path(sys.executable).with_name("cosmic-ray")
    if not executable.exists():
        raise SystemExit("cosmic-ray is not installed in this environment: pip install -e '.[dev]'")
    return str(executable)


def _exec_shard(workspace: Path, items: list[WorkItem], tests: Sequence[str], timeout: float) -> WorkDB:
    config = workspace / "cosmic-ray.toml"
    command = json.dumps(shlex.join(test_command(tests)))  # a JSON string is a valid TOML string
    config.write_text(
        "[cosmic-ray]\n"
        'module-path = "layers"\n'
        f"timeout = {timeout:.0f}.0\n"
        "excluded-modules = []\n"
        f"test-command = {command}\n"
        "\n[cosmic-ray.distributor]\n"
        'name = "local"\n',
        encoding="utf-8",
    )
    session = workspace / "session.sqlite"
    with use_db(session) as database:
        database.add_work_items(items)
    subprocess.run(  # noqa: S603
        [_cosmic_ray(), "--verbosity", "ERROR", "exec", str(config), str(session)],
        cwd=workspace,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return WorkDB(str(session), WorkDB.Mode.open)


def run_module(
    target: Target, equivalents: list[Equivalent], workspace_root: Path, shards: int, pool: ThreadPoolExecutor
) -> ModuleResult:
    started = time.monotonic()
    result = ModuleResult(target)
    tests = [test for test in target.tests if (ROOT / test).exists()]
    for missing in sorted(set(target.tests) - set(tests)):
        print(f"  {target.name}: {missing} does not exist; left out")

    primary = workspace_root / f"{target.name}-0"
    snapshot(primary)
    module_file = primary / target.path
    source = module_file.read_text(encoding="utf-8")

    # The tests must pass on the original and fail when the copy in the workspace is broken:
    # otherwise they test something else (an installed copy of the package) and prove nothing.
    baseline_started = time.monotonic()
    baseline = _run_tests(primary, tests)
    baseline_seconds = time.monotonic() - baseline_started
    if baseline.returncode != 0:
        result.errors.append("tests fail on the unmutated code:\n" + baseline.stdout[-3000:])
        return result
    module_file.write_text(source + CANARY, encoding="utf-8")
    canary = _run_tests(primary, tests)
    module_file.write_text(source, encoding="utf-8")
    if canary.returncode == 0:
        result.errors.append("the tests still pass with the module broken: they do not import the copy")
        return result

    pending: list[WorkItem] = []
    mutants: dict[str, Mutant] = {}
    for item in _work_items(module_file, target.path):
        mutant = describe(item.job_id, item.mutations[0], source)
        if mutant is None:
            continue
        mutants[item.job_id] = mutant
        match = next((known for known in equivalents if known.matches(target.path, mutant)), None)
        if match is None:
            pending.append(item)
        else:
            result.equivalents.append((mutant, match))
    result.total = len(mutants)

    # Generous: a mutant that loops for ever is killed by the timeout, a slow machine must not be.
    timeout = max(60.0, 10 * baseline_seconds)
    shard_items = [pending[index::shards] for index in range(shards)]
    workspaces = [primary]
    for index in range(1, shards):
        workspaces.append(workspace_root / f"{target.name}-{index}")
        snapshot(workspaces[-1])
    futures = [
        pool.submit(_exec_shard, workspace, items, tests, timeout)
        for workspace, items in zip(workspaces, shard_items, strict=True)
        if items
    ]
    for future in futures:
        database = future.result()
        try:
            for _item, outcome in database.completed_work_items:
                _tally(result, mutants[_item.job_id], outcome)
        finally:
            database.close()
    result.survivors.sort(key=lambda mutant: (mutant.line, mutant.operator))
    result.seconds = time.monotonic() - started
    return result


def _tally(result: ModuleResult, mutant: Mutant, outcome: WorkResult) -> None:
    if outcome.worker_outcome is not WorkerOutcome.NORMAL:
        result.errors.append(f"line {mutant.line} {mutant.operator}: {outcome.worker_outcome.value}")
    elif outcome.test_outcome is TestOutcome.KILLED:
        result.killed += 1
        result.timeouts += outcome.output == "timeout"
    elif outcome.test_outcome is TestOutcome.SURVIVED:
        result.survivors.append(mutant)
    else:
        result.errors.append(f"line {mutant.line} {mutant.operator}: {outcome.test_outcome}")


def report(results: list[ModuleResult], equivalents: list[Equivalent], threshold: float) -> bool:
    """Print scores and survivors; True when every module reaches the threshold without errors."""
    ok = True
    for result in results:
        name = result.target.path
        for mutant in result.survivors:
            print(f"SURVIVED {name}:{mutant.line} in {mutant.function} {mutant.operator}")
            print(f"    - {mutant.original}\n    + {mutant.mutated}")
        for error in result.errors:
            print(f"ERROR {name}: {error}")
    used = {id(known) for result in results for _, known in result.equivalents}
    run_modules = {result.target.path for result in results}
    for known in equivalents:
        if known.module in run_modules and id(known) not in used:
            print(f"STALE equivalent entry (matches no mutant) {known.module}: {known.original!r}")

    print(f"\n{'module':<46} {'mutants':>7} {'killed':>6} {'surv.':>5} {'equiv.':>6} {'score':>7} {'raw':>7}")
    totals = ModuleResult(Target("total", "total", ()))
    for result in results:
        print(_score_line(result.target.path, result))
        totals.total += result.total
        totals.killed += result.killed
        totals.survivors += result.survivors
        totals.equivalents += result.equivalents
        if result.errors or result.score < threshold:
            ok = False
    print(_score_line("total", totals))
    verdict = "PASS" if ok else "FAIL"
    print(f"{verdict}: threshold {threshold:.1f}% per module (score = killed / (killed + survived))")
    return ok


def _score_line(name: str, result: ModuleResult) -> str:
    return (
        f"{name:<46} {result.total:>7} {result.killed:>6} {len(result.survivors):>5} "
        f"{len(result.equivalents):>6} {result.score:>6.1f}% {result.raw_score:>6.1f}%"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutate", description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", help="a name from modules.toml (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="test runs at once (default 2)")
    parser.add_argument("--threshold", type=float, help="override the threshold of modules.toml")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace and print it")
    args = parser.parse_args(argv)

    threshold, targets = load_targets()
    if args.threshold is not None:
        threshold = args.threshold
    if args.module:
        unknown = set(args.module) - {target.name for target in targets}
        if unknown:
            parser.error(f"unknown module(s): {', '.join(sorted(unknown))}")
        targets = [target for target in targets if target.name in args.module]
    equivalents = load_equivalents()
    jobs = max(1, args.jobs)

    workspace_root = Path(tempfile.mkdtemp(prefix="mutate-"))
    try:
        with ThreadPoolExecutor(max_workers=jobs) as shard_pool:
            results = []
            for target in targets:
                print(f"mutating {target.path} against {' '.join(target.tests)}", flush=True)
                result = run_module(target, equivalents, workspace_root, jobs, shard_pool)
                print(
                    f"  {result.total} mutants, {result.killed} killed ({result.timeouts} by the timeout), "
                    f"{len(result.survivors)} survived, {len(result.equivalents)} equivalent "
                    f"({result.seconds:.0f} s)",
                    flush=True,
                )
                results.append(result)
        ok = report(results, equivalents, threshold)
    finally:
        if args.keep:
            print(f"workspace kept: {workspace_root}")
        else:
            shutil.rmtree(workspace_root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
