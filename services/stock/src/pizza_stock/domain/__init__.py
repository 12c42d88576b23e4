"""The stock domain, pure Python: what a delivery, a batch, an ingredient level and a usage are."""

from pizza_stock.domain.deliveries import (
    DeliveryReport,
    Rejection,
    Row,
    batch_for,
    conflict_report,
    delivery_id,
    group_for_writing,
    read_delivery,
)
from pizza_stock.domain.model import Batch, Level, Shortfall, Take, allocate_oldest_first, is_type_id
from pizza_stock.domain.usage import (
    Answer,
    OutOfStock,
    StockBusy,
    TooManyBatches,
    TransactionIdReused,
    UseIngredients,
    plan_usage,
    stock_used,
)

__all__ = [
    "Answer",
    "Batch",
    "DeliveryReport",
    "Level",
    "OutOfStock",
    "Rejection",
    "Row",
    "Shortfall",
    "StockBusy",
    "Take",
    "TooManyBatches",
    "TransactionIdReused",
    "UseIngredients",
    "allocate_oldest_first",
    "batch_for",
    "conflict_report",
    "delivery_id",
    "group_for_writing",
    "is_type_id",
    "plan_usage",
    "read_delivery",
    "stock_used",
]
