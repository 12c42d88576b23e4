"""What a write gave, as values to match on instead of ``ClientError`` codes to parse.

A cancelled transaction says, per item in the order they were sent, why: :class:`Passed` (this item was
fine; another one cancelled it), :class:`ConditionFailed` (with the item as it was, when asked for),
:class:`Conflicted` (another transaction or write was on the item), :class:`Throttled`, or
:class:`Refused` (anything else DynamoDB names: a validation error, an item too large...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pizza_common.dynamodb.items import from_item

__all__ = [
    "Cancelled",
    "Committed",
    "ConditionFailed",
    "Conflicted",
    "ItemOutcome",
    "Passed",
    "Refused",
    "Throttled",
    "Written",
    "item_outcome",
]


@dataclass(frozen=True)
class Passed:
    """This item's condition held (reason ``None``): the transaction was cancelled for another item."""


@dataclass(frozen=True)
class ConditionFailed:
    """The item's condition did not hold. ``old``: the item as it was (plain values), if it was asked for
    (``old_on_failure``) and existed; None otherwise."""

    old: dict[str, Any] | None = None


@dataclass(frozen=True)
class Conflicted:
    """Another transaction, or a write inside one, was on this item (``TransactionConflict``): retry."""


@dataclass(frozen=True)
class Throttled:
    """The item's partition or table was over its throughput (``ThrottlingError``, ...): retry."""

    code: str = "ThrottlingError"


@dataclass(frozen=True)
class Refused:
    """Any other reason DynamoDB gives (``ValidationError``, ``ItemCollectionSizeLimitExceeded``): a bug to
    see, never retried."""

    code: str
    message: str = ""


ItemOutcome = Passed | ConditionFailed | Conflicted | Throttled | Refused

_THROTTLED = {"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}


def item_outcome(reason: Mapping[str, Any]) -> ItemOutcome:
    """One entry of ``CancellationReasons`` as a typed outcome (the one place in the repo that reads them)."""
    code = reason.get("Code") or "None"
    if code == "None":
        return Passed()
    if code == "ConditionalCheckFailed":
        old = reason.get("Item")
        return ConditionFailed(from_item(old) if old else None)
    if code == "TransactionConflict":
        return Conflicted()
    if code in _THROTTLED:
        return Throttled(code)
    return Refused(code, reason.get("Message", ""))


@dataclass(frozen=True)
class Committed:
    """The transaction went through (or, with a ``ClientRequestToken``, had gone through already)."""


@dataclass(frozen=True)
class Cancelled:
    """The transaction changed nothing; ``reasons`` has one outcome per item, in the order sent.

    A transaction still cancelled by conflicts or throttling when the deadline came is returned too
    (``contended``): the caller decides whether that is a 503, a retry of the whole message, or an error.
    """

    reasons: tuple[ItemOutcome, ...]

    @classmethod
    def of(cls, reasons: Sequence[Mapping[str, Any]]) -> Cancelled:
        return cls(tuple(item_outcome(reason) for reason in reasons))

    def failed(self, index: int) -> bool:
        """Whether item ``index``'s condition failed."""
        return index < len(self.reasons) and isinstance(self.reasons[index], ConditionFailed)

    def old_item(self, index: int) -> dict[str, Any] | None:
        """Item ``index`` as it was, if its condition failed and the old item was asked for."""
        reason = self.reasons[index] if index < len(self.reasons) else None
        return reason.old if isinstance(reason, ConditionFailed) else None

    @property
    def condition_failed(self) -> bool:
        return any(isinstance(reason, ConditionFailed) for reason in self.reasons)

    @property
    def contended(self) -> bool:
        """Cancelled only by conflicts or throttling (worth retrying), no condition failed, nothing refused."""
        return (
            not self.condition_failed
            and not self.refused
            and any(isinstance(reason, Conflicted | Throttled) for reason in self.reasons)
        )

    @property
    def conflicted(self) -> bool:
        """Some item was held by another in-flight transaction (``TransactionConflict``)."""
        return any(isinstance(reason, Conflicted) for reason in self.reasons)

    @property
    def refused(self) -> list[Refused]:
        return [reason for reason in self.reasons if isinstance(reason, Refused)]


@dataclass(frozen=True)
class Written:
    """A single write went through; ``attributes`` as ``ReturnValues`` asked (plain values), else None."""

    attributes: dict[str, Any] | None = None
