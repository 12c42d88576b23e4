"""A batch removed by TTL takes what was left of it, and only that, off its ingredient's level, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from stock_target import FAR_BEST_BEFORE, unique

from localcloud.polling import eventually


@pytest.mark.localcloud_only
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


def _level_records_settle(stock, type_id: str, quantity: int) -> list[dict]:
    def settled() -> list[dict] | None:
        records = stock.records_of(type_id)
        return records if records and records[-1]["quantity"] == quantity else None

    # The sweep runs every minute: the stream learns of an expiry nobody wrote within about a minute.
    return eventually(settled, f"the levels stream to show {quantity} {type_id}", timeout=150, interval=1)


def test_a_batch_past_its_best_before_is_never_sold_nor_counted_and_leaves_once_whatever_ttl_does(stock, localcloud):
    ham, anise = unique("ham"), unique("anise")
    soon = (datetime.now(UTC) + timedelta(seconds=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
    key = f"{unique('delivery')}.csv"
    # anise: 300 batches expire together, more than one write may name (DynamoDB's 4 KB expression limit).
    many = f"{anise},1,{soon}\n" * 300 + f"{anise},3,{FAR_BEST_BEFORE}\n"
    stock.deliver(key, f"{ham},10,{soon}\n{ham},4,{FAR_BEST_BEFORE}\n" + many)
    assert stock.wait_for_report(key)["accepted"] == 303, "delivered before its best-before"
    stock.wait_for_level(ham, lambda level: level["quantity"] == 14)

    # From its best-before on, the batch is gone for every reader, though nothing has removed it yet.
    level = stock.wait_for_level(ham, lambda level: level["quantity"] == 4)
    assert level["version"] in (1, 2), "at most the sweep has run"
    refused = stock.use(unique("order"), **{ham: 5})
    assert (refused.status, refused.json()["details"]["shortfalls"]) == (
        409,
        [{"typeId": ham, "requested": 5, "available": 4}],
    )
    assert stock.levels()[ham] == 4

    # The levels stream agrees within a minute, without TTL (which may lag for days, or never come).
    _level_records_settle(stock, ham, 4)
    after_sweep = stock.level(ham)
    assert after_sweep == {"typeId": ham, "quantity": 4, "version": 2}
    _level_records_settle(stock, anise, 3)  # all 300 expired batches gone, in one write
    assert stock.level(anise)["quantity"] == 3

    # TTL coming late takes nothing more off: the expiry was subtracted once.
    if localcloud.is_local:
        localcloud.ttl_sweep(now=datetime.now(UTC) + timedelta(seconds=1))
    assert stock.use(unique("order"), **{ham: 4}).status == 201, "the good batch is all there"
    final = stock.wait_for_level(ham, lambda level: level["version"] >= 3)
    assert final == {"typeId": ham, "quantity": 0, "version": 3}, "TTL's late removal changed nothing"
    # One record per version (duplicates under chaos carry the same version): 14, then 4 at the sweep, then 0.
    assert {r["version"]: r["quantity"] for r in _level_records_settle(stock, ham, 0)} == {1: 14, 2: 4, 3: 0}
