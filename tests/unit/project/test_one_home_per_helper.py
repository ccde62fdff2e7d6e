"""One definition of each helper and constant in the shared layer: a second copy drifts from the first."""

import ast
from pathlib import Path

from pydantic import BaseModel

from tracker.logic.cases import response_bytes

LAYER = Path(__file__).resolve().parents[3] / "layers" / "shared" / "tracker"

SAME_NAME_ON_PURPOSE = {
    # The composition root hands out what tracker.reference loads (it calls it, it does not copy it).
    "reference_data": ["composition.py", "reference.py"],
    # Each module warms its own part for SnapStart (the tracer; the templates): same role, other work.
    "warm": ["observability.py", "web/rendering.py"],
}


def _layer_modules() -> list[Path]:
    return sorted(path for path in LAYER.rglob("*.py") if "__pycache__" not in path.parts)


def test_a_module_level_function_has_one_home_in_the_layer() -> None:
    homes: dict[str, list[str]] = {}
    for module in _layer_modules():
        for node in ast.parse(module.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                homes.setdefault(node.name, []).append(str(module.relative_to(LAYER)))
    twins = {name: files for name, files in homes.items() if len(files) > 1}
    assert twins == SAME_NAME_ON_PURPOSE


def _string_literals(module: Path) -> list[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_the_problem_media_type_is_written_once() -> None:
    writers = [
        str(module.relative_to(LAYER))
        for module in _layer_modules()
        if "application/problem+json" in _string_literals(module)
    ]
    assert writers == ["error_statuses.py"]


class _Item(BaseModel):
    text: str
    note: str | None = None


def test_a_web_page_and_an_api_page_measure_a_response_body_alike() -> None:
    """The web app's page budget and the API's page budget count bytes with one helper."""
    from tracker.response_size import carried_bytes  # the helper's one home

    item = _Item(text='a "quoted" back\\slash, a line\nbreak, é and 😀')
    from tracker.web import case_pages, paging

    assert case_pages.carried_bytes is paging.carried_bytes is carried_bytes
    # The API writes an item (without nulls) followed by a comma: one byte more than its JSON alone.
    assert response_bytes(item) == carried_bytes(item.model_dump_json(exclude_none=True)) + 1
