"""The stock service of the session's target (the local cloud by default), through its public doors."""

from __future__ import annotations

import boto3
import pytest
from stock_target import StockTarget

from pizza_stock.client import StockClient


@pytest.fixture(scope="session")
def stock(localcloud) -> StockTarget:
    session = boto3.session.Session(region_name=localcloud.region)
    return StockTarget(StockClient.of(localcloud.service("stock"), session=session, endpoint=localcloud.endpoint))
