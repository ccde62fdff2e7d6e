"""The OpenAPI document declares every query parameter GET /cases reads, each with what it accepts
(the filters behind the overview's figures, issue 20, among them)."""

import json
import re
from typing import Any

from tracker.api.openapi_document import DOCUMENT_PATH
from tracker.api.requests import FIGURE_PARAMETERS, LIST_PARAMETERS


def _list_parameters() -> dict[str, dict[str, Any]]:
    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    parameters = document["paths"]["/cases"]["get"]["parameters"]
    return {parameter["name"]: parameter for parameter in parameters if parameter["in"] == "query"}


def test_every_parameter_the_list_reads_is_documented_with_a_schema() -> None:
    documented = _list_parameters()
    assert set(documented) == set(LIST_PARAMETERS)
    assert all("schema" in parameter for parameter in documented.values())


def test_the_figure_filters_say_what_they_mean() -> None:
    documented = _list_parameters()
    for name in FIGURE_PARAMETERS:
        assert documented[name].get("description"), name
        assert documented[name]["required"] is False
    assert documented["theme"]["schema"] == {"$ref": "#/components/schemas/Theme"}
    owner = re.compile(documented["recommendationOwner"]["schema"]["pattern"])
    # Any ODS code, a dropped trust's among them, and NONE; nothing else.
    assert all(owner.fullmatch(code) for code in ("RXX", "ZZZ99", "NONE"))
    assert not any(owner.fullmatch(code) for code in ("rxx", "R-X1", "TOOLONG"))
