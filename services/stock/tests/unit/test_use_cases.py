"""The use cases on in-memory ports: usage under contention and replays, deliveries of every shape, expiry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from fakes import FakeDeliveryLog, FakeExpiryShelf, FakeInbox, FakeLevelsBroadcast, FakePantry, Patience, Shelves

from pizza_stock.domain import (
    MAX_DELIVERY_BYTES,
    Batch,
    Delivery,
    IngestStatus,
    Ingredient,
    Level,
    LevelChanged,
    OutOfStock,
    Shortfall,
    StockBusy,
    StockUsed,
    TransactionIdReused,
    UsageItem,
    UseIngredients,
)
from pizza_stock.use_cases import (
    Broadcast,
    broadcast_levels,
    expire_batches,
    ingest_delivery,
    level_of,
    levels,
    sweep_expired,
    use_ingredients,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SOON = (NOW + timedelta(days=3)).date().isoformat()


def use(transaction_id: str, **items: int) -> UseIngredients:
    return UseIngredients(transaction_id, tuple(UsageItem(t, q) for t, q in items.items()))


def stocked(**ingredients: list[tuple[int, int]]) -> Shelves:
    """Ingredients with batches of (remaining, days until best-before)."""
    shelves = Shelves()
    for type_id, batches in ingredients.items():
        held = tuple(
            Batch(type_id, f"{type_id}{n}", left, NOW + timedelta(days=days)) for n, (left, days) in enumerate(batches)
        )
        shelves.put(Ingredient(type_id, 1, held))
    return shelves


# --- usage ------------------------------------------------------------------------------------------------


def test_a_usage_takes_every_item_oldest_first_and_answers_with_the_levels_after():
    pantry = FakePantry(stocked(ham=[(5, 2), (5, 1)], basil=[(4, 3)]))
    usage = use_ingredients(use("t1", ham=7, basil=4), lambda: NOW, pantry, Patience())
    assert usage.answer == StockUsed("t1", use("t1", ham=7, basil=4).items, (Level("basil", 0, 2), Level("ham", 3, 2)))
    assert [(b.batch_id, b.remaining) for b in pantry.shelves.ingredients["ham"].batches] == [("ham0", 3)]
    assert (pantry.reads, pantry.commits) == (1, 1), "one read and one write"


def test_a_usage_that_falls_short_takes_nothing_and_its_refusal_is_its_answer_for_good():
    pantry = FakePantry(stocked(ham=[(5, 2)]))
    refused = use_ingredients(use("t1", ham=2, olive=1), lambda: NOW, pantry, Patience()).answer
    assert refused == OutOfStock("t1", (Shortfall("olive", 1, 0),))
    pantry.shelves.put(Ingredient("olive", 1, (Batch("olive", "o", 9, NOW + timedelta(days=1)),)))
    assert use_ingredients(use("t1", ham=2, olive=1), lambda: NOW, pantry, Patience()).answer == refused
    assert level_of("ham", NOW, pantry) == Level("ham", 5, 1)


def test_a_replay_gets_the_first_answer_and_a_reuse_for_another_request_is_refused():
    pantry = FakePantry(stocked(ham=[(10, 2)]))
    first = use_ingredients(use("t1", ham=4), lambda: NOW, pantry, Patience()).answer
    assert use_ingredients(use("t1", ham=4), lambda: NOW, pantry, Patience()).answer == first
    assert use_ingredients(use("t1", ham=5), lambda: NOW, pantry, Patience()).answer == TransactionIdReused("t1")
    assert level_of("ham", NOW, pantry) == Level("ham", 6, 2)


def test_another_writer_in_between_is_contention_re_planned_and_counted_never_an_error():
    pantry = FakePantry(stocked(ham=[(10, 2)]), interfere=["ham"])
    patience = Patience()
    usage = use_ingredients(use("t1", ham=4), lambda: NOW, pantry, patience)
    assert isinstance(usage.answer, StockUsed)
    assert (usage.contended, patience.pauses, pantry.commits) == (1, 1, 2)


def test_a_usage_that_waited_out_contention_past_a_best_before_never_sells_that_batch():
    pantry = FakePantry(stocked(ham=[(5, 1), (5, 30)]), interfere=["ham"])
    clock = iter([NOW, NOW + timedelta(days=1, seconds=5)])  # the pause ends after the first batch's best-before
    usage = use_ingredients(use("t1", ham=5), lambda: next(clock), pantry, Patience())
    assert isinstance(usage.answer, StockUsed) and usage.contended == 1
    left = {b.batch_id: b.remaining for b in pantry.shelves.ingredients["ham"].batches}
    assert left == {"ham0": 5}, "the good batch drained; the expired one untouched (the sweep takes it off)"


def test_when_time_runs_out_under_contention_nothing_is_taken_and_it_says_so():
    pantry = FakePantry(stocked(ham=[(10, 2)]))

    class AlwaysBusy(FakePantry):
        def commit_usage(self, plan, fingerprint, now):  # type: ignore[no-untyped-def]
            self.interfere.append("ham")
            return super().commit_usage(plan, fingerprint, now)

    busy = AlwaysBusy(pantry.shelves)
    usage = use_ingredients(use("t1", ham=4), lambda: NOW, busy, Patience(attempts=3))
    assert usage.answer == StockBusy("t1", 4)
    assert sum(b.remaining for b in busy.shelves.ingredients["ham"].batches) == 10


def test_expired_stock_is_never_sold_nor_counted_before_anything_removes_it():
    pantry = FakePantry(stocked(ham=[(10, 1), (2, 5)]))
    two_days_on = NOW + timedelta(days=2)
    assert level_of("ham", two_days_on, pantry) == Level("ham", 2, 1)
    assert levels(two_days_on, pantry) == [Level("ham", 2, 1)]
    assert use_ingredients(use("t1", ham=3), lambda: two_days_on, pantry, Patience()).answer == OutOfStock(
        "t1", (Shortfall("ham", 3, 2),)
    )


# --- expiry -----------------------------------------------------------------------------------------------


def test_the_sweep_takes_off_every_expired_batch_once_whether_or_not_ttl_came():
    shelves = stocked(ham=[(10, 1), (2, 5)], basil=[(3, 1)])
    shelf = FakeExpiryShelf(shelves)
    later = NOW + timedelta(days=2)
    assert sorted(b.batch_id for b in sweep_expired(later, shelf).removed) == ["basil0", "ham0"]
    assert sweep_expired(later, shelf).removed == []
    assert expire_batches("ham", ["ham0"], shelf) == [], "TTL's removal, however late, finds it gone already"
    assert shelves.ingredients["ham"].level(later) == Level("ham", 2, 2)


def test_an_ingredient_that_cannot_be_swept_never_keeps_the_others_from_being_swept():
    shelves = stocked(anise=[(1, 1)], basil=[(3, 1)], ham=[(2, 1)])
    shelf = FakeExpiryShelf(shelves)
    remove = shelf.remove

    def failing_for_basil(type_id, batch_ids):
        if type_id == "basil":
            raise TimeoutError("basil kept changing")
        return remove(type_id, batch_ids)

    shelf.remove = failing_for_basil
    swept = sweep_expired(NOW + timedelta(days=2), shelf)
    assert sorted(b.batch_id for b in swept.removed) == ["anise0", "ham0"]
    assert list(swept.failed) == ["basil"] and isinstance(swept.failed["basil"], TimeoutError)


def test_a_ttl_removal_before_the_sweep_takes_the_batch_off_and_the_sweep_then_finds_nothing():
    shelves = stocked(ham=[(10, 1)])
    shelf = FakeExpiryShelf(shelves)
    assert [b.remaining for b in expire_batches("ham", ["ham0"], shelf)] == [10]
    assert expire_batches("ham", ["ham0"], shelf) == []
    assert sweep_expired(NOW + timedelta(days=2), shelf).removed == []


def test_the_levels_broadcast_leaves_out_expired_batches_and_ingredients_not_yet_holding_anything():
    broadcast = FakeLevelsBroadcast()
    ham = Ingredient("ham", 4, (Batch("ham", "a", 10, NOW), Batch("ham", "b", 3, NOW + timedelta(days=1))))
    assert broadcast_levels([(ham, NOW), (Ingredient("olive", 0), NOW)], broadcast) == Broadcast(1, [])
    assert broadcast.published == [LevelChanged(type_id="ham", quantity=3, version=4)]


def test_the_levels_broadcast_names_the_changes_the_stream_refused_by_their_place_among_those_given():
    broadcast = FakeLevelsBroadcast(refusing=frozenset({"olive"}))
    later = NOW + timedelta(days=1)
    ham = Ingredient("ham", 2, (Batch("ham", "a", 10, later),))
    olive = Ingredient("olive", 7, (Batch("olive", "b", 1, later),))
    changes = [(Ingredient("basil", 0), NOW), (ham, NOW), (olive, NOW)]
    assert broadcast_levels(changes, broadcast) == Broadcast(1, [2])  # basil is not news; olive, third, refused
    assert broadcast.published == [LevelChanged(type_id="ham", quantity=10, version=2)]


# --- deliveries -------------------------------------------------------------------------------------------


def deliver(inbox: FakeInbox, log: FakeDeliveryLog, key: str, content: bytes, upload: str = "u1", now=NOW):  # type: ignore[no-untyped-def]
    etag = inbox.upload(key, content)
    return ingest_delivery(Delivery("bucket", key), etag, None, upload, now, log, inbox)


def test_bad_rows_never_stop_good_ones_and_each_is_reported_with_its_line_and_reason():
    inbox, log = FakeInbox(), FakeDeliveryLog()
    content = f"ham,5,{SOON}\nham,{'9' * 40},{SOON}\nsalt,2,9999-12-31\nham,x,{SOON}\nbasil,1,{SOON}\n"
    outcome = deliver(inbox, log, "a.csv", content.encode())
    assert (outcome.status, outcome.accepted, outcome.rejected) == (IngestStatus.INGESTED, 3, 2)
    report = inbox.reports["a.csv"]
    assert report.quantities == {"ham": 5, "salt": 2, "basil": 1}
    assert [r.line for r in report.rejected] == [2, 4]
    assert {i.type_id: i.level(NOW).quantity for i in log.shelves.ingredients.values()} == {
        "ham": 5,
        "salt": 2,
        "basil": 1,
    }


def test_an_identical_re_upload_with_a_new_etag_is_recognised_by_its_checksum_and_adds_nothing():
    inbox, log = FakeInbox(), FakeDeliveryLog()
    content = f"ham,5,{SOON}\n".encode()
    deliver(inbox, log, "a.csv", content)
    first = inbox.reports["a.csv"]
    again = deliver(inbox, log, "a.csv", content, upload="u2")
    assert again.status == IngestStatus.ALREADY_INGESTED
    assert inbox.reports["a.csv"].uploads == 2
    assert inbox.reports["a.csv"].checksum == first.checksum
    assert log.shelves.ingredients["ham"].level(NOW).quantity == 5
    assert deliver(inbox, log, "a.csv", content, upload="u2").status == IngestStatus.ALREADY_INGESTED, (
        "a duplicate notice"
    )


def test_an_identical_re_upload_leaves_the_report_as_first_written_but_for_its_uploads():
    inbox, log = FakeInbox(), FakeDeliveryLog()
    in_an_hour = (NOW + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    content = f"basil,5,{in_an_hour}\nbasil,7,{SOON}\n".encode()
    deliver(inbox, log, "a.csv", content)
    first = inbox.reports["a.csv"]
    later = NOW + timedelta(hours=2)  # line 1's best-before has passed: read anew, it would be rejected
    assert deliver(inbox, log, "a.csv", content, upload="u2", now=later).status == IngestStatus.ALREADY_INGESTED
    assert inbox.reports["a.csv"] == replace(first, uploads=2)


def test_a_re_upload_never_adds_the_rows_its_ingredient_had_no_room_for(monkeypatch):
    import fakes

    monkeypatch.setattr(fakes, "MAX_BATCHES_PER_INGREDIENT", 2)
    inbox, log = FakeInbox(), FakeDeliveryLog()
    deliver(inbox, log, "full.csv", f"sage,1,{SOON}\nsage,1,{SOON}\n".encode())
    content = f"sage,5,{SOON}\n".encode()
    deliver(inbox, log, "b.csv", content)
    first = inbox.reports["b.csv"]
    assert (first.accepted, [r.line for r in first.rejected]) == (0, [1])
    log.shelves.ingredients["sage"] = replace(log.shelves.ingredients["sage"], batches=())  # room again
    assert deliver(inbox, log, "b.csv", content, upload="u2").status == IngestStatus.ALREADY_INGESTED
    assert inbox.reports["b.csv"] == replace(first, uploads=2)
    assert log.shelves.ingredients["sage"].batches == (), "the same content adds nothing"


def test_other_content_under_a_delivered_key_is_a_conflict_reported_beside_the_good_report_never_over_it():
    inbox, log = FakeInbox(), FakeDeliveryLog()
    deliver(inbox, log, "a.csv", f"ham,5,{SOON}\n".encode())
    good = inbox.reports["a.csv"]
    outcome = deliver(inbox, log, "a.csv", f"ham,500,{SOON}\n".encode(), upload="u2")
    assert outcome.status == IngestStatus.CONFLICT
    assert inbox.reports["a.csv"] == good
    assert inbox.conflicts["a.csv"].delivered_checksum == good.checksum
    assert log.shelves.ingredients["ham"].level(NOW).quantity == 5


def test_a_run_that_crashed_half_way_is_resumed_where_it_stopped_adding_each_row_once():
    inbox = FakeInbox()
    log = FakeDeliveryLog(fail_after_rows=2)
    content = "".join(f"ham,{n},{SOON}\n" for n in range(1, 6)).encode()
    try:
        deliver(inbox, log, "a.csv", content)
        raise AssertionError("the first run should have crashed")
    except ConnectionError:
        pass
    log.fail_after_rows = None
    outcome = deliver(inbox, log, "a.csv", content)  # the event source retries the same notification
    assert (outcome.status, outcome.accepted) == (IngestStatus.INGESTED, 5)
    assert log.shelves.ingredients["ham"].level(NOW).quantity == 15


def test_rows_refused_for_room_before_a_crash_are_reported_refused_by_the_run_that_resumes():
    inbox, log = FakeInbox(), FakeDeliveryLog(fail_after_rows=2)
    log.shelves.put(Ingredient("ham", 1, tuple(Batch("ham", f"b{n}", 1, NOW + timedelta(days=9)) for n in range(2000))))
    content = f"basil,1,{SOON}\nham,5,{SOON}\nbasil,2,{SOON}\nbasil,3,{SOON}\nham,6,{SOON}\n".encode()
    try:
        deliver(inbox, log, "a.csv", content)  # dies before line 4, past line 2 which it refused
        raise AssertionError("the first run should have crashed")
    except ConnectionError:
        pass
    log.fail_after_rows = None
    outcome = deliver(inbox, log, "a.csv", content)
    assert (outcome.status, outcome.accepted, outcome.rejected) == (IngestStatus.INGESTED, 3, 2)
    report = inbox.reports["a.csv"]
    assert report.quantities == {"basil": 6}
    assert [(r.line, "2,000 batches" in r.reason) for r in report.rejected] == [(2, True), (5, True)]


def test_a_run_resuming_days_after_a_crash_judges_the_rows_as_of_the_first_run_and_reports_as_it_would_have():
    inbox, log = FakeInbox(), FakeDeliveryLog(fail_after_rows=2)
    tomorrow = (NOW + timedelta(days=1)).date().isoformat()
    content = f"basil,1,{tomorrow}\nham,5,{SOON}\nbasil,2,{tomorrow}\nham,6,{SOON}\n".encode()
    try:
        deliver(inbox, log, "a.csv", content)  # writes lines 1 and 2, then dies
        raise AssertionError("the first run should have crashed")
    except ConnectionError:
        pass
    log.fail_after_rows = None
    outcome = deliver(inbox, log, "a.csv", content, now=NOW + timedelta(days=2))  # retried two days later
    assert (outcome.status, outcome.accepted, outcome.rejected) == (IngestStatus.INGESTED, 4, 0)
    assert inbox.reports["a.csv"].quantities == {"basil": 3, "ham": 11}
    assert len(log.shelves.ingredients["basil"].batches) == 2  # both written, line 3 expired (never counted)


def test_a_file_of_exactly_the_size_limit_is_read_and_one_byte_more_is_refused_whole_with_a_report():
    inbox, log = FakeInbox(), FakeDeliveryLog()
    row = f"ham,1,{SOON}\n".encode()
    blank = b" " * 4000 + b"\n"  # blank lines (spaces) are skipped: only the size counts
    padding = MAX_DELIVERY_BYTES - len(row)
    exact = row + blank * (padding // len(blank)) + b"\n" * (padding % len(blank))
    assert len(exact) == MAX_DELIVERY_BYTES
    inbox.chunk = 1 << 20
    assert deliver(inbox, log, "exact.csv", exact).status == IngestStatus.INGESTED
    outcome = deliver(inbox, log, "over.csv", exact + b"\n")
    assert outcome.status == IngestStatus.REFUSED
    report = inbox.reports["over.csv"]
    assert (
        report.refused
        == f"the file has {MAX_DELIVERY_BYTES + 1:,} bytes; a delivery may have at most {MAX_DELIVERY_BYTES:,}"
    )
    assert report.accepted == 0
    assert log.shelves.ingredients["ham"].level(NOW).quantity == 1


def test_a_notification_for_a_file_replaced_or_deleted_since_is_skipped():
    inbox, log = FakeInbox(), FakeDeliveryLog()
    assert (
        ingest_delivery(Delivery("bucket", "gone.csv"), "e", None, "u", NOW, log, inbox).status
        == IngestStatus.SUPERSEDED
    )


def test_rows_an_ingredient_cannot_hold_are_rejected_with_the_reason_and_the_others_kept():
    inbox, log = FakeInbox(), FakeDeliveryLog()
    full = tuple(Batch("ham", f"b{n}", 1, NOW + timedelta(days=9)) for n in range(2000))
    log.shelves.put(Ingredient("ham", 1, full))
    deliver(inbox, log, "a.csv", f"ham,5,{SOON}\nbasil,1,{SOON}\n".encode())
    report = inbox.reports["a.csv"]
    assert (report.accepted, report.quantities) == (1, {"basil": 1})
    assert report.rejected[0].line == 1 and "2,000 batches" in report.rejected[0].reason


def test_an_expired_row_is_rejected_at_delivery():
    inbox, log = FakeInbox(), FakeDeliveryLog()
    yesterday = (date(2026, 11, 21)).isoformat()
    deliver(inbox, log, "a.csv", f"ham,5,{yesterday}\n".encode())
    assert "in the past" in inbox.reports["a.csv"].rejected[0].reason


def test_every_usage_reads_once_and_writes_once_when_nothing_gets_in_the_way():
    pantry = FakePantry(stocked(ham=[(10, 2)]))
    use_ingredients(use("t1", ham=1), lambda: NOW, pantry, Patience())
    use_ingredients(use("t2", ham=1), lambda: NOW, pantry, Patience())
    assert (pantry.reads, pantry.commits) == (2, 2)
