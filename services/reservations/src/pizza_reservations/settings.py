"""What the reservations functions read from their environment (set by Terraform, and by the local cloud
from ``stack.py``). Every function gets the same variables; its role decides what it may touch."""

from __future__ import annotations

from pydantic import Field

from pizza_common.settings import ServiceSettings

__all__ = ["ReservationsSettings"]


class ReservationsSettings(ServiceSettings):
    events_table: str  # EVENTS_TABLE: one stream of events per item
    requests_table: str  # REQUESTS_TABLE: reservations and adjustments by id
    # GATES_TABLE: each item's gate, from which every append takes its version. Functions of stacks written
    # before the gate (the order workflows' steps) do not pass it yet: the name next to EVENTS_TABLE's then.
    gates_table: str = ""
    snapshots_table: str  # SNAPSHOTS_TABLE
    items_table: str  # ITEMS_TABLE: the projection
    archive_bucket: str  # ARCHIVE_BUCKET: events as JSON Lines
    commands_queue_url: str  # COMMANDS_QUEUE_URL: confirm and adjust commands
    changes_stream: str  # CHANGES_STREAM: the Kinesis stream the events table's one stream reader fans out to
    event_bus_name: str  # EVENT_BUS_NAME: the shared bus (inventory-changed)
    # A new snapshot once this many events have gathered after the last one (the longest tail a read folds).
    snapshot_every: int = Field(default=50, ge=1)  # SNAPSHOT_EVERY
    # Events archived and covered by a snapshot leave the hot table this long after they happened (TTL).
    hot_retention_days: int = Field(default=30, ge=1)  # HOT_RETENTION_DAYS

    @property
    def gates(self) -> str:
        return self.gates_table or self.events_table.removesuffix("events") + "gates"
