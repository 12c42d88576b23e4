"""The stock domain, pure Python (no boto3, no HTTP, no DynamoDB limits): ingredients and their batches,
deliveries, usage, and the outcomes of each."""

from pizza_stock.domain.commands import MAX_ITEMS, MAX_QUANTITY, UsageItem, UseIngredients
from pizza_stock.domain.deliveries import (
    MAX_DELIVERY_BYTES,
    MAX_LINE_BYTES,
    MAX_ROW_QUANTITY,
    Delivery,
    DeliveryConflict,
    DeliveryReport,
    Rejection,
    Row,
    batch_for,
    read_delivery,
)
from pizza_stock.domain.events import LevelChanged
from pizza_stock.domain.model import (
    NEVER,
    Batch,
    Ingredient,
    Level,
    Shortfall,
    Take,
    allocate_oldest_first,
    is_type_id,
)
from pizza_stock.domain.outcomes import (
    IngestOutcome,
    IngestStatus,
    OutOfStock,
    StockBusy,
    StockUsed,
    TransactionIdReused,
    UsageAnswer,
)
from pizza_stock.domain.usage import IngredientChange, UsagePlan, plan_usage

__all__ = [
    "MAX_DELIVERY_BYTES",
    "MAX_ITEMS",
    "MAX_LINE_BYTES",
    "MAX_QUANTITY",
    "MAX_ROW_QUANTITY",
    "NEVER",
    "Batch",
    "Delivery",
    "DeliveryConflict",
    "DeliveryReport",
    "IngestOutcome",
    "IngestStatus",
    "Ingredient",
    "IngredientChange",
    "Level",
    "LevelChanged",
    "OutOfStock",
    "Rejection",
    "Row",
    "Shortfall",
    "StockBusy",
    "StockUsed",
    "Take",
    "TransactionIdReused",
    "UsageAnswer",
    "UsageItem",
    "UsagePlan",
    "UseIngredients",
    "allocate_oldest_first",
    "batch_for",
    "is_type_id",
    "plan_usage",
    "read_delivery",
]
