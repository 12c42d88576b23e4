"""The orders use cases on in-memory fakes: each of the original workflows' flaws, caught without a cloud."""

from __future__ import annotations

import pytest
from fakes import Clock, FakeCommands, FakeEventStore, FakeRequests, FakeSnapshots
from orders_fakes import (
    FakeApprovals,
    FakeNotifier,
    FakeOrderBook,
    FakeOven,
    FakePantry,
    FakePurchaseOrders,
    FakeWorkflows,
)

from pizza_common.errors import Conflict, NotFound
from pizza_reservations import use_cases as inventory
from pizza_reservations.bootstrap import Inventory
from pizza_reservations.domain.model import AdjustItem, ReservationStatus, Reserve
from pizza_reservations.orders import use_cases
from pizza_reservations.orders.domain import (
    CreatePurchaseOrder,
    LineGivenBack,
    NewOrderReceived,
    OrderIdReused,
    OrderLine,
    OrderStatus,
    PurchaseOrderStatus,
    ReservationIdTaken,
    tally,
)


class World:
    def __init__(self) -> None:
        self.clock = Clock()
        self.requests = FakeRequests()
        self.inventory = Inventory(FakeEventStore(self.requests), self.requests, FakeSnapshots())
        self.book = FakeOrderBook()
        self.purchase_orders = FakePurchaseOrders()
        self.workflows = FakeWorkflows()
        self.approvals = FakeApprovals()
        self.notifier = FakeNotifier()
        self.commands = FakeCommands()

    def stock(self, item: str, units: int) -> None:
        inventory.adjust(
            AdjustItem(item_id=item, adjustment_id=f"stock-{item}-{units}", delta=units, reason="batch"),
            store=self.inventory.store,
            snapshots=self.inventory.snapshots,
            requests=self.requests,
            now=self.clock,
        )

    def available(self, item: str) -> int:
        state = inventory.load_state(item, store=self.inventory.store, snapshots=self.inventory.snapshots)
        return state.available(self.clock())

    def reserve(self, order_id: str, item: str, quantity: int):
        return use_cases.reserve_line(order_id, item, quantity, hold_seconds=600, ports=self.inventory, now=self.clock)

    def release(self, order_id: str, lines: list[tuple[str, int]]) -> int:
        return use_cases.release_order(order_id, lines, hold_seconds=600, ports=self.inventory, now=self.clock)

    def confirm(self, order_id: str, lines: list[tuple[str, int]]) -> use_cases.Confirmation:
        return use_cases.confirm_order(order_id, lines, ports=self.inventory, commands=self.commands, now=self.clock)

    def raise_po(self, item: str, quantity: int = 3, order_id: str | None = "o-1"):
        request = CreatePurchaseOrder(order_id=order_id, items=(OrderLine(item_id=item, quantity=quantity),))
        return use_cases.raise_purchase_orders(
            request,
            purchase_orders=self.purchase_orders,
            workflows=self.workflows,
            now=self.clock,
            reorder_quantity=20,
            approval_timeout_seconds=60,
        )


@pytest.fixture
def world() -> World:
    return World()


def test_reserving_a_line_twice_holds_it_once(world):
    """The original decremented again on every at-least-once delivery."""
    world.stock("cola", 5)
    first, again = world.reserve("o-1", "cola", 2), world.reserve("o-1", "cola", 2)
    assert first.held and again.held and first.reservation_id == again.reservation_id == "o-1:cola"
    assert world.available("cola") == 3


def test_a_line_is_never_held_past_what_is_available(world):
    """The original read without a consistent read and decremented with no condition."""
    world.stock("cola", 3)
    outcomes = [world.reserve(f"o-{n}", "cola", 1) for n in range(5)]
    assert [o.held for o in outcomes] == [True, True, True, False, False]
    assert outcomes[-1].available == 0


def test_releasing_an_order_gives_back_what_it_held_once_and_a_replay_is_not_held(world):
    """The original never released nor expired a reservation."""
    world.stock("cola", 5)
    world.stock("tiramisu", 1)
    outcomes = (world.reserve("o-1", "cola", 2), world.reserve("o-1", "tiramisu", 3))
    summed = tally("o-1", outcomes)
    assert not summed.all_reserved and [o.item_id for o in summed.missing] == ["tiramisu"]
    for _ in range(2):
        world.release("o-1", [("cola", 2), ("tiramisu", 3)])
    assert world.available("cola") == 5
    assert world.requests.reservation("o-1:cola").status is ReservationStatus.RELEASED
    # A second run of the order (a duplicate execution) finds the hold given back: not held, and not missing either.
    with pytest.raises(LineGivenBack, match="o-1:cola is released"):
        world.reserve("o-1", "cola", 2)
    assert world.available("cola") == 5


def test_a_hold_under_an_orders_line_id_made_with_another_hold_time_is_not_the_orders_and_never_released(world):
    """A shopper's hold named like an order's line ("g1:cola") but for 300 s: the order's reserving refuses it as
    not its own, and its failure path released it all the same (it compared item and quantity only)."""
    world.stock("cola", 5)
    shoppers = Reserve(reservation_id="g1:cola", item_id="cola", quantity=1, hold_seconds=300)
    inv = world.inventory
    inventory.reserve(shoppers, store=inv.store, snapshots=inv.snapshots, requests=inv.requests, now=world.clock)
    with pytest.raises(ReservationIdTaken):
        world.reserve("g1", "cola", 1)
    assert world.release("g1", [("cola", 1)]) == 0
    assert world.requests.reservation("g1:cola").status is ReservationStatus.HELD
    assert world.available("cola") == 4


def test_a_decided_order_is_not_started_again_and_not_decided_twice(world):
    order = NewOrderReceived(order_id="o-1", items=(OrderLine(item_id="cola", quantity=1),))
    assert use_cases.start_order(order, book=world.book, workflows=world.workflows, now=world.clock)
    assert world.book.get("o-1").status is OrderStatus.PLACED  # recorded before its workflow starts
    assert use_cases.start_order(order, book=world.book, workflows=world.workflows, now=world.clock)  # PLACED
    decided = use_cases.record_decision("o-1", OrderStatus.RESERVED, (), None, book=world.book, now=world.clock).order
    again = use_cases.record_decision(
        "o-1", OrderStatus.UNAVAILABLE, (), "late", book=world.book, now=world.clock
    ).order
    assert decided.status is again.status is OrderStatus.RESERVED
    assert not use_cases.start_order(order, book=world.book, workflows=world.workflows, now=world.clock)
    assert world.workflows.reserve_stock == ["o-1", "o-1"]


def test_a_decision_whose_answer_was_lost_is_still_published_by_its_own_execution_only(world):
    """Before: the record step's write done and its answer lost, Step Functions tried the task again; the retry
    was told "no change", and the run published nothing: an order RESERVED with no stock-reserved, ever."""
    world.stock("cola", 5)
    order = NewOrderReceived.model_validate({"orderId": "o-1", "items": [{"itemId": "cola", "quantity": 1}]})
    use_cases.place_order(order, book=world.book, now=world.clock)

    def record(execution: str | None) -> bool:
        return use_cases.record_decision(
            "o-1", OrderStatus.RESERVED, (), None, book=world.book, now=world.clock, decided_by=execution
        ).changed

    assert record("arn:exec-1")
    assert record("arn:exec-1")  # its own write, retried: it publishes
    assert not record("arn:exec-2")  # a duplicate run: it does not
    assert not record(None)


def test_a_request_from_any_publisher_orders_only_items_on_the_menu_once_per_delivery(world):
    world.stock("cola", 5)
    request = CreatePurchaseOrder(items=(OrderLine(item_id="cola", quantity=3), OrderLine(item_id="ghost", quantity=1)))

    def requested(event: str) -> use_cases.Requested:
        return use_cases.request_purchase_orders(
            request,
            events=world.inventory.store,
            snapshots=world.inventory.snapshots,
            purchase_orders=world.purchase_orders,
            workflows=world.workflows,
            now=world.clock,
            reorder_quantity=20,
            approval_timeout_seconds=60,
            cause=f"event {event}",
        )

    first = requested("e-1")
    assert [o.item_id for o in first.raised] == ["cola"] and first.unknown == ("ghost",)
    use_cases.close_purchase_order(
        first.raised[0].po_id, PurchaseOrderStatus.REJECTED, purchase_orders=world.purchase_orders, now=world.clock
    )
    assert requested("e-1").raised == (world.purchase_orders.get(first.raised[0].po_id),)  # redelivered: the same
    assert requested("e-2").raised[0].po_id != first.raised[0].po_id  # another request: a new one
    assert world.purchase_orders.open.keys() == {"cola"}


def test_many_requests_for_one_item_raise_one_purchase_order_until_it_closes(world):
    """The original sent one purchase order per failed order and per qualifying change."""
    raised = {world.raise_po("tiramisu", order_id=f"o-{n}")[0].po_id for n in range(10)}
    assert len(raised) == 1 and len(world.workflows.purchase_orders) == 1
    [po_id] = raised
    assert world.purchase_orders.get(po_id).quantity == 20  # at least the reorder quantity
    use_cases.close_purchase_order(
        po_id, PurchaseOrderStatus.REJECTED, purchase_orders=world.purchase_orders, now=world.clock
    )
    assert world.raise_po("tiramisu", order_id="o-10")[0].po_id != po_id


def test_approval_resumes_the_waiting_workflow_once_and_the_other_decision_is_a_conflict(world):
    [po] = world.raise_po("cola")
    use_cases.request_approval(
        po.po_id, "token-1", purchase_orders=world.purchase_orders, approvals=world.approvals, notifier=world.notifier
    )
    assert world.notifier.sent and "token-1" not in str(world.notifier.sent)  # the request names the order only
    for _ in range(3):
        use_cases.decide_purchase_order(
            po.po_id, "APPROVED", purchase_orders=world.purchase_orders, approvals=world.approvals
        )
    assert world.approvals.resumed == [("token-1", "APPROVED")]
    with pytest.raises(Conflict):
        use_cases.decide_purchase_order(
            po.po_id, "REJECTED", purchase_orders=world.purchase_orders, approvals=world.approvals
        )
    with pytest.raises(NotFound):
        use_cases.decide_purchase_order(
            "po-none", "APPROVED", purchase_orders=world.purchase_orders, approvals=world.approvals
        )


def test_a_decision_made_before_the_workflow_waits_is_applied_when_it_does(world):
    [po] = world.raise_po("cola")
    use_cases.decide_purchase_order(
        po.po_id, "REJECTED", purchase_orders=world.purchase_orders, approvals=world.approvals
    )
    assert world.approvals.resumed == []
    use_cases.request_approval(
        po.po_id, "token-1", purchase_orders=world.purchase_orders, approvals=world.approvals, notifier=world.notifier
    )
    assert world.approvals.resumed == [("token-1", "REJECTED")]


def test_supplying_an_approved_purchase_order_sends_one_adjustment_keyed_by_it_and_frees_the_item_once_seen(world):
    [po] = world.raise_po("cola", quantity=30)
    for _ in range(2):
        use_cases.supply_purchase_order(
            po.po_id,
            purchase_orders=world.purchase_orders,
            ports=world.inventory,
            commands=world.commands,
            now=world.clock,
        )
    assert {c.adjustment_id for c in world.commands.sent} == {po.po_id}
    assert {c.delta for c in world.commands.sent} == {30}  # the queue processor applies one id once
    assert world.purchase_orders.get(po.po_id).status is PurchaseOrderStatus.APPROVED
    assert world.raise_po("cola")[0].po_id == po.po_id  # its order's shortfall again: the same, closed
    # Before: the item was free at approval, and a low level before the restock landed ordered it again.
    assert world.raise_po("cola", order_id="o-2")[0].po_id == po.po_id
    assert check_level(world, "cola", 7, 1).po_id == po.po_id
    assert check_level(world, "cola", 8, 5, change="Released") is None  # a hold given back is no restock
    assert world.raise_po("cola", order_id="o-3")[0].po_id == po.po_id
    assert check_level(world, "cola", 9, 6, change="Adjusted", adjustment_id="admin-1") is None  # not the restock
    assert world.raise_po("cola", order_id="o-4")[0].po_id == po.po_id
    # The restock's change (v10) handled after a later one (v11): stale, yet it frees the item.
    assert check_level(world, "cola", 11, 35) is None
    assert check_level(world, "cola", 10, 36, change="Adjusted", adjustment_id=po.po_id) is None
    assert world.raise_po("cola", order_id="o-5")[0].po_id != po.po_id


def test_a_restock_frees_the_item_only_once_its_version_is_noted(world, monkeypatch):
    """Before (a second review): the guard went before the restock's version was noted, and a low change older
    than the restock, handled by another consumer in between, was not stale: a purchase order for a level the
    restock had already fixed."""
    po = check_level(world, "cola", 5, 1)
    use_cases.supply_purchase_order(
        po.po_id, purchase_orders=world.purchase_orders, ports=world.inventory, commands=world.commands, now=world.clock
    )
    release, in_between = world.purchase_orders.release_restocked, []

    def release_then_an_older_change(item_id: str, po_id: str) -> bool:
        freed = release(item_id, po_id)
        in_between.append(check_level(world, "cola", 9, 1))  # v9, from before the restock (v10)
        return freed

    monkeypatch.setattr(world.purchase_orders, "release_restocked", release_then_an_older_change)
    assert check_level(world, "cola", 10, 21, change="Adjusted", adjustment_id=po.po_id) is None
    assert in_between == [None]  # stale by then
    assert [o.po_id for o in world.purchase_orders.all()] == [po.po_id]


def check_level(world, item_id: str, version: int, available: int, change="Reserved", adjustment_id=None):  # type: ignore[no-untyped-def]
    """An inventory-changed of ``item_id`` at ``version`` with ``available`` left (threshold 2, reorder 20)."""
    return use_cases.check_inventory_level(
        item_id,
        version,
        available,
        change=change,
        adjustment_id=adjustment_id,
        threshold=2,
        purchase_orders=world.purchase_orders,
        workflows=world.workflows,
        notifier=world.notifier,
        now=world.clock,
        reorder_quantity=20,
        approval_timeout_seconds=60,
    )


def test_inventory_checks_raise_one_purchase_order_and_alert_once_at_zero(world):
    def check(version: int, available: int):
        return check_level(world, "pizza-of-the-day", version, available)

    assert check(1, 5) is None
    raised = {check(v, a).po_id for v, a in ((2, 2), (3, 1), (4, 0), (5, 0), (5, 0))}
    assert len(raised) == 1
    assert check(4, 0) is None  # older than version 5: ignored
    alerts = [s for s, _ in world.notifier.sent if "OUT OF STOCK" in s]
    assert alerts == ["pizza-of-the-day is OUT OF STOCK"]


def test_an_inventory_change_handled_again_after_its_purchase_order_closed_raises_no_other(world):
    """Before: a purchase order rejected, then the change that raised it delivered again (before the restock's
    change was noted): a second purchase order, for the same news."""
    [po] = [check_level(world, "cola", 3, 0)]
    use_cases.close_purchase_order(
        po.po_id, PurchaseOrderStatus.REJECTED, purchase_orders=world.purchase_orders, now=world.clock
    )
    again = check_level(world, "cola", 3, 0)
    assert (again.po_id, again.status) == (po.po_id, PurchaseOrderStatus.REJECTED)
    assert [o.po_id for o in world.purchase_orders.all()] == [po.po_id]
    assert check_level(world, "cola", 4, 1).po_id != po.po_id  # a newer low level is news: a new one


# --- the whole order: stock, oven, confirmation ---------------------------------------------------------


def _whole_order(world: World, item: str = "margherita") -> NewOrderReceived:
    order = NewOrderReceived.model_validate(
        {
            "orderId": "o-9",
            "items": [{"itemId": item, "quantity": 1}],
            "kitchen": {"ingredients": [{"typeId": "dough", "quantity": 1}], "bakingTimeSecs": 2},
        }
    )
    use_cases.place_order(order, book=world.book, now=world.clock)
    held = world.reserve("o-9", item, 1)
    use_cases.record_decision("o-9", OrderStatus.RESERVED, (held,), None, book=world.book, now=world.clock)
    return order


def test_an_order_with_a_kitchen_part_starts_the_order_workflow_once_by_its_id(world):
    order = NewOrderReceived.model_validate(
        {
            "orderId": "o-9",
            "items": [{"itemId": "margherita", "quantity": 1}],
            "kitchen": {"ingredients": [{"typeId": "dough", "quantity": 1}], "bakingTimeSecs": 2},
        }
    )
    assert use_cases.start_order(order, book=world.book, workflows=world.workflows, now=world.clock)
    assert not use_cases.start_order(order, book=world.book, workflows=world.workflows, now=world.clock)  # named
    assert list(world.workflows.orders) == ["o-9"] and world.workflows.reserve_stock == []
    assert '"kitchen"' in world.workflows.orders["o-9"]


def test_ingredients_are_used_once_by_the_order_id(world):
    pantry = FakePantry({"dough": 1})
    assert use_cases.use_ingredients("o-9", [("dough", 1)], pantry=pantry).used
    assert use_cases.use_ingredients("o-9", [("dough", 1)], pantry=pantry).used  # a retried step: the first answer
    refused = use_cases.use_ingredients("o-10", [("dough", 1)], pantry=pantry)
    assert not refused.used and refused.reason == "stock: short of dough"
    assert pantry.levels == {"dough": 0}


def test_the_oven_token_is_kept_before_the_pizza_is_sent_and_the_pass_resumes_it(world):
    world.stock("margherita", 3)
    _whole_order(world)
    oven = FakeOven()
    cooking = use_cases.send_to_oven(
        "o-9", 2, "token-1", book=world.book, oven=oven, bakes=world.approvals, now=world.clock
    )
    assert cooking.status is OrderStatus.COOKING and oven.sent == [("o-9", 2)]
    assert world.book.bake_token("o-9") == "token-1" and world.approvals.resumed == []
    baked = use_cases.report_baked("o-9", book=world.book, bakes=world.approvals, now=world.clock)
    assert baked.status is OrderStatus.BAKED and baked.baked_at is not None
    assert world.approvals.resumed == [("token-1", use_cases.BAKED)]
    use_cases.report_baked("o-9", book=world.book, bakes=world.approvals, now=world.clock)  # again: harmless
    # A retried oven step (a new token) after the pizza came out is resumed at once, and sends nothing again.
    use_cases.send_to_oven("o-9", 2, "token-2", book=world.book, oven=oven, bakes=world.approvals, now=world.clock)
    assert oven.sent == [("o-9", 2)] and world.approvals.resumed[-1] == ("token-2", use_cases.BAKED)


def test_a_pizza_not_in_the_oven_cannot_be_reported_baked(world):
    with pytest.raises(NotFound):
        use_cases.report_baked("o-404", book=world.book, bakes=world.approvals, now=world.clock)
    world.stock("margherita", 3)
    _whole_order(world)  # RESERVED, not sent to the oven
    with pytest.raises(Conflict):
        use_cases.report_baked("o-9", book=world.book, bakes=world.approvals, now=world.clock)
    assert world.book.get("o-9").status is OrderStatus.RESERVED


def test_baked_orders_confirm_their_holds_once_and_an_expired_hold_is_named(world):
    world.stock("margherita", 3)
    _whole_order(world)
    assert world.confirm("o-9", [("margherita", 1)]).confirmed
    assert world.confirm("o-9", [("margherita", 1)]).confirmed
    assert world.requests.reservation("o-9:margherita").status is ReservationStatus.CONFIRMED
    world.reserve("o-10", "margherita", 1)
    world.clock.advance(601)  # past the hold
    assert world.confirm("o-10", [("margherita", 1)]).refused == ("margherita (expired)",)


def test_a_stale_inventory_change_after_a_restock_raises_no_purchase_order(world):
    """A redelivered inventory-changed of an older version (0 available) raised a new purchase order after the
    item had been restocked: mark_item said False for "stale" and for "no change of status" alike."""

    def check(version: int, available: int):
        return check_level(world, "cola", version, available)

    po = check(3, 0)
    use_cases.close_purchase_order(
        po.po_id, PurchaseOrderStatus.APPROVED, purchase_orders=world.purchase_orders, now=world.clock
    )
    assert check(4, 20) is None  # restocked
    assert check(3, 0) is None  # the old change again
    assert check(2, 1) is None
    assert len(world.purchase_orders.all()) == 1 and len(world.workflows.purchase_orders) == 1
    assert [s for s, _ in world.notifier.sent if "OUT OF STOCK" in s] == ["cola is OUT OF STOCK"]


def test_another_order_under_a_placed_orders_id_is_rejected_and_the_first_kept(world):
    first = NewOrderReceived.model_validate({"orderId": "k2", "items": [{"itemId": "cola", "quantity": 1}]})
    other = NewOrderReceived.model_validate({"orderId": "k2", "items": [{"itemId": "cola", "quantity": 2}]})
    use_cases.place_order(first, book=world.book, now=world.clock)
    with pytest.raises(OrderIdReused, match="k2"):
        use_cases.place_order(other, book=world.book, now=world.clock)
    with pytest.raises(OrderIdReused):
        use_cases.start_order(other, book=world.book, workflows=world.workflows, now=world.clock)
    assert world.workflows.reserve_stock == [] and world.book.get("k2").lines == (("cola", 1),)
    # The same order, its lines in another order, is the same order.
    two = {"orderId": "k3", "items": [{"itemId": "cola", "quantity": 1}, {"itemId": "tiramisu", "quantity": 1}]}
    use_cases.place_order(NewOrderReceived.model_validate(two), book=world.book, now=world.clock)
    swapped = {**two, "items": two["items"][::-1]}
    use_cases.place_order(NewOrderReceived.model_validate(swapped), book=world.book, now=world.clock)
    # A kitchen part is part of the order: the same lines to bake are another order.
    baked = {**two, "kitchen": {"ingredients": [{"typeId": "dough", "quantity": 1}], "bakingTimeSecs": 2}}
    with pytest.raises(OrderIdReused):
        use_cases.place_order(NewOrderReceived.model_validate(baked), book=world.book, now=world.clock)


def test_an_order_whose_line_was_given_back_before_confirmation_sells_none_of_its_lines(world):
    """All or nothing: the margherita's hold released while baking left the cola CONFIRMED (sold) while the order
    ended REFUSED. Every line is checked held before any is confirmed."""
    world.stock("margherita", 3)
    world.stock("cola", 3)
    world.reserve("o-5", "margherita", 1)
    world.reserve("o-5", "cola", 2)
    inventory.release(
        "o-5:margherita",
        store=world.inventory.store,
        snapshots=world.inventory.snapshots,
        requests=world.requests,
        now=world.clock,
    )
    confirmation = world.confirm("o-5", [("cola", 2), ("margherita", 1)])
    assert not confirmation.confirmed and confirmation.returned == ()
    assert confirmation.reason == "confirmation: not confirmed: margherita (released)"
    assert world.requests.reservation("o-5:cola").status is ReservationStatus.HELD  # ReleaseHolds gives it back
    assert world.commands.sent == []


def test_a_line_given_back_while_the_others_are_confirmed_returns_the_sold_ones_by_an_adjustment(world):
    """The race the check cannot close: a hold released between the check and its confirm. The lines sold by then
    get their units back, once each (adjustment id = the reservation's + ':returned')."""
    world.stock("margherita", 3)
    world.stock("cola", 3)
    world.reserve("o-6", "cola", 2)
    world.reserve("o-6", "margherita", 1)
    real_confirm = inventory.confirm

    def confirm_while_released(command, **ports):
        if command.reservation_id == "o-6:margherita":  # DELETE /reservations/o-6:margherita, at that instant
            inventory.release(command.reservation_id, **{k: v for k, v in ports.items() if k != "deadline"})
        return real_confirm(command, **ports)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inventory, "confirm", confirm_while_released)
        confirmation = world.confirm("o-6", [("cola", 2), ("margherita", 1)])
    assert confirmation.refused == ("margherita (released)",) and confirmation.returned == ("cola",)
    assert "sold lines returned: cola" in confirmation.reason
    [returned] = world.commands.sent
    assert (returned.item_id, returned.adjustment_id, returned.delta) == ("cola", "o-6:cola:returned", 2)
    world.confirm("o-6", [("cola", 2), ("margherita", 1)])  # the step retried: the same adjustment id again
    assert {c.adjustment_id for c in world.commands.sent} == {"o-6:cola:returned"}
