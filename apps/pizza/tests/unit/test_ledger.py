from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from pizza_place.ledger import StockLedger, expiry_instant

MONDAY, TUESDAY, WEDNESDAY = date(2030, 1, 7), date(2030, 1, 8), date(2030, 1, 9)


def test_a_best_before_date_is_good_through_that_day():
    assert expiry_instant(MONDAY) == datetime(2030, 1, 8, tzinfo=UTC)


def test_usage_is_taken_from_the_batch_that_expires_first_so_expiry_removes_only_what_is_left():
    ledger = StockLedger()
    ledger.deliver("d1", [("ham", 10, TUESDAY), ("ham", 5, MONDAY)])
    ledger.use({"ham": 7})  # 5 from Monday's batch (drained), 2 from Tuesday's
    ledger.expire(datetime(2030, 1, 8, tzinfo=UTC))  # Monday's batch goes: nothing was left in it
    assert ledger.expired["ham"] == 0
    ledger.expire(datetime(2030, 1, 9, tzinfo=UTC))  # Tuesday's goes with its 8
    assert ledger.expired["ham"] == 8
    assert ledger.expected_level("ham") == 0
    assert ledger.explain("ham") == "delivered 15 - used 7 - expired 8 = 0"


def test_a_batch_stays_until_the_clock_passes_the_end_of_its_best_before_day():
    ledger = StockLedger()
    ledger.deliver("d1", [("basil", 4, MONDAY)])
    assert ledger.expire(datetime(2030, 1, 7, 23, 59, tzinfo=UTC)) == []
    assert [b.remaining for b in ledger.expire(datetime(2030, 1, 8, tzinfo=UTC))] == [4]


def test_usage_beyond_what_the_ledger_holds_is_recorded_as_oversold():
    ledger = StockLedger()
    ledger.deliver("d1", [("olive", 2, MONDAY)])
    ledger.use({"olive": 3})
    assert ledger.oversold["olive"] == 1


usage = st.lists(st.integers(min_value=1, max_value=8), max_size=6)


@given(first=usage, second=usage)
def test_taking_oldest_first_in_two_steps_leaves_the_same_batches_as_one_step(first, second):
    def ledger():
        book = StockLedger()
        book.deliver("d", [("dough", 6, WEDNESDAY), ("dough", 4, MONDAY), ("dough", 9, TUESDAY)])
        return book

    stepwise, at_once = ledger(), ledger()
    for quantity in first + second:
        stepwise.use({"dough": quantity})
    if first or second:
        at_once.use({"dough": sum(first + second)})
    remaining = lambda book: sorted((b.best_before, b.remaining) for b in book.batches["dough"])  # noqa: E731
    assert remaining(stepwise) == remaining(at_once)
