"""JSON merge patch against the examples of RFC 7396 (appendix A), and the target left untouched."""

import copy
from typing import Any

import pytest

from tracker.logic.merge_patch import apply_merge_patch

RFC_7396_EXAMPLES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "expected"), RFC_7396_EXAMPLES)
def test_rfc_7396_examples(target: Any, patch: Any, expected: Any) -> None:
    assert apply_merge_patch(target, patch) == expected


def test_removing_a_member_that_is_not_there_changes_nothing() -> None:
    assert apply_merge_patch({"a": 1}, {"b": None}) == {"a": 1}


def test_false_zero_and_empty_values_are_set_not_removed() -> None:
    patch = {"a": False, "b": 0, "c": "", "d": [], "e": {}}
    assert apply_merge_patch({"a": True, "b": 1, "c": "x", "d": [1], "e": {"f": 1}}, patch) == {
        "a": False,
        "b": 0,
        "c": "",
        "d": [],
        "e": {"f": 1},
    }


def test_the_target_and_the_patch_are_left_untouched() -> None:
    target = {"a": {"b": "c", "d": ["e"]}, "f": "g"}
    patch = {"a": {"b": None, "x": {"y": "z"}}, "f": None}
    target_before, patch_before = copy.deepcopy(target), copy.deepcopy(patch)
    result = apply_merge_patch(target, patch)
    assert result == {"a": {"d": ["e"], "x": {"y": "z"}}}
    assert target == target_before
    assert patch == patch_before
    assert result["a"] is not target["a"]
