"""The stock service of the session's target (the local cloud by default), through its public doors."""

from __future__ import annotations

import pytest
from stock_target import StockTarget

from pizza_common.signed_http import SignedHttp


@pytest.fixture(scope="session")
def stock(localcloud) -> StockTarget:
    outputs = localcloud.service("stock")
    return StockTarget(
        bucket=outputs["deliveries_bucket"],
        stream=outputs["stock_levels_stream"],
        api=SignedHttp(outputs["api_url"], region=localcloud.region),
        s3=localcloud.client("s3"),
        kinesis=localcloud.client("kinesis"),
    )
