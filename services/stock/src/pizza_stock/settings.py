"""What each stock function reads from its environment (set by Terraform, and by the local cloud from stack.py)."""

from __future__ import annotations

from pizza_common.settings import ServiceSettings

__all__ = ["LevelsStreamSettings", "TableSettings"]


class TableSettings(ServiceSettings):
    stock_table: str  # STOCK_TABLE


class LevelsStreamSettings(ServiceSettings):
    stock_levels_stream: str  # STOCK_LEVELS_STREAM
