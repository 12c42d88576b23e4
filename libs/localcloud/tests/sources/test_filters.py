"""Lambda filter criteria: the EventBridge pattern syntax, matched against one record."""

from __future__ import annotations

import json

import pytest

from localcloud.sources.filters import InvalidPattern, kinesis_filter_view, matches, matches_any

TTL_REMOVE = {
    "eventName": "REMOVE",
    "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
    "dynamodb": {"Keys": {"id": {"S": "b-1"}}, "OldImage": {"left": {"N": "3"}}},
}


def test_a_ttl_pattern_passes_ttl_removes_and_nothing_else() -> None:
    pattern = {"eventName": ["REMOVE"], "userIdentity": {"principalId": ["dynamodb.amazonaws.com"]}}
    ordinary_delete = {key: value for key, value in TTL_REMOVE.items() if key != "userIdentity"}

    assert matches(pattern, TTL_REMOVE)
    assert not matches(pattern, ordinary_delete)
    assert not matches(pattern, {**TTL_REMOVE, "eventName": "MODIFY"})


def test_no_patterns_let_every_record_through_and_several_patterns_are_alternatives() -> None:
    assert matches_any((), {"anything": 1})
    assert matches_any(({"a": [1]}, {"b": [2]}), {"b": 2})
    assert not matches_any(({"a": [1]}, {"b": [2]}), {"a": 2, "b": 1})


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ({"prefix": "ham"}, "hamster", True),
        ({"prefix": "ham"}, "bacon", False),
        ({"suffix": ".csv"}, "in/a.csv", True),
        ({"suffix": ".csv"}, "in/a.txt", False),
        ({"equals-ignore-case": "Ham"}, "HAM", True),
        ({"wildcard": "in/*.csv"}, "in/day/1.csv", True),
        ({"wildcard": "in/?.csv"}, "in/a.csv", False),  # only * is a wildcard
        ({"anything-but": ["ham", "egg"]}, "cheese", True),
        ({"anything-but": ["ham", "egg"]}, "ham", False),
        ({"anything-but": {"prefix": "test-"}}, "test-1", False),
        ({"numeric": [">", 0, "<=", 5]}, 5, True),
        ({"numeric": [">", 0, "<=", 5]}, 0, False),
        ({"numeric": [">", 0]}, "7", False),  # numbers only
        ({"cidr": "10.0.0.0/24"}, "10.0.0.7", True),
        ({"cidr": "10.0.0.0/24"}, "10.0.1.7", False),
    ],
)
def test_content_filters(rule: dict[str, object], value: object, expected: bool) -> None:
    assert matches({"field": [rule]}, {"field": value}) is expected


def test_exists_tells_a_missing_field_from_a_present_one() -> None:
    assert matches({"a": [{"exists": True}]}, {"a": None})
    assert not matches({"a": [{"exists": True}]}, {"b": 1})
    assert matches({"a": [{"exists": False}]}, {"b": 1})


def test_literals_compare_by_type_and_arrays_match_on_any_element() -> None:
    assert matches({"n": [1]}, {"n": 1.0})
    assert not matches({"n": [1]}, {"n": True})
    assert not matches({"s": ["1"]}, {"s": 1})
    assert matches({"v": [None]}, {"v": None})
    assert matches({"tags": ["red"]}, {"tags": ["blue", "red"]})
    assert not matches({"a": []}, {"a": "x"})


def test_or_takes_the_first_alternative_that_matches() -> None:
    pattern = {"$or": [{"kind": ["scan"]}, {"priority": [{"numeric": [">", 5]}]}]}

    assert matches(pattern, {"kind": "scan"})
    assert matches(pattern, {"kind": "noise", "priority": 9})
    assert not matches(pattern, {"kind": "noise", "priority": 1})


def test_a_malformed_pattern_is_refused_with_its_reason() -> None:
    with pytest.raises(InvalidPattern, match="object or a list"):
        matches({"a": "REMOVE"}, {"a": "REMOVE"})
    with pytest.raises(InvalidPattern, match="unknown filter operator"):
        matches({"a": [{"regex": ".*"}]}, {"a": "x"})


def test_kinesis_data_is_matched_as_json_and_data_that_is_not_json_never_matches() -> None:
    pattern = {"data": {"kind": ["scan"]}}
    record = {"eventName": "aws:kinesis:record", "kinesis": {"data": "..."}}

    assert matches(pattern, kinesis_filter_view(record, json.dumps({"kind": "scan"}).encode()))
    assert not matches(pattern, kinesis_filter_view(record, b"kind=scan"))
    assert not matches(pattern, kinesis_filter_view(record, b"\xff\xfe"))
