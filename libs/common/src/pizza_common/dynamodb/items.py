"""DynamoDB items to and from plain Python values, with boto3's own serializers.

Numbers come back as ``int`` when they are whole (quantities, versions, epochs) and ``Decimal``
otherwise; floats are refused going in, as DynamoDB would lose their precision silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

__all__ = ["from_item", "to_item", "to_value"]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_value(value: Any) -> dict[str, Any]:
    """One Python value as a DynamoDB attribute value (``{"N": "3"}``)."""
    return _serializer.serialize(value)


def to_item(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A mapping of Python values as a DynamoDB item; ``None`` values are left out."""
    return {name: to_value(value) for name, value in values.items() if value is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    if isinstance(value, set):
        return {_plain(inner) for inner in value}
    return value


def from_item(item: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A DynamoDB item (or stream image) as plain Python values."""
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}
