"""A TTL sweep at the kitchen's time holds orders until the expiry has reached the stock service's levels.

The stock service judges best-before on the real clock, where a batch swept on the kitchen's clock is still
good: until the expire function takes it off its ingredient, an order would be served from it (FEFO, first)
while the ledger has written it off, and the levels would never add up again.
"""

import threading
from datetime import UTC, date, datetime

from pizza_place.dashboard import PlaceState
from pizza_place.demo import DemoSettings, Gate, Kitchen, PizzaPlace, Progress
from pizza_place.invariants import Observations
from pizza_place.ledger import StockLedger

TODAY = date(2026, 11, 27)
AFTER_MIDNIGHT = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


class SlowExpiryStock:
    """GET /stock: the swept basil stays in the level for a few reads (the expire function is cold)."""

    def __init__(self, gate: Gate, stale_reads: int) -> None:
        self.gate = gate
        self.stale_reads = stale_reads
        self.reads_with_gate_closed = 0

    def levels(self) -> dict[str, int]:
        if self.gate._closed:
            self.reads_with_gate_closed += 1
        if self.stale_reads:
            self.stale_reads -= 1
            return {"basil": 9}
        return {"basil": 5}


def place_with(stock: SlowExpiryStock, gate: Gate, settle_timeout: float = 5.0) -> PizzaPlace:
    place = PizzaPlace.__new__(PizzaPlace)
    place.settings = DemoSettings(settle_timeout=settle_timeout)
    place.state = PlaceState()
    place.progress = Progress(None)
    place.kitchen = Kitchen(AFTER_MIDNIGHT, 0.0)
    place.ledger = StockLedger()
    place.ledger.deliver("d1", [("basil", 4, TODAY), ("basil", 5, date(2026, 11, 30))])
    place.ledger_lock = threading.Lock()
    place.gate = gate
    place.seen = Observations()
    place.seen_lock = threading.Lock()
    place.stock = stock
    place.sweep = lambda now: {"pizza-stock-batches": 1}
    return place


def test_orders_wait_after_a_sweep_until_the_expiry_shows_in_the_levels():
    gate = Gate()
    stock = SlowExpiryStock(gate, stale_reads=3)
    place = place_with(stock, gate)

    place._sweep()

    assert stock.stale_reads == 0 and stock.reads_with_gate_closed == 4
    assert not gate._closed
    assert place.ledger.expected_level("basil") == 5
    assert place.state.expired["basil"] == 4
    assert place.seen.errors == []


def test_an_expiry_that_never_reaches_the_levels_is_reported_and_the_gate_opens_again():
    gate = Gate()
    stock = SlowExpiryStock(gate, stale_reads=10**6)
    place = place_with(stock, gate, settle_timeout=0.3)

    place._sweep()

    assert not gate._closed
    assert len(place.seen.errors) == 1
    assert "basil 9 (ledger 5)" in place.seen.errors[0]
