"""The use cases over in-memory ports: each rule of the oven, then every order of events (hypothesis)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from fakes import Clock, FakeBell, FakeLedger, FakeLine, FakeRejects, FakeShelf, FakeTimer, InlineStarts
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from pizza_common.deadline import Deadline, current, within
from pizza_oven.domain.model import Load, Pizza, PizzaState, Route
from pizza_oven.domain.outcomes import Accepted, LineServed, Reconciled, Removed
from pizza_oven.ports import StartFailed
from pizza_oven.use_cases import Arrival, StartInProgress, accept, accept_all, reconcile, remove, take_waiting


class Oven:
    """One oven's ports, and the three use cases bound to them."""

    def __init__(self, capacity: int) -> None:
        self.clock = Clock()
        self.ledger = FakeLedger(capacity)
        self.line = FakeLine()
        self.timer = FakeTimer(clock=self.clock)
        self.shelf = FakeShelf()
        self.bell = FakeBell()
        self.rejects = FakeRejects()

    def accept(self, pizza: Pizza, message_id: str | None = None) -> Accepted:
        return accept(
            pizza,
            message_id=message_id or f"message-{pizza.id}",  # a repeat is the same message, delivered again
            body=str(pizza.to_message()),
            ledger=self.ledger,
            line=self.line,
            timer=self.timer,
            bell=self.bell,
            rejects=self.rejects,
            now=self.clock,
        )

    def accept_all(self, *pizzas: Pizza, threads: bool = False) -> list[Accepted | Exception]:
        return accept_all(
            [Arrival(pizza, f"message-{pizza.id}", str(pizza.to_message())) for pizza in pizzas],
            ledger=self.ledger,
            line=self.line,
            timer=self.timer,
            bell=self.bell,
            rejects=self.rejects,
            now=self.clock,
            starts=None if threads else InlineStarts(),  # threads: accept_all's own pool
        )

    def take_waiting(self, has_time=lambda: True) -> int:
        served = take_waiting(ledger=self.ledger, line=self.line, timer=self.timer, now=self.clock, has_time=has_time)
        assert not served.unfinished or not has_time()
        return served.taken

    def remove(self, pizza: Pizza) -> Removed:
        return remove(
            pizza,
            ledger=self.ledger,
            line=self.line,
            timer=self.timer,
            shelf=self.shelf,
            bell=self.bell,
            now=self.clock,
            patience_secs=0,  # in memory nobody else holds the head for a moment
        )

    def reconcile(self) -> Reconciled:
        return reconcile(
            ledger=self.ledger,
            timer=self.timer,
            line=self.line,
            waiting_line=self.line,
            shelf=self.shelf,
            bell=self.bell,
            rejects=self.rejects,
            now=self.clock,
        )

    def finish(self, pizza_id: str) -> Removed:
        return self.remove(self.timer.finish(pizza_id))

    def finish_while_the_head_is_held(self, pizza_id: str) -> Removed:
        """A removal that finds the head of the line held by another taker: it frees the slot and rings."""
        held = self.line.take(1)
        try:
            return self.finish(pizza_id)
        finally:
            self.line.put_back(held)

    def state(self, pizza_id: str) -> PizzaState | None:
        record = self.ledger.pizza(pizza_id)
        return record.state if record else None


def pizzas(count: int, prefix: str = "p") -> list[Pizza]:
    return [Pizza(f"{prefix}{number}", 5) for number in range(count)]


def a_line_behind_free_slots() -> Oven:
    """Three slots, p0-p2 baked and out while the line was held: the slots free, p3-p5 still waiting."""
    oven = Oven(capacity=3)
    for pizza in pizzas(6):
        oven.accept(pizza)
    for pizza_id in ("p0", "p1", "p2"):
        oven.finish_while_the_head_is_held(pizza_id)
    return oven


def test_a_pizza_takes_a_free_slot_and_starts_baking():
    oven = Oven(capacity=2)
    assert oven.accept(Pizza("p1", 5)) is Accepted.BAKING
    assert oven.ledger.load().in_use == 1
    assert oven.timer.starts == ["p1"]
    assert oven.ledger.pizza("p1").started_at is not None


def test_when_the_oven_is_full_a_pizza_joins_the_line_and_rings_for_the_baker():
    oven = Oven(capacity=1)
    oven.accept(Pizza("p1", 5))
    assert oven.accept(Pizza("p2", 5)) is Accepted.WAITING
    assert oven.ledger.load() == oven.ledger.load().__class__(capacity=1, in_use=1, waiting=1)
    assert oven.line.joined == ["p2"]
    assert oven.bell.rings == ["joined-p2"]
    assert oven.timer.starts == ["p1"]


def test_an_arrival_joins_the_line_while_others_wait_even_if_a_slot_is_free():
    oven = Oven(capacity=1)
    oven.accept(Pizza("p1", 5))
    oven.accept(Pizza("p2", 5))
    oven.finish("p1")  # a slot frees; the baker has not run yet
    assert oven.accept(Pizza("p3", 5)) is Accepted.WAITING
    oven.take_waiting()
    assert oven.timer.starts == ["p1", "p2"]  # p2 got the slot, not p3


def test_a_batch_fills_the_free_slots_then_joins_the_line_together_in_its_order():
    oven = Oven(capacity=2)
    joined_together = []
    original = oven.ledger.join_line_together
    oven.ledger.join_line_together = lambda arrivals, now: (
        joined_together.append(len(arrivals)) or original(arrivals, now)
    )
    pizzas = [Pizza(f"p{n}", 5) for n in range(1, 7)]

    answers = oven.accept_all(*pizzas)

    assert answers == [Accepted.BAKING] * 2 + [Accepted.WAITING] * 4
    assert joined_together == [3]  # p3 joined alone (it found no room), p4-p6 in one step
    assert oven.line.joined == ["p3", "p4", "p5", "p6"]
    assert oven.ledger.load().waiting == 4
    assert oven.bell.rings == ["joined-p3", "joined-p4"]
    oven.finish("p1")
    assert oven.timer.starts == ["p1", "p2", "p3"]


def test_a_batchs_pizzas_that_took_slots_start_baking_side_by_side():
    oven = Oven(capacity=3)
    together = threading.Barrier(3, timeout=5)  # one after another, the first start would wait here in vain
    start = oven.timer.start
    oven.timer.start = lambda pizza: (together.wait(), start(pizza))[1]

    answers = oven.accept_all(*(Pizza(f"p{n}", 5) for n in range(1, 5)), threads=True)

    assert answers == [Accepted.BAKING] * 3 + [Accepted.WAITING]
    assert sorted(oven.timer.starts) == ["p1", "p2", "p3"]
    assert oven.ledger.load().in_use == 3


def test_a_start_on_the_pool_keeps_to_the_handlers_deadline():
    # A thread does not inherit the handler's context: without it, a start's retries would take the 20 s
    # fallback deadline, whatever time the invocation had left.
    oven = Oven(capacity=2)
    seen: list[Deadline] = []
    start = oven.timer.start
    oven.timer.start = lambda pizza: (seen.append(current()), start(pizza))[1]
    handlers = Deadline.after(3.0)
    with within(handlers):
        oven.accept_all(Pizza("p1", 5), Pizza("p2", 5), threads=True)
    assert seen == [handlers, handlers]


def test_a_batch_holding_a_known_pizza_joins_one_by_one_and_counts_each_once():
    oven = Oven(capacity=1)
    oven.accept(Pizza("p1", 5))
    oven.accept(Pizza("p3", 5))  # an earlier delivery of p3's message: it waits already

    answers = oven.accept_all(Pizza("p2", 5), Pizza("p3", 5), Pizza("p4", 5), Pizza("p4", 5))

    assert answers == [Accepted.WAITING, Accepted.DUPLICATE, Accepted.WAITING, Accepted.DUPLICATE]
    assert oven.ledger.load().waiting == 3
    assert oven.line.joined == ["p3", "p2", "p4"]


def test_a_batch_answers_each_pizza_with_its_own_failure():
    oven = Oven(capacity=2)
    oven.timer.fail_next = 1  # the first start fails for sure: that arrival is retried, its slot given back

    answers = oven.accept_all(Pizza("p1", 5), Pizza("p2", 5))

    assert isinstance(answers[0], StartFailed)
    assert answers[1] is Accepted.BAKING
    assert oven.ledger.load().in_use == 1


def test_a_duplicate_arrival_takes_no_second_slot_and_starts_nothing():
    oven = Oven(capacity=3)
    oven.accept(Pizza("p1", 5))
    assert oven.accept(Pizza("p1", 5)) is Accepted.DUPLICATE
    assert oven.ledger.load().in_use == 1
    assert oven.timer.starts == ["p1"]


def test_a_duplicate_of_a_waiting_pizza_keeps_one_place_in_line():
    oven = Oven(capacity=1)
    oven.accept(Pizza("p1", 5))
    oven.accept(Pizza("p2", 5))
    assert oven.accept(Pizza("p2", 5)) is Accepted.DUPLICATE
    assert oven.ledger.load().waiting == 1
    assert len(oven.line) == 1


def test_a_duplicate_of_a_baked_pizza_is_dropped():
    oven = Oven(capacity=1)
    oven.accept(Pizza("p1", 5))
    oven.finish("p1")
    assert oven.accept(Pizza("p1", 5)) is Accepted.DUPLICATE
    assert oven.ledger.load().in_use == 0
    assert oven.shelf.baked == ["p1"]


def test_a_slot_is_given_back_when_the_baking_certainly_did_not_start():
    oven = Oven(capacity=2)
    oven.timer.fail_next = 1
    with pytest.raises(StartFailed):
        oven.accept(Pizza("p1", 5))
    assert oven.ledger.load().in_use == 0
    assert oven.state("p1") is None  # forgotten: the retried message starts from scratch
    assert oven.accept(Pizza("p1", 5)) is Accepted.BAKING
    assert oven.ledger.load().in_use == 1


def test_a_slot_is_kept_when_the_baking_may_have_started_and_a_later_delivery_finishes_the_job():
    oven = Oven(capacity=2)
    oven.timer.unclear_next = 1
    with pytest.raises(StartFailed):
        oven.accept(Pizza("p1", 5))
    assert oven.ledger.load().in_use == 1
    with pytest.raises(StartInProgress):  # soon after: the first delivery may still be at it
        oven.accept(Pizza("p1", 5))
    oven.clock.now += timedelta(minutes=5)
    assert oven.accept(Pizza("p1", 5)) is Accepted.DUPLICATE
    assert oven.ledger.pizza("p1").started_at is not None
    assert oven.timer.starts == ["p1"]


def test_an_id_whose_execution_ran_long_before_is_rejected_as_reused_and_frees_its_slot():
    oven = Oven(capacity=1)
    oven.timer.finished.add("p1")  # baked in an earlier life the oven has forgotten
    oven.timer.started_at["p1"] = oven.clock.now - timedelta(days=30)
    assert oven.accept(Pizza("p1", 5)) is Accepted.REUSED
    assert oven.ledger.load().in_use == 0
    assert oven.shelf.baked == []
    [(_, reason, message_id)] = oven.rejects.rejected
    assert "p1" in reason and "reused" in reason and message_id == "message-p1"


def test_another_message_with_the_id_of_a_known_pizza_is_rejected_with_the_reason():
    oven = Oven(capacity=1)
    oven.accept(Pizza("p1", 5), message_id="first")
    oven.finish("p1")

    assert oven.accept(Pizza("p1", 5), message_id="second") is Accepted.REUSED
    assert oven.accept(Pizza("p1", 5), message_id="first") is Accepted.DUPLICATE  # the same message again
    [(_, reason, message_id)] = oven.rejects.rejected
    assert message_id == "second" and "already used by another message (first, now baked)" in reason
    assert oven.shelf.baked == ["p1"]


def test_the_baker_takes_waiting_pizzas_in_order_while_slots_are_free():
    oven = Oven(capacity=2)
    for pizza in pizzas(6):
        oven.accept(pizza)
    oven.finish_while_the_head_is_held("p0")
    oven.finish_while_the_head_is_held("p1")
    assert oven.take_waiting() == 2
    assert oven.timer.starts == ["p0", "p1", "p2", "p3"]
    assert oven.ledger.load().waiting == 2
    assert oven.take_waiting() == 0  # full again: nothing more


def test_an_error_while_taking_from_the_line_puts_the_rest_back_at_once_in_order():
    oven = a_line_behind_free_slots()
    take = oven.ledger.take_from_line
    failing = iter([False, True])  # the second take fails (a throttled write past its retries)

    def take_from_line(pizza, sequence, at):
        if next(failing, False):
            raise ConnectionError("the oven table did not answer")
        return take(pizza, sequence, at)

    oven.ledger.take_from_line = take_from_line
    with pytest.raises(ConnectionError):
        oven.take_waiting()
    assert oven.line.held == {}, "nothing left held: the line is free for the next taker"
    assert [pizza.id for _, pizza in oven.line.queued] == ["p4", "p5"]
    assert oven.take_waiting() == 2
    assert oven.timer.starts[-3:] == ["p3", "p4", "p5"]


def test_a_baker_out_of_time_stops_with_slots_free_and_says_so():
    oven = a_line_behind_free_slots()
    calls = iter([True, False])  # time for one round only
    served = take_waiting(
        ledger=oven.ledger, line=oven.line, timer=oven.timer, now=oven.clock, most=1, has_time=lambda: next(calls)
    )
    assert served == LineServed(taken=1, unfinished=True)
    assert len(oven.line.held) == 0  # nothing left held: the next baker starts at p4
    assert oven.take_waiting() == 2


def test_a_waiting_pizza_whose_baking_fails_to_start_keeps_its_slot_until_the_reconciler_starts_it():
    oven = Oven(capacity=1)
    for pizza in pizzas(3):
        oven.accept(pizza)
    oven.finish_while_the_head_is_held("p0")
    oven.timer.fail_next = 1
    with pytest.raises(StartFailed):
        oven.take_waiting()
    assert oven.ledger.load() == Load(capacity=1, in_use=1, waiting=1)
    assert oven.state("p1") is PizzaState.BAKING and oven.ledger.pizza("p1").started_at is None
    assert len(oven.line.held) == 0  # the line was let go before the start
    oven.clock.now += timedelta(minutes=2)
    assert oven.reconcile().started == 1
    assert oven.timer.starts == ["p0", "p1"]


def test_removal_hands_its_slot_straight_to_the_head_of_the_line():
    oven = Oven(capacity=1)
    for pizza in pizzas(3):
        oven.accept(pizza)
    oven.bell.rings.clear()

    assert oven.finish("p0") is Removed.HANDED_OVER
    assert oven.state("p0") is PizzaState.BAKED and oven.shelf.baked == ["p0"]
    assert oven.state("p1") is PizzaState.BAKING and oven.ledger.pizza("p1").started_at is not None
    assert oven.ledger.load() == Load(capacity=1, in_use=1, waiting=1)
    assert oven.bell.rings == []  # nobody had to be woken
    assert oven.finish("p1") is Removed.HANDED_OVER
    assert oven.finish("p2") is Removed.TAKEN_OUT  # nobody waits: the slot is freed
    assert [pizza_id for pizza_id, _ in oven.ledger.allocations] == ["p0", "p1", "p2"]


def test_a_hand_over_whose_baking_fails_to_start_keeps_the_slot_for_the_reconciler_to_start():
    oven = Oven(capacity=1)
    for pizza in pizzas(3):
        oven.accept(pizza)
    oven.timer.fail_next = 1

    assert oven.finish("p0") is Removed.HANDED_OVER
    assert oven.state("p1") is PizzaState.BAKING and oven.ledger.pizza("p1").started_at is None
    oven.clock.now += timedelta(minutes=2)
    assert oven.reconcile().started == 1
    assert "p1" in oven.timer.running and oven.state("p2") is PizzaState.WAITING


def test_an_error_while_handing_a_slot_over_puts_the_head_back_at_once():
    oven = Oven(capacity=1)
    for pizza in pizzas(3):
        oven.accept(pizza)

    def hand_over(pizza, head, sequence, at):
        raise ConnectionError("the oven table did not answer")

    oven.ledger.hand_over = hand_over
    with pytest.raises(ConnectionError):
        oven.finish("p0")
    assert oven.line.held == {}, "nothing left held: the line is free for the next taker"
    assert [pizza.id for _, pizza in oven.line.queued] == ["p1", "p2"]


def test_a_pizza_that_can_never_start_goes_back_to_the_line_and_frees_its_slot():
    oven = Oven(capacity=1)
    for pizza in pizzas(3):
        oven.accept(pizza)
    oven.timer.fail_next = 2  # the hand-over's start, and the reconciler's

    oven.finish("p0")
    oven.clock.now += timedelta(minutes=2)
    oven.reconcile()

    assert oven.state("p1") is PizzaState.WAITING and oven.ledger.load() == Load(capacity=1, in_use=0, waiting=2)
    assert oven.take_waiting() == 1  # the line still has both, and serves p2 (then p1, behind it)
    assert oven.state("p2") is PizzaState.BAKING


def test_removal_frees_the_slot_once_shelves_the_pizza_and_rings():
    oven = Oven(capacity=1)
    oven.accept(Pizza("p1", 5))
    pizza = oven.timer.finish("p1")
    assert oven.remove(pizza) is Removed.TAKEN_OUT
    assert oven.remove(pizza) is Removed.DUPLICATE
    assert oven.ledger.load().in_use == 0
    assert oven.shelf.baked == ["p1"]
    assert oven.bell.rings == ["removed-p1", "removed-p1"]  # the second makes sure the first rang


def test_a_repeated_removal_shelves_a_pizza_the_first_one_freed_but_did_not_shelve():
    oven = Oven(capacity=1)
    oven.accept(Pizza("p1", 5))
    pizza = oven.timer.finish("p1")
    oven.ledger.take_out(pizza, oven.clock())  # the first removal died right after freeing the slot
    assert oven.remove(pizza) is Removed.DUPLICATE
    assert oven.shelf.baked == ["p1"]
    assert oven.ledger.load().in_use == 0


def test_a_removal_of_a_pizza_not_in_the_oven_changes_nothing():
    oven = Oven(capacity=1)
    oven.accept(Pizza("p1", 5))
    oven.accept(Pizza("p2", 5))
    assert oven.remove(Pizza("p2", 5)) is Removed.NOT_IN_OVEN
    assert oven.remove(Pizza("ghost", 5)) is Removed.NOT_IN_OVEN
    assert oven.ledger.load().in_use == 1
    assert oven.shelf.baked == []


def test_the_reconciler_starts_a_slot_whose_start_never_got_an_answer():
    oven = Oven(capacity=1)
    oven.timer.unclear_next = 1  # it went through, but the answer was lost and the message reached its DLQ
    with pytest.raises(StartFailed):
        oven.accept(Pizza("p1", 5))
    oven.timer.running.clear()  # and in fact it never ran

    assert oven.reconcile().started == 0  # within the grace a delivery may still start it
    oven.clock.now += timedelta(minutes=2)
    assert oven.reconcile().started == 1
    assert oven.ledger.pizza("p1").started_at is not None and "p1" in oven.timer.running
    oven.finish("p1")
    assert oven.shelf.baked == ["p1"] and oven.ledger.load().in_use == 0


def test_a_pizza_whose_execution_failed_after_its_baking_time_is_taken_out_by_the_reconciler():
    oven = Oven(capacity=1)
    oven.accept(Pizza("p1", 5))
    oven.accept(Pizza("p2", 5))
    oven.timer.fail("p1", "FAILED", after_secs=400)  # every retry of its removal failed

    assert oven.reconcile().taken_out == 1
    assert oven.shelf.baked == ["p1"] and oven.state("p1") is PizzaState.BAKED
    assert oven.state("p2") is PizzaState.BAKING  # its slot went on to the head of the line
    assert oven.rejects.rejected == []


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED"])
def test_a_pizza_whose_execution_ended_before_its_time_goes_to_the_dlq_with_the_reason(status):
    oven = Oven(capacity=1)
    oven.accept(Pizza("p1", 5))
    oven.timer.fail("p1", status, after_secs=1)

    assert oven.reconcile().failed == 1
    assert oven.state("p1") is PizzaState.FAILED and oven.ledger.load().in_use == 0
    [(body, reason, message_id)] = oven.rejects.rejected
    assert status in reason and "after 1 s of 5 s" in reason and message_id == "message-p1"
    assert json.loads(body) == {"bakingTimeSecs": 5, "id": "p1"}
    assert oven.shelf.baked == [] and oven.accept(Pizza("p1", 5)) is Accepted.DUPLICATE
    assert oven.reconcile().failed == 0  # once


def test_the_reconciler_recounts_a_load_that_disagrees_with_its_slot_holders_and_rings():
    oven = Oven(capacity=2)
    oven.accept(Pizza("p1", 5))
    oven.ledger.in_use = 2  # a counter gone wrong by hand

    assert oven.reconcile().recounted
    assert oven.ledger.load().in_use == 1
    assert oven.bell.rings[-1].startswith("reconciled-")


FAILURES = st.sampled_from([None, None, None, "before", "unclear"])


class OvenInAnyOrder(RuleBasedStateMachine):
    """Pizzas arrive, repeat, bake and are removed (also twice) in any order, and starts fail at any point.
    The oven keeps its books straight at every step, and at the end every pizza is baked exactly once."""

    @initialize(capacity=st.integers(1, 3))
    def build(self, capacity):
        self.oven = Oven(capacity)
        self.ordered: list[Pizza] = []
        self.inbox: list[Pizza] = []  # NewItems messages not yet processed successfully

    def _inject(self, failure):
        if failure == "before":
            self.oven.timer.fail_next = 1
        elif failure == "unclear":
            self.oven.timer.unclear_next = 1

    def _clear_failures(self):
        self.oven.timer.fail_next = self.oven.timer.unclear_next = 0

    @rule(secs=st.integers(1, 5))
    def order_a_pizza(self, secs):
        pizza = Pizza(f"p{len(self.ordered)}", secs)
        self.ordered.append(pizza)
        self.inbox.append(pizza)

    @precondition(lambda self: self.inbox)
    @rule(data=st.data(), again=st.booleans(), failure=FAILURES)
    def deliver(self, data, again, failure):
        index = data.draw(st.integers(0, len(self.inbox) - 1))
        self._inject(failure)
        waiting_before = self.oven.ledger.waiting
        try:
            accepted = self.oven.accept(self.inbox[index])
        except (StartFailed, StartInProgress):
            return  # the message stays: SQS delivers it again
        finally:
            self._clear_failures()
        if accepted is Accepted.BAKING:
            assert waiting_before == 0, "an arrival took a slot while others waited"
        if not again:
            self.inbox.pop(index)

    @precondition(lambda self: self.inbox)
    @rule(data=st.data(), failure=FAILURES)
    def deliver_a_batch(self, data, failure):
        """Several NewItems messages in one invocation (repeats included); the failed ones stay in the inbox."""
        batch = data.draw(st.lists(st.sampled_from(self.inbox), min_size=1, max_size=6))
        self._inject(failure)
        waiting_before = self.oven.ledger.waiting
        try:
            answers = self.oven.accept_all(*batch)
        finally:
            self._clear_failures()
        took = [n for n, answer in enumerate(answers) if answer is Accepted.BAKING]
        joined = [n for n, answer in enumerate(answers) if answer is Accepted.WAITING]
        assert not (took and waiting_before), "an arrival took a slot while others waited"
        assert not (took and joined and max(took) > min(joined)), "an arrival overtook one that joined the line"
        for pizza, answer in zip(batch, answers, strict=True):
            if not isinstance(answer, Exception) and pizza in self.inbox:
                self.inbox.remove(pizza)

    @precondition(lambda self: self.oven.bell.rings)
    @rule(failure=FAILURES)
    def answer_the_bell(self, failure):
        rings = list(self.oven.bell.rings)
        self.oven.bell.rings.clear()
        self._inject(failure)
        try:
            self.oven.take_waiting()
        except StartFailed:
            self.oven.bell.rings.extend(rings)  # the wake-ups come back after their visibility timeout
        finally:
            self._clear_failures()

    @precondition(lambda self: self.oven.timer.running)
    @rule(data=st.data(), twice=st.booleans())
    def finish_baking(self, data, twice):
        pizza_id = data.draw(st.sampled_from(sorted(self.oven.timer.running)))
        pizza = self.oven.timer.finish(pizza_id)
        first = self.oven.remove(pizza)
        assert first is not Removed.NOT_IN_OVEN
        if twice:
            assert self.oven.remove(pizza) is Removed.DUPLICATE

    @rule()
    def reconcile(self):
        self.oven.reconcile()

    @rule()
    def time_passes(self):
        self.oven.clock.now += timedelta(minutes=5)

    @invariant()
    def the_load_counts_the_pizzas_in_each_state(self):
        if not hasattr(self, "oven"):
            return
        ledger = self.oven.ledger
        states = [record.state for record in ledger.pizzas.values()]
        assert ledger.in_use == states.count(PizzaState.BAKING) <= ledger.capacity
        assert ledger.waiting == states.count(PizzaState.WAITING)

    @invariant()
    def no_pizza_is_shelved_twice(self):
        if hasattr(self, "oven"):
            assert len(self.oven.shelf.baked) == len(set(self.oven.shelf.baked))

    @invariant()
    def the_line_is_served_in_the_order_it_was_joined(self):
        if not hasattr(self, "oven"):
            return
        places = [self.oven.line.joined.index(i) for i, route in self.oven.ledger.allocations if route is Route.LINE]
        assert places == sorted(places)

    def teardown(self):
        if not hasattr(self, "oven"):
            return
        oven = self.oven
        for _ in range(1000):
            if not (self.inbox or oven.bell.rings or oven.timer.running):
                break
            oven.clock.now += timedelta(minutes=5)
            while self.inbox:
                oven.accept(self.inbox.pop())
            while oven.bell.rings:
                oven.bell.rings.clear()
                oven.take_waiting()
            for pizza_id in sorted(oven.timer.running):
                oven.finish(pizza_id)
            oven.reconcile()
        assert sorted(oven.shelf.baked) == sorted(pizza.id for pizza in self.ordered)
        assert oven.ledger.load().in_use == 0
        assert oven.ledger.load().waiting == 0
        assert len(oven.line) == 0
        assert oven.rejects.rejected == []


TestOvenInAnyOrder = OvenInAnyOrder.TestCase
TestOvenInAnyOrder.settings = settings(
    max_examples=200, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
