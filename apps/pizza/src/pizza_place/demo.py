"""The pizza place at work: suppliers deliver, customers order, the oven bakes, stock expires.

What runs, each on its own thread:

- the kitchen: the sped-up kitchen clock; a supplier's delivery every few seconds (a CSV into the
  deliveries bucket, then its report); a TTL sweep at the kitchen's time every couple of seconds;
- the customers: orders at a rate that rises and falls, each placed as ``new-order-received`` with its pizza
  (a sellable item of the reservations service) and its kitchen part (ingredients, baking time): the order
  workflow (one Standard execution per order) reserves the pizza, uses the ingredients through the stock API
  (transactionId = order id), sends it to the oven and, once baked, confirms the reservation;
- the pass: takes baked pizzas off BakedItems and tells the orders service (``POST /orders/{id}/baked``),
  which resumes the order's workflow;
- the front of house: follows the open orders to their end, shows the sellable items' availability and the
  open purchase orders, and approves those for the menu's pizzas (the manager), so supply answers demand;
- the levels: every shard of the Kinesis stream into the dashboard's board;
- the oven watch: the oven's load item and queues, once a second.

The demo keeps its own ledger of the stock (:mod:`pizza_place.ledger`). Which batches an order draws on
depends on which batches exist when its workflow reaches the stock, so an order is inside a gate from its
placing until its workflow is past the stock step (it answers ``GET /orders/{id}``), and the kitchen closes
the gate while a delivery is ingested (from the upload until its report is written) and while a TTL sweep
deletes batches, until the expired quantity has left the levels (through the table's stream and the expire
function): the sweep runs on the kitchen's clock, the stock service judges best-before on the real one, so until the
expire function takes a swept batch off its ingredient the service still sells from it, first (FEFO). At
the end, with nothing in flight, every level must equal the ledger's, within a deadline.
"""

from __future__ import annotations

import contextlib
import math
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TextIO

from pizza_place.client import OvenClient, OvenLoad, StockClient, orders_client, reservations_client
from pizza_place.dashboard import PlaceState
from pizza_place.invariants import Observations
from pizza_place.ledger import StockLedger
from pizza_place.levels import KinesisLevelFeed, Level
from pizza_place.menu import MENU, POPULARITY, SUPPLIERS, Pizza, Supplier
from pizza_place.target import Target

__all__ = [
    "Delivery",
    "DemoSettings",
    "Gate",
    "Kitchen",
    "PizzaPlace",
    "Progress",
    "order_rate",
    "plan_delivery",
    "read_oven_into",
]


@dataclass(frozen=True)
class DemoSettings:
    duration: float = 120.0
    seed: int | None = None
    orders_per_second: float = 2.0  # the average; the rate swings around it
    # The kitchen clock runs ahead at up to 3 hours a second, but never more than KITCHEN_DAYS in a run.
    kitchen_hours_per_second: float | None = None
    delivery_every: float = 2.0  # seconds between two suppliers' deliveries
    sweep_every: float = 2.0  # seconds between two TTL sweeps at the kitchen's time
    settle_timeout: float = 20.0  # how long a delivery or a sweep may take to show in the levels
    drain_timeout: float = 90.0  # how long the oven may take to bake what was accepted, after orders stop
    workers: int = 8  # orders in flight at once
    menu_stock: int = 12  # units of each pizza the menu opens with (purchase orders bring more)
    order_timeout: float = 60.0  # how long an order's workflow may take to get past the stock step


# The services keep their own records for days of real time (the oven remembers a baked pizza 7 days, the
# stock an expiry marker 7 days): sweeping TTL further ahead than this would delete those too early.
KITCHEN_DAYS = 6.0


def kitchen_speed(settings: DemoSettings) -> float:
    """Kitchen hours per second of demo: fast enough that a short run crosses a midnight, capped by KITCHEN_DAYS."""
    if settings.kitchen_hours_per_second is not None:
        return settings.kitchen_hours_per_second
    return min(3.0, KITCHEN_DAYS * 24 / settings.duration)


# --- plans (pure) ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    key: str
    supplier: str
    rows: tuple[tuple[str, int, date], ...]  # (typeId, quantity, best-before), in file order

    def csv(self) -> bytes:
        lines = ["typeId,quantity,expiresAt", *(f"{t},{q},{d.isoformat()}" for t, q, d in self.rows)]
        return ("\n".join(lines) + "\n").encode()

    def accepted_rows(self, rejected_lines: set[int]) -> list[tuple[str, int, date]]:
        """The rows the stock service kept; line 1 is the header, so row i is on line i + 2."""
        return [row for i, row in enumerate(self.rows) if i + 2 not in rejected_lines]


def plan_delivery(
    supplier: Supplier, today: date, key: str, rng: random.Random, used_since: Mapping[str, int] | None = None
) -> Delivery:
    """Two batches of each of the supplier's ingredients; about one batch in five is near its best-before.

    Without ``used_since`` (the opening delivery) each batch is drawn from the supplier's range; with it,
    the supplier restocks what orders asked for since its last visit (``restock`` times it, give or take a
    fifth).
    """
    rows = []
    for type_id, (smallest, largest) in supplier.batches.items():
        if used_since is None:
            quantities = [rng.randint(smallest, largest), rng.randint(smallest, largest)]
        else:
            total = max(2 * smallest, round(used_since.get(type_id, 0) * supplier.restock * rng.uniform(0.8, 1.2)))
            first = rng.randint(total // 3, total - total // 3)
            quantities = [first, total - first]
        for quantity in quantities:
            near_expiry = rng.random() < 0.2
            days = 0 if near_expiry else rng.randint(*supplier.shelf_life_days)
            rows.append((type_id, max(1, quantity), today + timedelta(days=days)))
    return Delivery(key, supplier.name, tuple(rows))


def order_rate(average: float, elapsed: float) -> float:
    """Orders per second at ``elapsed`` seconds: a lunch rush and a lull every 40 s, around ``average``."""
    return max(0.1, average * (1 + 0.6 * math.sin(2 * math.pi * elapsed / 40)))


def choose_pizza(rng: random.Random) -> Pizza:
    return rng.choices(MENU, weights=[POPULARITY[p.name] for p in MENU])[0]


# --- the gate -------------------------------------------------------------------------------------------


class Gate:
    """Orders pass together; the kitchen closes the gate and waits for the orders inside to finish."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._inside = 0
        self._closed = False

    @contextlib.contextmanager
    def order(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._closed)
            self._inside += 1
        try:
            yield
        finally:
            with self._condition:
                self._inside -= 1
                self._condition.notify_all()

    @contextlib.contextmanager
    def closed(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._closed)
            self._closed = True
            self._condition.wait_for(lambda: self._inside == 0)
        try:
            yield
        finally:
            with self._condition:
                self._closed = False
                self._condition.notify_all()


# --- the pizza place ------------------------------------------------------------------------------------

Sweep = Callable[[datetime], Any]
# An order's workflow is past the stock step in these statuses; it has ended in the last three.
PAST_THE_STOCK = frozenset({"COOKING", "BAKED", "CONFIRMED", "REFUSED", "FAILED", "UNAVAILABLE"})
ENDED = frozenset({"CONFIRMED", "REFUSED", "FAILED", "UNAVAILABLE"})
# A refusal with one of these reasons came after the stock took the ingredients.
AFTER_THE_STOCK = ("oven:", "confirmation:")


def used_ingredients(status: str, reason: str | None) -> bool:
    """Did the stock service take this order's ingredients (from the order's status past the stock step)?"""
    if status in ("COOKING", "BAKED", "CONFIRMED"):
        return True
    return status == "REFUSED" and (reason or "").startswith(AFTER_THE_STOCK)


@dataclass
class Progress:
    """Plain lines for ``--no-tty``: every event of note, and a status line every few seconds."""

    out: TextIO | None
    every: float = 5.0
    _last: float = field(default=0.0)

    def line(self, state: PlaceState, text: str) -> None:
        if self.out is not None:
            print(f"[{state.elapsed:5.1f}s] {text}", file=self.out, flush=True)

    def tick(self, state: PlaceState) -> None:
        if self.out is None or state.elapsed - self._last < self.every:
            return
        self._last = state.elapsed
        with state.lock:
            oven = f"{state.oven_in_use}/{state.oven_capacity}" if state.oven_capacity else "-"
            text = (
                f"orders {state.orders} (accepted {state.accepted}, refused {state.refused}), baked {state.baked}, "
                f"oven {oven}, waiting {state.oven_waiting if state.oven_waiting is not None else '-'}, "
                f"deliveries {state.deliveries}, expired {sum(state.expired.values())}"
            )
        self.line(state, text)


class PizzaPlace:
    """Runs the demo against a target; :meth:`run` returns what was observed, for the invariants."""

    def __init__(
        self,
        target: Target,
        settings: DemoSettings,
        state: PlaceState,
        *,
        sweep: Sweep | None,
        progress: Progress | None = None,
    ) -> None:
        self.target = target
        self.settings = settings
        self.state = state
        self.sweep = sweep
        self.progress = progress or Progress(None)
        self.stock = StockClient(target)
        self.oven = OvenClient(target)
        self.orders = orders_client(target)
        self.reservations = reservations_client(target)
        self.rng = random.Random(settings.seed)
        self.run_id = uuid.uuid4().hex[:6]
        # Each pizza of the menu is a sellable item of this run, made in limited numbers.
        self.items = {pizza.name: f"{pizza.name}-{self.run_id}" for pizza in MENU}
        self.open_orders: dict[str, str] = {}  # order id -> its item, until the order ended
        self.ledger = StockLedger()
        self.used_at_last_visit: dict[str, dict[str, int]] = {}  # supplier -> what orders asked for then
        # What the orders asked for, refused ones too: suppliers restock demand, not only what was sold (a
        # place short of dough sells none, and restocking only its sales would keep it short).
        self.demanded: Counter[str] = Counter()
        self.ledger_lock = threading.Lock()
        self.gate = Gate()
        self.seen = Observations()
        self.seen_lock = threading.Lock()
        self.stop_orders = threading.Event()
        self.stop_all = threading.Event()
        self.feed = KinesisLevelFeed(
            target.client("kinesis"), self.stock.stream, state.board, on_level=self._level_streamed
        )
        start = datetime.now(UTC).replace(second=0, microsecond=0)
        self.kitchen = Kitchen(start, kitchen_speed(settings))
        state.simulated_now = self.kitchen.now(0.0)
        state.running_orders = True
        state.duration = settings.duration

    # --- the whole run ----------------------------------------------------------------------------------

    def run(self, interrupted: threading.Event | None = None, abort: threading.Event | None = None) -> Observations:
        """Open, serve for the duration (or until ``interrupted``), drain the oven (unless ``abort``), take stock."""
        interrupted = interrupted or threading.Event()
        abort = abort or threading.Event()
        threads = [
            threading.Thread(target=self.feed.run, args=(self.stop_all,), name="levels", daemon=True),
            threading.Thread(target=self._watch_oven, name="oven-watch", daemon=True),
            threading.Thread(target=self._collect_baked, name="pass", daemon=True),
            threading.Thread(target=self._front_of_house, name="front-of-house", daemon=True),
        ]
        for thread in threads:
            thread.start()
        try:
            self._say("the pizza place opens: every supplier delivers, the menu is stocked")
            self._stock_menu()
            self._opening_deliveries()
            self._menu_stocked()
            kitchen = threading.Thread(target=self._kitchen, name="kitchen", daemon=True)
            customers = threading.Thread(target=self._customers, name="customers", daemon=True)
            kitchen.start()
            customers.start()
            # Customers get the whole duration: the opening (deliveries, the menu) is slow on a loaded machine.
            end = time.monotonic() + self.settings.duration
            self.state.duration = self.state.elapsed + self.settings.duration
            while time.monotonic() < end and not interrupted.is_set():
                interrupted.wait(0.2)
                self.progress.tick(self.state)
            self._say("orders stop" + (" (interrupted)" if interrupted.is_set() else ""))
            self.stop_orders.set()
            customers.join()
            kitchen.join()
            self._drain(abort)
            self._take_stock()
        finally:
            self.stop_orders.set()
            self.stop_all.set()
            for thread in threads:
                thread.join(timeout=5)
        return self.seen

    # --- the kitchen: deliveries and expiry -------------------------------------------------------------

    def _opening_deliveries(self) -> None:
        for supplier in SUPPLIERS:
            self._deliver(supplier)

    def _stock_menu(self) -> None:
        """Each pizza of the menu gets its opening units (an adjustment each, applied while suppliers deliver)."""
        for name, item in self.items.items():
            answer = self.reservations.adjust(item, f"{item}-opening", self.settings.menu_stock, "the menu opens")
            if answer.status != 202:
                self._problem(f"stocking {name}: {answer.status} {answer.body[:200]!r}")

    def _menu_stocked(self) -> None:
        """Wait until the projection shows every pizza's opening units."""
        deadline = time.monotonic() + self.settings.settle_timeout
        for item in self.items.values():
            while time.monotonic() < deadline:
                answer = self.reservations.item(item)
                if answer.status == 200 and answer.json()["supply"] >= self.settings.menu_stock:
                    break
                time.sleep(0.2)
            else:
                self._problem(f"the menu's {item} was not stocked within {self.settings.settle_timeout:.0f} s")
                return
        self._say(f"the menu opens: {self.settings.menu_stock} of each of {len(self.items)} pizzas")

    def _kitchen(self) -> None:
        next_delivery = time.monotonic() + self.settings.delivery_every
        next_sweep = time.monotonic() + self.settings.sweep_every
        sample_every = 1.0  # one column of the level charts a second
        next_sample = time.monotonic()
        while not self.stop_orders.is_set():
            now = time.monotonic()
            self.state.simulated_now = self.kitchen.now(self.state.elapsed)
            if now >= next_sample:
                self.state.board.sample()
                next_sample = now + sample_every
            try:
                if now >= next_delivery:
                    self._deliver(self._most_needed())
                    next_delivery = time.monotonic() + self.settings.delivery_every
                if now >= next_sweep and self.sweep is not None:
                    self._sweep()
                    next_sweep = time.monotonic() + self.settings.sweep_every
            except Exception as error:  # shown and counted; the kitchen carries on
                self._problem(f"kitchen: {type(error).__name__}: {error}")
            self.stop_orders.wait(0.1)

    def _most_needed(self) -> Supplier:
        """The supplier whose ingredients orders asked for most since its last visit, for what is left of them:
        on a loaded machine a delivery (and the gate it closes) takes seconds, so a fixed rotation brought the
        mill back only every half a minute and most orders were refused for want of dough."""
        with self.ledger_lock:
            demanded = dict(self.demanded)
            levels = {t: self.ledger.expected_level(t) for t in demanded}

        def need(supplier: Supplier) -> float:
            last = self.used_at_last_visit.get(supplier.name, {})
            return (
                sum((demanded.get(t, 0) - last.get(t, 0)) / max(1, levels.get(t, 0)) for t in supplier.batches)
                + self.rng.random() / 1000
            )  # ties at random

        return max(SUPPLIERS, key=need)

    def _deliver(self, supplier: Supplier) -> None:
        with self.state.lock:
            number = self.state.deliveries + 1
        today = self.kitchen.now(self.state.elapsed).date()
        key = f"deliveries/{self.run_id}/{number:04d}-{supplier.name}.csv"
        with self.ledger_lock:
            used = dict(self.demanded)
        last = self.used_at_last_visit.get(supplier.name)
        since = None if last is None else {t: used.get(t, 0) - last.get(t, 0) for t in supplier.batches}
        self.used_at_last_visit[supplier.name] = used
        delivery = plan_delivery(supplier, today, key, self.rng, since)
        with self.gate.closed():
            report = self.stock.deliver(key, delivery.csv(), timeout=self.settings.settle_timeout)
            rejected = {int(r["line"]) for r in report.get("rejected", [])}
            if report.get("status") not in (None, "ingested"):
                self._problem(f"delivery {key}: {report.get('message', report.get('status'))}")
                return
            rows = delivery.accepted_rows(rejected)
            with self.ledger_lock:
                self.ledger.deliver(key, rows)
        quantities: Counter[str] = Counter()
        for type_id, quantity, _ in rows:
            quantities[type_id] += quantity
        with self.state.lock:
            self.state.deliveries += 1
            self.state.delivered.update(quantities)
        what = ", ".join(f"{q} {t}" for t, q in sorted(quantities.items()))
        near = sum(1 for _, _, best_before in rows if best_before == today)
        self._say(
            f"{supplier.name} delivered {what}"
            + (f" ({near} batches best before today)" if near else "")
            + (f"; {len(rejected)} rows rejected" if rejected else "")
        )

    def _sweep(self) -> None:
        """Sweep TTL at the kitchen's time. Orders are held only when the ledger expects a batch to go: a
        sweep that takes nothing cannot change what an order finds (if it does take something, the levels
        stop adding up, which the next settle reports)."""
        assert self.sweep is not None
        now = self.kitchen.now(self.state.elapsed)
        with self.ledger_lock:
            expiring = bool(self.ledger.expiring(now))
        if not expiring:
            self.sweep(now)
            return
        with self.gate.closed():
            deleted = self.sweep(now)
            with self.ledger_lock:
                gone = self.ledger.expire(now)
                expected = {batch.type_id: self.ledger.expected_level(batch.type_id) for batch in gone}
            # Orders stay out until the expiry reached the levels: the stock service judges best-before by
            # the real clock, where these batches are still good, and sells from them first (FEFO) until the
            # expire function takes them off their ingredient; the ledger has written them off already.
            self._await_levels(expected, "the expiry")
        expired: Counter[str] = Counter()
        for batch in gone:
            expired[batch.type_id] += batch.remaining
        with self.state.lock:
            self.state.expired.update(expired)
        what = ", ".join(f"{q} {t}" for t, q in sorted(expired.items()) if q) or "nothing left in them"
        swept = sum(deleted.values()) if isinstance(deleted, dict) else "?"
        self._say(f"{len(gone)} batches passed their best-before at {now:%a %H:%M} (TTL took {swept}): expired {what}")

    def _await_levels(self, expected: Mapping[str, int], what: str) -> None:
        """Poll GET /stock until these levels are as expected, or report a problem after settle_timeout."""
        if not expected:
            return
        deadline = time.monotonic() + self.settings.settle_timeout
        levels = self.stock.levels()
        while any(levels.get(t, 0) != q for t, q in expected.items()):
            if time.monotonic() >= deadline:
                differ = ", ".join(f"{t} {levels.get(t, 0)} (ledger {q})" for t, q in sorted(expected.items()))
                self._problem(f"{what} did not reach the levels within {self.settings.settle_timeout:.0f} s: {differ}")
                return
            time.sleep(0.1)
            levels = self.stock.levels()

    # --- the customers ----------------------------------------------------------------------------------

    def _customers(self) -> None:
        number = 0
        orders = ThreadPoolExecutor(self.settings.workers, thread_name_prefix="order")
        try:
            while not self.stop_orders.is_set():
                rate = order_rate(self.settings.orders_per_second, self.state.elapsed)
                if self.stop_orders.wait(self.rng.expovariate(rate)):
                    break
                number += 1
                pizza = choose_pizza(self.rng)
                orders.submit(self._order, f"{self.run_id}-{number:05d}", pizza)
        finally:
            # Customers still queueing when the place closes go home: they never reached the stock service.
            orders.shutdown(wait=True, cancel_futures=True)

    def _order(self, order_id: str, pizza: Pizza) -> None:
        item = self.items[pizza.name]
        try:
            with self.gate.order():
                self.orders.place(
                    order_id, {item: 1}, ingredients=pizza.ingredients, baking_time_secs=pizza.baking_time_secs
                )
                with self.seen_lock:
                    self.seen.placed.add(order_id)
                    self.open_orders[order_id] = item
                with self.ledger_lock:
                    self.demanded.update(pizza.ingredients)
                status, reason = self._past_the_stock(order_id)
                used = used_ingredients(status, reason)
                if used:
                    with self.ledger_lock:
                        self.ledger.use(pizza.ingredients)
            self._answered(order_id, pizza, status, reason, used)
        except Exception as error:
            self._problem(f"order {order_id}: {type(error).__name__}: {error}")

    def _past_the_stock(self, order_id: str) -> tuple[str, str | None]:
        """Follow the order (``GET /orders/{id}``) until its workflow is past the stock step."""
        deadline = time.monotonic() + self.settings.order_timeout
        status, reason = "PLACED", None
        while time.monotonic() < deadline:
            answer = self.orders.order(order_id)
            if answer.status == 200:
                body = answer.json()
                status, reason = body["status"], body.get("reason")
                if status in PAST_THE_STOCK:
                    return status, reason
            time.sleep(0.4)  # each look is a Lambda invocation on the same 2 cores as the kitchen
        raise TimeoutError(f"its workflow was not past the stock within {self.settings.order_timeout:.0f} s ({status})")

    def _answered(self, order_id: str, pizza: Pizza, status: str, reason: str | None, used: bool) -> None:
        with self.state.lock:
            self.state.orders += 1
        if used:
            with self.seen_lock:
                self.seen.accepted.add(order_id)
            with self.state.lock:
                self.state.accepted += 1
            self._say(f"order {order_id}: {pizza.name} accepted, into the oven", quiet=True)
        elif status == "REFUSED":
            with self.seen_lock:
                self.seen.refused.add(order_id)
            with self.state.lock:
                self.state.refused += 1
                self.state.refused_for.update(refusal_causes(reason or ""))
            self._say(f"order {order_id}: {pizza.name} refused, {reason}", quiet=True)
        else:
            self._say(f"PROBLEM order {order_id}: {status}: {reason}")
            with self.seen_lock:
                self.seen.unexpected_answers.append(f"{order_id}: {status} {reason}")

    # --- the front of house: orders to their end, the menu's availability, purchase orders -----------------

    def _front_of_house(self) -> None:
        while not self.stop_all.is_set():
            try:
                self._follow_orders()
                self._read_menu()
                self._manage_purchase_orders()
            except Exception as error:
                self._problem(f"front of house: {type(error).__name__}: {error}")
            self.stop_all.wait(2.0)

    def _follow_orders(self) -> None:
        with self.seen_lock:
            following = list(self.open_orders)
        for order_id in following:
            answer = self.orders.order(order_id)
            if answer.status != 200:
                continue
            body = answer.json()
            with self.state.lock:
                self.state.order_states[order_id] = body["status"]
            if body["status"] in ENDED:
                with self.seen_lock:
                    item = self.open_orders.pop(order_id, None)
                    self.seen.ended[order_id] = body["status"]
                    if body["status"] == "CONFIRMED" and item is not None:
                        self.seen.confirmed_per_item[item] += 1
                    if body["status"] == "FAILED":
                        self.seen.unexpected_answers.append(f"{order_id}: FAILED {body.get('reason')}")

    def _read_menu(self) -> None:
        """Each pizza of the menu by its id (``GET /items`` lists every item of the shop, a page at a time)."""
        for name, item in self.items.items():
            answer = self.reservations.item(item)
            if answer.status != 200:
                continue
            with self.state.lock:
                self.state.menu[name] = int(answer.json().get("available", 0))

    def _manage_purchase_orders(self) -> None:
        """The manager approves the purchase orders of the menu's pizzas (the workflow adds their units)."""
        answer = self.orders.purchase_orders()
        if answer.status != 200:
            return
        purchase_orders = answer.json()["purchaseOrders"]
        mine = set(self.items.values())
        waiting = [po for po in purchase_orders if po["itemId"] in mine and po["status"] == "AWAITING_APPROVAL"]
        with self.state.lock:
            self.state.open_purchase_orders = sum(
                1
                for po in purchase_orders
                if po["itemId"] in mine and po["status"] in ("REQUESTED", "AWAITING_APPROVAL")
            )
        for po in waiting:
            if self.orders.approve(po["poId"]).status in (200, 202):
                self._say(f"purchase order {po['poId']}: {po['quantity']} x {po['itemId']} approved")

    # --- the oven ---------------------------------------------------------------------------------------

    def _collect_baked(self) -> None:
        while not self.stop_all.is_set():
            try:
                baked = self.oven.collect_baked(wait_secs=1)
            except Exception as error:
                self._problem(f"collecting baked pizzas: {type(error).__name__}: {error}")
                self.stop_all.wait(1)
                continue
            for pizza_id in baked:
                with self.seen_lock:
                    self.seen.baked[pizza_id] += 1
                    times = self.seen.baked[pizza_id]
                with self.state.lock:
                    self.state.baked += 1
                if times > 1:
                    self._say(f"PROBLEM pizza {pizza_id} came out of the oven {times} times")
                    continue
                self._report_baked(pizza_id)

    def _report_baked(self, pizza_id: str) -> None:
        """Tell the orders service: the order's workflow, waiting for the oven, goes on to confirm it."""
        try:
            answer = self.orders.baked(pizza_id)
        except Exception as error:
            self._problem(f"reporting pizza {pizza_id} baked: {type(error).__name__}: {error}")
            return
        if answer.status != 200:
            self._problem(f"reporting pizza {pizza_id} baked: {answer.status} {answer.body[:200]!r}")

    def _watch_oven(self) -> None:
        last_problem = None
        while not self.stop_all.is_set():
            try:
                self._read_oven()
            except Exception as error:
                problem = f"reading the oven: {type(error).__name__}: {error}"
                if problem != last_problem:
                    self._problem(problem)
                last_problem = problem
            self.stop_all.wait(1.0)

    def _read_oven(self) -> None:
        load = read_oven_into(self.state, self.oven)
        with self.seen_lock:
            self.seen.oven_capacity = load.capacity
            self.seen.oven_in_use_seen.append(load.in_use)

    def _drain(self, abort: threading.Event) -> None:
        """Wait (with a deadline) until every accepted pizza came out of the oven and every order ended."""
        self.state.phase = "draining the oven"
        deadline = time.monotonic() + self.settings.drain_timeout
        while time.monotonic() < deadline:
            with self.seen_lock:
                missing = len(self.seen.accepted - set(self.seen.baked)) + len(self.open_orders)
            if not missing:
                self._say("the oven is empty: every accepted pizza is baked, every order ended")
                return
            self.progress.tick(self.state)
            if abort.wait(0.5):
                self._say("stopped before the oven drained")
                return
        with self.seen_lock:
            still = sorted(self.open_orders)
        self._say(
            f"the oven did not drain within {self.settings.drain_timeout:.0f} s"
            + (f" ({len(still)} orders not ended, e.g. {', '.join(still[:3])})" if still else "")
        )

    # --- the end ----------------------------------------------------------------------------------------

    def _take_stock(self) -> None:
        """Nothing is in flight any more: the levels must come to equal the ledger's (expiries still being
        applied get until a deadline), and the stream must come to agree with the API."""
        self.state.phase = "taking stock"
        with self.ledger_lock:
            expected = self.ledger.expected_levels()
            explanations = {t: self.ledger.explain(t) for t in expected}
        deadline = time.monotonic() + self.settings.settle_timeout
        final = self.stock.levels()
        while any(final.get(t, 0) != q for t, q in expected.items()) and time.monotonic() < deadline:
            time.sleep(0.25)
            final = self.stock.levels()
        self._levels_read(final, "GET /stock at the end")
        # The stream is read asynchronously: give it until a deadline to catch up with the API.
        deadline = time.monotonic() + self.settings.settle_timeout
        while time.monotonic() < deadline and any(self.state.board.quantities().get(t) != q for t, q in final.items()):
            time.sleep(0.2)
        with contextlib.suppress(Exception):
            load = self._final_load()
            self.seen.oven_in_use_at_end = load
        self._take_menu_stock()
        with self.seen_lock:
            self.seen.final_levels = final
            self.seen.expected_levels = expected
            self.seen.explanations = explanations
            self.seen.streamed_levels = self.state.board.quantities()
        self.state.board.sample()
        self.state.phase = "closed"

    def _take_menu_stock(self) -> None:
        """Each pizza item as the reservations service tells it, once nothing is held any more (the projection
        is eventually consistent: a deadline to settle, then whatever it says is checked)."""
        deadline = time.monotonic() + self.settings.settle_timeout
        for item in self.items.values():
            body: dict[str, Any] = {}
            while True:
                answer = self.reservations.item(item)
                body = answer.json() if answer.status == 200 else {}
                settled = body.get("reserved") == 0 and body.get("sold") == self.seen.confirmed_per_item[item]
                if settled or time.monotonic() >= deadline:
                    break
                time.sleep(0.2)
            if body:
                self.seen.menu_items[item] = {k: int(body[k]) for k in ("supply", "sold", "reserved", "available")}

    def _final_load(self) -> int:
        """Slots in use once drained; freeing a slot may trail the pizza's arrival on BakedItems a little."""
        deadline = time.monotonic() + 10
        in_use = self.oven.load().in_use
        while in_use and time.monotonic() < deadline:
            time.sleep(0.2)
            in_use = self.oven.load().in_use
        return in_use

    # --- bookkeeping ------------------------------------------------------------------------------------

    def _level_streamed(self, level: Level) -> None:
        with self.seen_lock:
            self.seen.levels_seen.append((f"kinesis v{level.version}", level.type_id, level.quantity))

    def _levels_read(self, levels: dict[str, int], where: str) -> None:
        negative = [(where, t, q) for t, q in levels.items() if q < 0]
        if negative:
            with self.seen_lock:
                self.seen.levels_seen.extend(negative)

    def _say(self, text: str, *, quiet: bool = False) -> None:
        self.state.event(text)
        if not quiet:
            self.progress.line(self.state, text)

    def _problem(self, text: str) -> None:
        with self.state.lock:
            self.state.problems.append(text)
        with self.seen_lock:
            self.seen.errors.append(text)
        self._say(f"PROBLEM {text}")


def refusal_causes(reason: str) -> list[str]:
    """What an order was refused for, for the dashboard: the ingredients it was short of, or the sold-out item."""
    if reason.startswith("stock: short of "):
        return [part.split(" (")[0].strip() for part in reason.removeprefix("stock: short of ").split("), ") if part]
    if reason.startswith("reservations:"):
        return ["sold out"]
    return [reason.split(":")[0] or "?"]


def read_oven_into(state: PlaceState, oven: OvenClient) -> OvenLoad:
    """The oven's load and queues, onto the dashboard."""
    load = oven.load()
    depths = oven.queue_depths()
    with state.lock:
        state.oven_capacity = load.capacity
        state.oven_in_use = load.in_use
        state.oven_waiting = load.waiting
        state.queue_new = depths["new"]
        state.queue_baked = depths["baked"]
    return load


@dataclass
class Kitchen:
    """The kitchen clock: best-before dates pass ``speed`` hours for every second of the demo."""

    start: datetime
    speed: float

    def now(self, elapsed: float) -> datetime:
        return self.start + timedelta(hours=elapsed * self.speed)
