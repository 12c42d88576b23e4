"""The composition root: each function's ports, built once per cold start from its environment.

One frozen dataclass per function, so a handler reaches only its own adapters (and its IAM policy names
only what they call). Tests build the same dataclasses from the fakes in ``tests/fakes.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pizza_common.settings import load
from pizza_stock.ports import DeliveryInbox, DeliveryLog, ExpiryShelf, LevelsBroadcast, Pantry
from pizza_stock.settings import LevelsStreamSettings, TableSettings

__all__ = ["ApiPorts", "BroadcastPorts", "ExpirePorts", "IngestPorts", "api", "broadcast", "expire", "ingest"]


@dataclass(frozen=True)
class ApiPorts:
    pantry: Pantry


@dataclass(frozen=True)
class IngestPorts:
    log: DeliveryLog
    inbox: DeliveryInbox


@dataclass(frozen=True)
class ExpirePorts:
    shelf: ExpiryShelf


@dataclass(frozen=True)
class BroadcastPorts:
    levels: LevelsBroadcast


@cache
def api() -> ApiPorts:
    from pizza_stock.adapters.pantry import DynamoDbPantry

    return ApiPorts(pantry=DynamoDbPantry(load(TableSettings).stock_table))


@cache
def ingest() -> IngestPorts:
    from pizza_stock.adapters.delivery_inbox import S3DeliveryInbox
    from pizza_stock.adapters.delivery_log import DynamoDbDeliveryLog

    return IngestPorts(log=DynamoDbDeliveryLog(load(TableSettings).stock_table), inbox=S3DeliveryInbox())


@cache
def expire() -> ExpirePorts:
    from pizza_stock.adapters.expiry_shelf import DynamoDbExpiryShelf

    return ExpirePorts(shelf=DynamoDbExpiryShelf(load(TableSettings).stock_table))


@cache
def broadcast() -> BroadcastPorts:
    from pizza_stock.adapters.levels_broadcast import KinesisLevelsBroadcast

    return BroadcastPorts(levels=KinesisLevelsBroadcast(load(LevelsStreamSettings).stock_levels_stream))
