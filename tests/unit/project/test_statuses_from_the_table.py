"""The web app and the API answer a refusal with the status the one error table gives it
(``tracker.error_statuses``): neither writes a 4xx status of its own."""

import ast
from http import HTTPStatus
from pathlib import Path

import pytest

LAYER = Path(__file__).resolve().parents[3] / "layers" / "shared" / "tracker"
ANSWERING = [LAYER / "web", LAYER / "api"]
# API Gateway's own answers (tracker.auth.gateway_responses) are not domain refusals: each stands for
# a gateway response type, in its own table, so the auth package is not checked.

STATUS_LITERALS_TO_GO: dict[str, str] = {}
"""Modules that still write a 4xx status, each with what should replace it; the test fails once one
writes none, so that the list only shrinks."""


def status_literals(source: str) -> list[tuple[int, int]]:
    """(line, status) of every 4xx status written in ``source``: a whole number from 400 to 499, or
    an ``HTTPStatus`` member of that class. Docstrings and comments hold no numbers the AST sees."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and type(node.value) is int and 400 <= node.value <= 499:
            found.append((node.lineno, node.value))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "HTTPStatus"
            and node.attr in HTTPStatus.__members__
            and 400 <= HTTPStatus[node.attr] <= 499
        ):
            found.append((node.lineno, int(HTTPStatus[node.attr])))
    return sorted(found)


def _modules() -> list[Path]:
    return sorted(path for folder in ANSWERING for path in folder.rglob("*.py"))


@pytest.mark.parametrize("module", _modules(), ids=lambda path: str(path.relative_to(LAYER)))
def test_no_refusal_status_is_written_outside_the_error_table(module: Path) -> None:
    found = status_literals(module.read_text(encoding="utf-8"))
    name = str(module.relative_to(LAYER))
    if name in STATUS_LITERALS_TO_GO:
        assert found, f"{name} writes no 4xx status now: take it off STATUS_LITERALS_TO_GO"
    else:
        assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "page = self.render(context, errors, 422)",
        "return WebResponse(status=409)",
        "STATUS = HTTPStatus.PRECONDITION_FAILED",
        "responses = {404: described}",
    ],
)
def test_a_written_status_is_found(source: str) -> None:
    assert len(status_literals(source)) == 1


@pytest.mark.parametrize(
    "source",
    [
        '"""Refused with 422."""',
        "# answered 409",
        "status = kind_of(error).status",
        "size = 512 * 1024",
        "code = HTTPStatus.OK",
        "redirect(url, 303)",
    ],
)
def test_what_is_not_a_written_refusal_status_is_not_found(source: str) -> None:
    assert status_literals(source) == []
