"""What each oven function reads from its environment (set by Terraform, and by the local cloud from stack.py)."""

from __future__ import annotations

from pydantic import Field

from pizza_common.settings import ServiceSettings
from pizza_oven.domain.model import MAX_BAKING_TIME_SECS

__all__ = ["BakeSettings", "ReconcileSettings", "RemoveSettings", "TakeWaitingSettings"]


class BakeSettings(ServiceSettings):
    """``pizza-oven-bake``: accepts pizzas from NewItems."""

    oven_table: str  # OVEN_TABLE
    waiting_queue_url: str  # WAITING_QUEUE_URL
    wakeups_queue_url: str  # WAKEUPS_QUEUE_URL
    new_items_dlq_url: str  # NEW_ITEMS_DLQ_URL: where a message that can never be baked goes, with its reason
    bake_state_machine_arn: str  # BAKE_STATE_MACHINE_ARN
    default_baking_time_secs: int = Field(default=10, ge=1, le=MAX_BAKING_TIME_SECS)  # DEFAULT_BAKING_TIME_SECS
    # How long a duplicate delivery lets the first one start a pizza before taking over (> the function timeout).
    start_grace_secs: int = Field(default=90, ge=1)  # START_GRACE_SECS


class TakeWaitingSettings(ServiceSettings):
    """``pizza-oven-take-waiting``: the baker, woken through the wake-ups queue."""

    oven_table: str
    waiting_queue_url: str
    wakeups_queue_url: str  # to ring for a fresh baker when this one runs out of time
    bake_state_machine_arn: str


class RemoveSettings(ServiceSettings):
    """``pizza-oven-remove``: the baking state machine's last step; hands its slot to the head of the line."""

    oven_table: str
    baked_items_queue_url: str  # BAKED_ITEMS_QUEUE_URL
    wakeups_queue_url: str
    waiting_queue_url: str  # to take the head of the line into the slot it frees
    bake_state_machine_arn: str  # to start that pizza's baking


class ReconcileSettings(ServiceSettings):
    """``pizza-oven-reconcile``: on a schedule, repairs slots whose baking never started or never ended."""

    oven_table: str
    waiting_queue_url: str
    wakeups_queue_url: str
    baked_items_queue_url: str
    new_items_dlq_url: str
    bake_state_machine_arn: str
    start_grace_secs: int = Field(default=90, ge=1)
