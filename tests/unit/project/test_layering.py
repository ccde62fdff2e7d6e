"""What each layer of the code may import, checked on the source (see docs/architecture.md)."""

import ast
import re
import subprocess
from pathlib import Path

import pytest

from tracker.models.enums import Role

ROOT = Path(__file__).resolve().parents[3]
LAYER = ROOT / "layers" / "shared" / "tracker"

# The domain: use cases, models, rules and the access policy speak neither HTTP nor DynamoDB.
DOMAIN = [LAYER / "logic", LAYER / "models", LAYER / "rules", LAYER / "access.py", LAYER / "errors.py"]
DOMAIN_MAY_NOT_IMPORT = (
    "boto3",
    "botocore",
    "mypy_boto3",
    "aws_lambda_powertools.event_handler",
    "tracker.dal",
    "tracker.api",
    "tracker.composition",
    "tracker.extracts",
)
SHIPPED_MAY_NOT_IMPORT = ("functions", "infra", "local_stack", "tools", "tests")

# Storage knows storage: the data-access layer implements the ports and never reaches for a rule of
# the use cases (a value it needs, such as a case's next due date, is handed in); the extracts read
# and write through their ports (tracker.extracts.ports), which the composition root fills with dal's
# stores, never through dal itself.
STORAGE = LAYER / "dal"
# The contracts it implements, and the cursor codec it builds from the signing secret.
STORAGE_MAY_USE_OF_LOGIC = ("tracker.logic.ports", "tracker.logic.cursor")
STORAGE_MAY_NOT_IMPORT = ("tracker.logic", "tracker.api", "tracker.web", "tracker.extracts")
EXTRACTS = LAYER / "extracts"
EXTRACTS_MAY_NOT_IMPORT = ("tracker.dal",)
# The stream's records decoded where item keys are known: the publisher takes a decoded change, the
# redrive the case a failed record's keys name.
EXTRACTS_MAY_USE_OF_DAL = ("tracker.dal.case_stream",)
# The composition root builds and hands out; only the functions' handlers (outside the layer) ask it.
COMPOSITION = "tracker.composition"


def _modules(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return found


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _module_name(path: Path) -> str:
    parts = path.relative_to(LAYER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


LAYER_MODULES = {_module_name(path): path for path in _modules([LAYER])}


def _layer_imports(path: Path) -> set[str]:
    """The layer's modules ``path`` imports, wherever the import stands (inside a function, under
    TYPE_CHECKING): ``from tracker.web import pages`` imports tracker.web.pages, not only tracker.web."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                module = alias.name
                while module and module not in LAYER_MODULES:
                    module = module.rpartition(".")[0]
                found.add(module)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in LAYER_MODULES else base)
    return {module for module in found if module in LAYER_MODULES} - {name}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every set of modules that import one another in a loop (Tarjan's strongly connected
    components of more than one module)."""
    order: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = lowest[module] = len(order)
        stack.append(module)
        for imported in sorted(graph[module]):
            if imported not in order:
                visit(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in stack:
                lowest[module] = min(lowest[module], order[imported])
        if lowest[module] == order[module]:
            component = stack[stack.index(module) :]
            del stack[stack.index(module) :]
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return circles


def _breaks(imported: str, forbidden: tuple[str, ...]) -> bool:
    return any(imported == name or imported.startswith(f"{name}.") for name in forbidden)


@pytest.mark.parametrize("module", _modules(DOMAIN), ids=lambda path: str(path.relative_to(LAYER)))
def test_the_domain_speaks_neither_http_nor_dynamodb(module: Path) -> None:
    assert not {name for name in _imports(module) if _breaks(name, DOMAIN_MAY_NOT_IMPORT)}


@pytest.mark.parametrize("module", _modules([LAYER]), ids=lambda path: str(path.relative_to(LAYER)))
def test_the_shipped_layer_imports_nothing_from_outside_it(module: Path) -> None:
    assert not {name for name in _imports(module) if _breaks(name, SHIPPED_MAY_NOT_IMPORT)}


@pytest.mark.parametrize("module", _modules([STORAGE]), ids=lambda path: str(path.relative_to(LAYER)))
def test_storage_imports_no_use_case_rule(module: Path) -> None:
    imported = {name for name in _imports(module) if _breaks(name, STORAGE_MAY_NOT_IMPORT)}
    assert {name for name in imported if not _breaks(name, STORAGE_MAY_USE_OF_LOGIC)} == set()


@pytest.mark.parametrize("module", _modules([EXTRACTS]), ids=lambda path: str(path.relative_to(LAYER)))
def test_extracts_reach_storage_only_through_their_ports(module: Path) -> None:
    """No item shape, key or concrete store: a store is handed in as the port it implements."""
    imported = {name for name in _imports(module) if _breaks(name, EXTRACTS_MAY_NOT_IMPORT)}
    assert {name for name in imported if not _breaks(name, EXTRACTS_MAY_USE_OF_DAL)} == set()


def test_the_layer_imports_in_no_circle() -> None:
    """No module reaches itself through its imports, counting those inside functions: an import
    moved into a function hides a circle from Python, not from the reader."""
    graph = {name: _layer_imports(path) for name, path in LAYER_MODULES.items()}
    circles = _circles(graph)
    assert {
        ", ".join(circle): {m: sorted(graph[m] & set(circle)) for m in circle} for circle in circles
    } == {}


def test_a_circle_is_found_however_deep_the_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize(
    "module",
    [path for path in _modules([LAYER]) if _module_name(path) != COMPOSITION],
    ids=lambda path: str(path.relative_to(LAYER)),
)
def test_only_the_handlers_ask_the_composition_root(module: Path) -> None:
    """The composition root builds what each part needs and hands it in: nothing in the layer
    imports it back (the functions' handlers, outside the layer, are its only callers)."""
    assert COMPOSITION not in _layer_imports(module)


def test_one_loop_pages_every_query() -> None:
    """DynamoDB's paging (LastEvaluatedKey) is followed in one helper; every Query goes through it."""
    pagers = [
        str(path.relative_to(LAYER))
        for path in _modules([LAYER])
        if "LastEvaluatedKey" in path.read_text(encoding="utf-8")
    ]
    assert pagers == ["dal/paging.py"]


@pytest.mark.parametrize("package", [LAYER / "logic", STORAGE, EXTRACTS], ids=lambda path: path.name)
def test_each_helper_has_one_home_in_its_layer(package: Path) -> None:
    """A module-level function name is defined once per layer: a second copy drifts from the first."""
    homes: dict[str, list[str]] = {}
    for module in _modules([package]):
        for node in ast.parse(module.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef):
                homes.setdefault(node.name, []).append(module.name)
    assert {name: files for name, files in homes.items() if len(files) > 1} == {}


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = [
        str(path.relative_to(LAYER))
        for path in _modules([LAYER])
        if "os.environ" in path.read_text(encoding="utf-8") or "getenv" in path.read_text(encoding="utf-8")
    ]
    assert readers == ["settings.py"]


@pytest.mark.subprocess
def test_the_repository_refers_to_nothing_outside_it() -> None:
    """A user who clones the project has only the project: no pointers to files beyond it."""
    needles = ["DESIGN" + ".md", "../" + "shared", "the " + "brief"]
    tracked = subprocess.run(
        ["git", "ls-files"],  # noqa: S607 - git from PATH, as developers run it
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    offenders = []
    for name in tracked:
        path = ROOT / name
        if not path.is_file() or path.suffix in {".lock", ".png", ".woff2"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        offenders += [f"{name}: {needle}" for needle in needles if needle.lower() in text.lower()]
    assert offenders == []


# Who may do what is the access policy's to answer: nothing else compares a caller's role.
ACCESS_POLICY = LAYER / "access.py"
ROLE_COMPARISONS_THAT_MUST_STAY: dict[Path, str] = {}
"""Modules outside the access policy that may still compare a role, each with its reason."""
COMPARING = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot, ast.In, ast.NotIn)
TEMPLATES = LAYER / "web" / "templates"
ROLE_VALUES = frozenset(role.value for role in Role)
# A template asks what the page was handed (may_record, the caller's offers), never the role.
# Any use of a role in a template but showing it: Role.X, a role (or its .value, or piped through a
# filter) compared, or a role's value written as a string.
TEMPLATE_ROLE_TEST = re.compile(
    r"\bRole\.|\brole(\.value)?(\s*\|\s*\w+)?\s*(==|!=|\bis\b|\bin\b|\bnot\b)"
    r"|[\"'](" + "|".join(sorted(ROLE_VALUES)) + r")[\"']"
)


STRING_TESTS = frozenset({"startswith", "endswith", "__eq__", "__contains__"})


def _names_a_role(node: ast.expr) -> bool:
    """``Role.X``, ``something.role`` (or its ``.value``, ``str()`` of it, a method called on it), a
    variable named ``role`` or ``*_role``, a role's value written as a string, or a tuple, list or
    set of them."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_names_a_role(element) for element in node.elts)
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value in ROLE_VALUES
    if isinstance(node, ast.Name):
        return node.id == "role" or node.id.endswith("_role")
    if isinstance(node, ast.Call):
        function = node.func
        if isinstance(function, ast.Name) and function.id == "str":
            return any(_names_a_role(argument) for argument in node.args)
        return isinstance(function, ast.Attribute) and _names_a_role(function.value)
    if not isinstance(node, ast.Attribute):
        return False
    if node.attr == "value":
        return _names_a_role(node.value)
    return node.attr == "role" or (isinstance(node.value, ast.Name) and node.value.id == "Role")


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def role_comparisons(source: str) -> list[int]:
    """The lines of ``source`` deciding by a role: a comparison (==, !=, is, is not, in, not in;
    but with None), a ``match`` on a role or with role cases, a mapping keyed by role, or a lookup
    by role (``.get(caller.role)``, ``table[caller.role]``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = (node.left, *node.comparators)
            if (
                any(isinstance(op, COMPARING) for op in node.ops)
                and any(_names_a_role(operand) for operand in operands)
                and not any(_is_none(operand) for operand in operands)
            ):
                found.add(node.lineno)
        elif isinstance(node, ast.Match):
            patterns = [case.pattern for case in node.cases]
            values = [
                p.value for pattern in patterns for p in ast.walk(pattern) if isinstance(p, ast.MatchValue)
            ]
            if _names_a_role(node.subject) or any(_names_a_role(value) for value in values):
                found.add(node.lineno)
        elif isinstance(node, ast.Dict):
            if any(key is not None and _names_a_role(key) for key in node.keys):
                found.add(node.lineno)
        elif isinstance(node, ast.Subscript) and _names_a_role(node.slice):
            found.add(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            by_role = node.func.attr == "get" and any(_names_a_role(argument) for argument in node.args)
            tests_a_role = node.func.attr in STRING_TESTS and _names_a_role(node.func.value)
            if by_role or tests_a_role:
                found.add(node.lineno)
    return sorted(found)


@pytest.mark.parametrize(
    "module",
    [path for path in _modules([LAYER, ROOT / "functions"]) if path != ACCESS_POLICY],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_only_the_access_policy_compares_a_role(module: Path) -> None:
    """Which fields a caller may change, whether it may record a case or see the overview: the
    access policy answers; the API, the web pages and their forms ask it."""
    found = role_comparisons(module.read_text(encoding="utf-8"))
    if module in ROLE_COMPARISONS_THAT_MUST_STAY:
        assert found, f"{module.name} compares no role now: take it off the list"
    else:
        assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "caller.role is Role.ICB_EDITOR",
        "caller.role is not Role.PROVIDER",
        "x = role == Role.REGIONAL",
        "ok = caller.role in (Role.REGIONAL, Role.NATIONAL)",
        "ok = Role.NATIONAL != self.caller.role",
        "ok = caller.role not in {Role.PROVIDER}",
        'ok = caller.role.value == "icb_editor"',
        'ok = role == "regional"',
        'ok = str(caller.role) == "national"',
        'ok = caller.role.startswith("icb")',
        "limit = {Role.NATIONAL: 1}.get(x)",
        "limit = limits.get(caller.role)",
        "limit = limits[caller.role]",
        "match caller.role:\n    case Role.NATIONAL:\n        pass",
        "match x:\n    case Role.NATIONAL:\n        pass",
    ],
)
def test_a_role_comparison_is_found_in_every_form(source: str) -> None:
    assert role_comparisons(source) == [1]


@pytest.mark.parametrize(
    "source",
    ["role = Role(claim)", "text = caller.role.value", "key = [caller.role.value, caller.org]", "a == b"],
)
def test_naming_or_building_a_role_is_no_comparison(source: str) -> None:
    assert role_comparisons(source) == []


@pytest.mark.parametrize(
    "line",
    [
        "{% if caller.role == x %}",
        "{% if caller.role.value == 'regional' %}",
        "{% if caller.role|string == x %}",
        "{% if role in allowed %}",
        '{% if kind == "national" %}',
        "{{ Role.NATIONAL }}",
    ],
)
def test_a_role_test_in_a_template_is_found_in_every_form(line: str) -> None:
    assert TEMPLATE_ROLE_TEST.search(line)


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda path: path.name)
def test_no_template_compares_a_role(template: Path) -> None:
    lines = template.read_text(encoding="utf-8").splitlines()
    assert [line.strip() for line in lines if TEMPLATE_ROLE_TEST.search(line)] == []


HTTP_WORDS = ("If-Match", "Idempotency-Key", "Content-Type", "application/json", "header", "status_code")


@pytest.mark.parametrize("module", _modules(DOMAIN), ids=lambda path: str(path.relative_to(LAYER)))
def test_the_domain_names_no_header_media_type_or_status(module: Path) -> None:
    """Entry points say where a command's parts came from; the domain names them in its own words."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    strings = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]
    assert [text for text in strings if any(word in text for word in HTTP_WORDS)] == []
