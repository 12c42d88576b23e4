"""Settings read from the environment, validated once per cold start.

Each service subclasses :class:`ServiceSettings` with the variables its Terraform module sets::

    class StockSettings(ServiceSettings):
        stock_table: str

    settings = load(StockSettings)   # reads STOCK_TABLE; a missing one names itself in the error
"""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ServiceSettings", "load"]


class ServiceSettings(BaseSettings):
    """Base for a service's settings: field ``stock_table`` is read from ``STOCK_TABLE``."""

    model_config = SettingsConfigDict(frozen=True, case_sensitive=False, extra="ignore")

    aws_region: str = "eu-west-1"


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


@cache
def load(settings_class: type[SettingsT]) -> SettingsT:
    """The settings of this process, read once (a warm Lambda reuses them)."""
    return settings_class()
