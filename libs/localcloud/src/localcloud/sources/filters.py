"""Lambda event filtering: the EventBridge pattern syntax matched against one record.

A record passes when any of the source's patterns matches it (no patterns: every record passes). The
syntax is the one Lambda documents under "Filter rule syntax": a value list (``["REMOVE"]``), ``prefix``,
``suffix``, ``equals-ignore-case``, ``wildcard``, ``anything-but``, ``numeric``, ``exists``, ``cidr``
and ``$or``. A field whose value is an array matches when any element does.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
from collections.abc import Mapping, Sequence
from typing import Any

_MISSING = object()

_NUMERIC_OPERATORS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class InvalidPattern(ValueError):
    pass


def matches_any(patterns: Sequence[Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    """True when ``record`` passes the filter criteria made of ``patterns`` (none: everything passes)."""
    return not patterns or any(matches(pattern, record) for pattern in patterns)


def matches(pattern: Mapping[str, Any], record: Any) -> bool:
    if not isinstance(pattern, Mapping):
        raise InvalidPattern(f"a pattern is a JSON object, not {pattern!r}")
    for key, expected in pattern.items():
        if key == "$or":
            if not isinstance(expected, list) or not any(matches(alternative, record) for alternative in expected):
                return False
            continue
        value = record.get(key, _MISSING) if isinstance(record, Mapping) else _MISSING
        if isinstance(expected, Mapping):
            if value is _MISSING or not matches(expected, value):
                return False
        elif isinstance(expected, list):
            if not _field_matches(expected, value):
                return False
        else:
            raise InvalidPattern(f"the pattern for {key!r} must be an object or a list of rules, not {expected!r}")
    return True


def kinesis_filter_view(record: Mapping[str, Any], data: bytes) -> dict[str, Any]:
    """Kinesis filters match the ``data`` key as JSON; data that is not JSON never matches a rule on it."""
    view = dict(record)
    try:
        view["data"] = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        view.pop("data", None)
    return view


def _field_matches(rules: list[Any], value: Any) -> bool:
    # An empty rule list matches nothing, as in EventBridge.
    for rule in rules:
        if isinstance(rule, Mapping) and "exists" in rule:
            if bool(rule["exists"]) == (value is not _MISSING):
                return True
            continue
        if value is _MISSING:
            continue
        candidates = value if isinstance(value, list) else [value]
        if any(_rule_matches(rule, candidate) for candidate in candidates):
            return True
    return False


def _rule_matches(rule: Any, value: Any) -> bool:
    if not isinstance(rule, Mapping):
        # A literal: strings, numbers, booleans and null compare by value (1 and 1.0 are equal).
        if isinstance(rule, bool) or isinstance(value, bool):
            return rule is value
        return rule == value
    if len(rule) != 1:
        raise InvalidPattern(f"a rule has exactly one operator: {dict(rule)!r}")
    ((operator, operand),) = rule.items()
    if operator == "prefix":
        return _string_rule(operand, value, lambda text, part: text.startswith(part))
    if operator == "suffix":
        return _string_rule(operand, value, lambda text, part: text.endswith(part))
    if operator == "equals-ignore-case":
        return isinstance(value, str) and isinstance(operand, str) and value.casefold() == operand.casefold()
    if operator == "wildcard":
        return isinstance(value, str) and fnmatch.fnmatchcase(value, _only_star_is_wild(str(operand)))
    if operator == "anything-but":
        return _anything_but(operand, value)
    if operator == "numeric":
        return _numeric(operand, value)
    if operator == "cidr":
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(operand, strict=False)
        except ValueError:
            return False
    raise InvalidPattern(f"unknown filter operator {operator!r}")


def _only_star_is_wild(pattern: str) -> str:
    return pattern.replace("[", "[[]").replace("?", "[?]")


def _string_rule(operand: Any, value: Any, test: Any) -> bool:
    if isinstance(operand, Mapping) and "equals-ignore-case" in operand:
        part = operand["equals-ignore-case"]
        return isinstance(value, str) and test(value.casefold(), str(part).casefold())
    return isinstance(value, str) and isinstance(operand, str) and test(value, operand)


def _anything_but(operand: Any, value: Any) -> bool:
    if isinstance(operand, Mapping):
        return not _rule_matches(operand, value)
    excluded = operand if isinstance(operand, list) else [operand]
    return not any(_rule_matches(item, value) for item in excluded)


def _numeric(operand: Any, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if not isinstance(operand, list) or len(operand) % 2:
        raise InvalidPattern(f"numeric takes operator/number pairs: {operand!r}")
    for operator, number in zip(operand[::2], operand[1::2], strict=True):
        if operator not in _NUMERIC_OPERATORS:
            raise InvalidPattern(f"unknown numeric operator {operator!r}")
        if not _NUMERIC_OPERATORS[operator](value, number):
            return False
    return True
