"""The sign-in pages' statuses come from the one error table (tracker/error_statuses.py), as every
other refusal's do: the web app writes no status number of its own for them."""

import ast
import inspect

from tracker.error_statuses import ERROR_KINDS
from tracker.errors import NotAllowed, UnreadableInput
from tracker.web import app

REFUSAL_STATUSES = {kind.status for kind in ERROR_KINDS.values()}


def test_the_web_app_writes_no_refusal_status_by_number() -> None:
    tree = ast.parse(inspect.getsource(app))
    written = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and type(node.value) is int and node.value in REFUSAL_STATUSES
    ]
    assert written == []


def test_a_failed_sign_in_is_a_bad_request_and_a_person_not_admitted_is_forbidden() -> None:
    assert app.SIGN_IN_FAILED_STATUS == ERROR_KINDS[UnreadableInput].status == 400
    assert app.NOT_ADMITTED_STATUS == ERROR_KINDS[NotAllowed].status == 403
