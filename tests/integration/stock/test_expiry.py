"""A batch removed by TTL takes what was left of it, and only that, off its ingredient's level, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from stock_target import FAR_BEST_BEFORE, unique


@pytest.mark.localcloud_only
@pytest.mark.xfail(
    strict=False,
    reason=(
        "under `make test-chaos` (--localcloud-chaos=throttle=0.05) a GetItem/Query throttled through every "
        "SDK retry makes GET /stock/{typeId} answer 500 (issue 11: every throttling path handled; fixed on "
        "the stock branch)"
    ),
)
def test_expiry_takes_off_only_what_usage_left_in_the_batch(stock, localcloud):
    ham = unique("ham")
    today = date.today().isoformat()  # usable through today (UTC): TTL removes it at midnight
    key = f"{unique('delivery')}.csv"
    stock.deliver(key, f"{ham},10,{today}\n{ham},10,{FAR_BEST_BEFORE}\n")
    stock.wait_for_report(key)
    stock.wait_for_level(ham, lambda level: level["quantity"] == 20)
    assert stock.use(unique("order"), **{ham: 4}).status == 201, "taken from the batch expiring today"

    tomorrow = datetime.combine(date.today() + timedelta(days=1), time(0, 0, 1), tzinfo=UTC)
    deleted = localcloud.ttl_sweep(now=tomorrow)
    assert deleted.get(localcloud.service("stock")["stock_table"], 0) >= 1

    level = stock.wait_for_level(ham, lambda level: level["version"] >= 3)
    assert level == {"typeId": ham, "quantity": 10, "version": 3}, "6 left of the expired batch, not its 10"
