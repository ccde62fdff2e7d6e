"""docs/importing.md shows the template's columns as the field catalogue gives them today."""

from pathlib import Path

from tracker.imports.columns import COLUMNS
from tracker.imports.template import columns_markdown

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "importing.md"
START = "<!-- the template's columns: generated from the field catalogue"
END = "<!-- end of the template's columns -->"


def test_the_guide_lists_the_templates_columns_as_the_catalogue_gives_them() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("\n", text.index(START)) + 1
    shown = text[start : text.index(END)]
    assert shown == columns_markdown(), (
        "regenerate the table with tracker.imports.template.columns_markdown()"
    )
    for column in COLUMNS:
        assert f"| {column.label} | `{column.name}` |" in shown
