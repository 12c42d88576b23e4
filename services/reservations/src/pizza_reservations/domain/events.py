"""What happens to a sellable item, as immutable events, one stream per item, each at its version.

Events are the source of truth: snapshots, the projection, the archive and the bus are all made from them.
Their JSON (``model_dump_json``) is what the event store keeps, the archive writes and the history returns.
Pure Python and pydantic: no AWS here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel, TypeAdapter, model_validator

from pizza_common.events import EventDetail

__all__ = [
    "EVENT_TYPES",
    "Adjusted",
    "AdjustmentRefused",
    "Confirmed",
    "InventoryChanged",
    "ItemChanges",
    "ItemEvent",
    "ItemEventMessage",
    "Released",
    "Reserved",
    "Voided",
    "event_from_json",
    "event_to_json",
]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: str
    version: Annotated[int, Field(ge=1)]
    at: AwareDatetime


class Reserved(_Event):
    """Units held for a reservation until ``expires_at`` (after which they count as free again)."""

    type: Literal["Reserved"] = "Reserved"
    reservation_id: str
    quantity: Annotated[int, Field(ge=1)]
    expires_at: AwareDatetime


class Released(_Event):
    """A hold given back: early (``DELETE``), or recorded after it expired (the sweep, or a late confirm)."""

    type: Literal["Released"] = "Released"
    reservation_id: str
    quantity: Annotated[int, Field(ge=1)]
    reason: Literal["early", "expired"]


class Confirmed(_Event):
    """A hold made permanent at checkout: its units are sold."""

    type: Literal["Confirmed"] = "Confirmed"
    reservation_id: str
    quantity: Annotated[int, Field(ge=1)]


class Adjusted(_Event):
    """Units added (a delivery, the kitchen's batch of the day) or taken away (breakage) by an adjustment."""

    type: Literal["Adjusted"] = "Adjusted"
    adjustment_id: str
    delta: int
    reason: str


class AdjustmentRefused(_Event):
    """An adjustment that would have left fewer units than are sold or held: recorded, with why."""

    type: Literal["AdjustmentRefused"] = "AdjustmentRefused"
    adjustment_id: str
    delta: int
    reason: str
    refusal: str


class Voided(_Event):
    """A version taken from the item's gate whose event was never written, sealed so that it folds as nothing:
    ``replayed`` (its request id was known already), ``settled`` (its reservation was settled by another writer
    first), ``abandoned`` (its writer never wrote it within the grace: a crash, a timeout, a lost answer)."""

    type: Literal["Voided"] = "Voided"
    reason: Literal["replayed", "settled", "abandoned"]


ItemEvent = Annotated[
    Reserved | Released | Confirmed | Adjusted | AdjustmentRefused | Voided, Field(discriminator="type")
]
EVENT_TYPES: tuple[type[_Event], ...] = (Reserved, Released, Confirmed, Adjusted, AdjustmentRefused, Voided)
_EVENT = TypeAdapter(ItemEvent)


class ItemEventMessage(RootModel[ItemEvent]):
    """One event of an item's stream, whatever its type: the event store's ``event``, the archive's lines, the
    history's events and the changes stream's records' ``events`` (``events/item-event.schema.json``)."""


class ItemChanges(BaseModel):
    """A record of the changes stream: an item's events of a batch, in the order they were written
    (``events/item-changes.schema.json``).

    The fan-out puts an item's events of a batch in one record (a few for a very long run): Kinesis keeps a record
    whole, so they keep their order in one call, where one record per event cost one call each (``PutRecords``
    keeps no order between a key's entries when some are refused). The order written is not always the order of
    versions: the gate gives out versions at once and their writers finish in any order, so a later version can
    come first, within a record or in an earlier one. Readers order an item's events by version and wait for a
    version that has not come yet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: str
    events: Annotated[list[ItemEvent], Field(min_length=1)]

    @model_validator(mode="after")
    def _all_of_the_item(self) -> ItemChanges:
        others = sorted({event.item_id for event in self.events} - {self.item_id})
        if others:
            raise ValueError(f"events of other items in the changes of {self.item_id!r}: {others}")
        return self


def event_to_json(event: ItemEvent) -> str:
    return event.model_dump_json()


def event_from_json(text: str | bytes) -> ItemEvent:
    return _EVENT.validate_json(text)


class InventoryChanged(EventDetail):
    """``inventory-changed`` on the shared bus (source ``pizza.reservations``): one per event of an item, with
    the item's version so consumers drop stale and duplicate deliveries. Figures are as of the change."""

    detail_type = "inventory-changed"

    item_id: str
    version: Annotated[int, Field(ge=1)]
    change: Literal["Reserved", "Released", "Confirmed", "Adjusted", "AdjustmentRefused"]
    at: datetime
    available: int
    reserved: int
    sold: int
    supply: int
    status: Literal["IN STOCK", "OUT OF STOCK"]
    # The adjustment's own id, for an Adjusted or AdjustmentRefused change (a purchase order's restock has the
    # purchase order's id): who asked for the change can tell it is theirs. Left out of other changes, so that
    # they read as before to a consumer that does not know the field.
    adjustment_id: str | None = Field(default=None, exclude_if=lambda value: value is None)
