"""The overview's charts as drawn: every bar segment 3:1 against what it touches (WCAG 1.4.11),
text 4.5:1 (1.4.3), every label whole and inside the chart, and counts in words that agree with
their number ("1 case", never "1 cases")."""

import re
from datetime import UTC, date, datetime
from html import unescape

import pytest

from tests.unit.web.conftest import NATIONAL, REGIONAL, Harness
from tracker.extracts.summary import SnapshotSummary, SummaryCount

NON_TEXT_MINIMUM = 3.0
TEXT_MINIMUM = 4.5
# A wide glyph's advance at the chart's 14px: well above the average letter of any sans-serif.
WIDEST_AVERAGE_CHARACTER_PX = 14 * 0.6

CHART = re.compile(r"<figure class=\"app-chart\">\s*(<svg\b.*?</svg>)", re.S)
RECT = re.compile(r"<rect\b([^>]*)>")
TEXT = re.compile(r"<text\b([^>]*)>(.*?)</text>", re.S)
TSPAN = re.compile(r"<tspan\b([^>]*)>(.*?)</tspan>", re.S)
ATTRIBUTE = re.compile(r'([A-Za-z-]+)="([^"]*)"')


def relative_luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB colour written #rrggbb."""
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", colour), colour
    channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_ratio_is_wcags() -> None:
    # The figures WCAG's own examples give: black on white, and the NHS blue on white.
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#d5281b", "#005eb8") == pytest.approx(1.26, abs=0.01)  # the figure


def summary(*counts: tuple[str, str, int, int]) -> SnapshotSummary:
    return SnapshotSummary(
        snapshotDate=date(2026, 11, 26),
        generatedAt=datetime(2026, 11, 26, 2, 0, tzinfo=UTC),
        counts=[
            SummaryCount(
                icbCode=icb,
                regionCode=region,
                reviewType="CSPR",
                status="OPEN",
                cases=cases,
                overdueCases=overdue,
            )
            for icb, region, cases, overdue in counts
        ],
    )


# QOX has the longest ICB name (83 characters with its code); the national team sees every region.
MIXED = summary(("QE1", "Y62", 7, 2), ("QOP", "Y62", 4, 4), ("QOX", "Y58", 9, 0), ("QMJ", "Y56", 1, 1))


def charts(web: Harness, figures: SnapshotSummary = MIXED) -> list[str]:
    web.summary[0] = figures
    page = web.request("GET", "/app/overview", caller=NATIONAL)
    assert page.status == 200
    found = CHART.findall(page.body)
    assert len(found) == 3
    return found


def attributes(text: str) -> dict[str, str]:
    return dict(ATTRIBUTE.findall(text))


def test_every_segment_contrasts_3_to_1_with_the_background_and_what_it_touches(web: Harness) -> None:
    for svg in charts(web):
        rects = [attributes(found) for found in RECT.findall(svg)]
        background, segments = rects[0], rects[1:]
        width, height = svg_size(svg)
        # The first shape is the chart's own background, over the whole chart.
        assert (float(background["x"]), float(background["y"])) == (0, 0)
        assert (float(background["width"]), float(background["height"])) == (width, height)
        assert segments
        for segment in segments:
            ratio = contrast(segment["fill"], background["fill"])
            assert ratio >= NON_TEXT_MINIMUM, (segment, ratio)
        for first in segments:
            for second in segments:
                if first is not second and touch(first, second):
                    ratio = contrast(first["fill"], second["fill"])
                    assert ratio >= NON_TEXT_MINIMUM, (first, second, ratio)


def test_text_contrasts_4_5_to_1_with_the_background(web: Harness) -> None:
    for svg in charts(web):
        background = attributes(RECT.findall(svg)[0])["fill"]
        for found, _ in TEXT.findall(svg):
            ratio = contrast(attributes(found)["fill"], background)
            assert ratio >= TEXT_MINIMUM, ratio


def test_every_label_is_whole_and_inside_the_chart(web: Harness) -> None:
    by_icb = charts(web)[0]
    width, _ = svg_size(by_icb)
    lines = []
    for found, content in TEXT.findall(by_icb):
        x = float(attributes(found)["x"])
        spans = TSPAN.findall(content) or [(found, content)]
        for span, words in spans:
            line = unescape(words).strip()
            lines.append(line)
            span_x = float(attributes(span).get("x", x))
            assert span_x >= 0
            assert span_x + len(line) * WIDEST_AVERAGE_CHARACTER_PX <= width, line
    drawn = " ".join(lines)
    assert "…" not in drawn
    longest = "NHS Bath and North East Somerset, Swindon and Wiltshire Integrated Care Board (QOX)"
    assert longest in drawn


def test_counts_agree_with_their_number(web: Harness) -> None:
    web.summary[0] = summary(("QE1", "Y62", 1, 1))
    page = web.request("GET", "/app/overview", caller=REGIONAL)
    text = re.sub(r"\s+", " ", unescape(page.body))

    assert "1 case, 1 overdue" in text
    assert "1 cases" not in text

    web.summary[0] = summary(("QE1", "Y62", 2, 0))
    text = re.sub(r"\s+", " ", unescape(web.request("GET", "/app/overview", caller=REGIONAL).body))
    assert "2 cases, none overdue" in text


def svg_size(svg: str) -> tuple[float, float]:
    view_box = attributes(re.match(r"<svg\b([^>]*)>", svg).group(1))["viewBox"]  # type: ignore[union-attr]
    _, _, width, height = (float(part) for part in view_box.split())
    return width, height


def touch(first: dict[str, str], second: dict[str, str]) -> bool:
    """Whether two rectangles overlap or share an edge (no background between them)."""

    def span(rect: dict[str, str], start: str, size: str) -> tuple[float, float]:
        return float(rect[start]), float(rect[start]) + float(rect[size])

    (ax0, ax1), (bx0, bx1) = span(first, "x", "width"), span(second, "x", "width")
    (ay0, ay1), (by0, by1) = span(first, "y", "height"), span(second, "y", "height")
    return ax0 <= bx1 and bx0 <= ax1 and ay0 <= by1 and by0 <= ay1
