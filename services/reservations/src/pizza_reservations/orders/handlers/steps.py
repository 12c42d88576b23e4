"""``pizza-orders-steps``: the Lambda tasks of the orders' state machines, one ``action`` per task.

reserve-stock: ``reserve-order`` (place the order, hold each line, tally: one task, one hop of the local
cloud's interpreter instead of 2 + one per line), ``release``, ``record``; ``place``, ``reserve`` (one line) and
``tally`` are its parts, as tasks of their own.
the order workflow: those, then ``use-ingredients`` (the stock API), ``bake`` (with the task token that waits
for the oven, kept in the table, never logged nor returned), ``confirm``.
create-purchase-order: ``request-approval`` (with the task token, kept in the table, never logged nor
returned), ``supply`` (approved), ``close`` (rejected, timed out).

Every action is idempotent: Step Functions retries it, and Express executions run at least once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented, logger
from pizza_reservations.bootstrap import inventory
from pizza_reservations.orders import use_cases
from pizza_reservations.orders.bootstrap import adjustments, kitchen, settings, steps
from pizza_reservations.orders.domain import (
    Kitchen,
    LineGivenBack,
    NewOrderReceived,
    OrderStatus,
    PurchaseOrderStatus,
    tally,
)
from pizza_reservations.orders.views import order_json, outcome_json, outcomes, purchase_order_json


def _now() -> datetime:
    return datetime.now(UTC)


def place(task: dict[str, Any]) -> dict[str, Any]:
    order = use_cases.place_order(NewOrderReceived.model_validate(task["order"]), book=steps().book, now=_now)
    return {"decided": order.status.final, "status": order.status.value}


def reserve(task: dict[str, Any]) -> dict[str, Any]:
    outcome = use_cases.reserve_line(
        task["orderId"],
        task["itemId"],
        int(task["quantity"]),
        hold_seconds=settings().hold_seconds,
        ports=inventory(),
        now=_now,
    )
    return outcome_json(outcome)


def tally_lines(task: dict[str, Any]) -> dict[str, Any]:
    summed = tally(task["orderId"], outcomes(task["reservations"]))
    missing = ", ".join(f"{o.item_id} ({o.quantity} asked, {o.available or 0} available)" for o in summed.missing)
    return {
        "allReserved": summed.all_reserved,
        "stockReserved": summed.stock_reserved().model_dump(mode="json", by_alias=True),
        "stockUnavailable": summed.stock_unavailable().model_dump(mode="json", by_alias=True),
        "createPurchaseOrder": (
            summed.purchase_order_request().model_dump(mode="json", by_alias=True, exclude_none=True)
            if summed.missing
            else None
        ),
        "summary": f"order {summed.order_id}: short of {missing}" if missing else f"order {summed.order_id}: reserved",
    }


def reserve_order(task: dict[str, Any]) -> dict[str, Any]:
    """Place the order (a decided one changes nothing), hold each of its lines, sum up. A run that finds one of
    its lines given back by another run of the same order answers as for a decided order: that run decides."""
    order = NewOrderReceived.model_validate(task["order"])
    placed = place({"order": task["order"]})
    if placed["decided"]:
        return {"placed": placed, "reservations": [], "tally": None}
    try:
        held = [
            reserve({"orderId": order.order_id, "itemId": line.item_id, "quantity": line.quantity})
            for line in order.items
        ]
    except LineGivenBack as given_back:  # a duplicate run, beaten to it: the other run decides the order
        logger.info("order decided by another run", extra={"order": order.order_id, "reason": str(given_back)})
        return {"placed": {**placed, "decided": True}, "reservations": [], "tally": None}
    summed = tally_lines({"orderId": order.order_id, "reservations": held})
    return {"placed": placed, "reservations": held, "tally": summed}


def release(task: dict[str, Any]) -> dict[str, Any]:
    item_ids = [line["itemId"] for line in task["items"]]
    return {"released": use_cases.release_order(task["orderId"], item_ids, ports=inventory(), now=_now)}


def use_ingredients(task: dict[str, Any]) -> dict[str, Any]:
    recipe = Kitchen.model_validate(task["kitchen"])
    usage = use_cases.use_ingredients(
        task["orderId"], [(i.type_id, i.quantity) for i in recipe.ingredients], pantry=kitchen().pantry
    )
    return {"used": usage.used, "reason": usage.reason}


def bake(task: dict[str, Any]) -> dict[str, Any]:
    ports = steps()
    order = use_cases.send_to_oven(
        task["orderId"],
        int(task["bakingTimeSecs"]),
        task["token"],
        book=ports.book,
        oven=kitchen().oven,
        bakes=ports.approvals,
        now=_now,
    )
    return {"orderId": order.order_id, "status": order.status.value}


def confirm(task: dict[str, Any]) -> dict[str, Any]:
    item_ids = [line["itemId"] for line in task["items"]]
    refused = use_cases.confirm_order(task["orderId"], item_ids, ports=inventory(), now=_now)
    reason = f"confirmation: not confirmed: {', '.join(refused)}" if refused else None
    return {"confirmed": not refused, "reason": reason}


def record(task: dict[str, Any]) -> dict[str, Any]:
    order = use_cases.decide_order(
        task["orderId"],
        OrderStatus(task["status"]),
        outcomes(task["reservations"]) if "reservations" in task else None,
        task.get("reason"),
        book=steps().book,
        now=_now,
    )
    return order_json(order)


def request_approval(task: dict[str, Any]) -> dict[str, Any]:
    ports = steps()
    order = use_cases.request_approval(
        task["poId"],
        task["token"],
        purchase_orders=ports.purchase_orders,
        approvals=ports.approvals,
        notifier=ports.notifier,
    )
    return {"poId": order.po_id, "status": order.status.value}


def supply(task: dict[str, Any]) -> dict[str, Any]:
    order = use_cases.supply_purchase_order(
        task["poId"], purchase_orders=steps().purchase_orders, ports=inventory(), commands=adjustments(), now=_now
    )
    return purchase_order_json(order)


def close(task: dict[str, Any]) -> dict[str, Any]:
    order = use_cases.close_purchase_order(
        task["poId"], PurchaseOrderStatus(task["status"]), purchase_orders=steps().purchase_orders, now=_now
    )
    return purchase_order_json(order)


ACTIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "reserve-order": reserve_order,
    "release": release,
    "record": record,
    "request-approval": request_approval,
    "supply": supply,
    "close": close,
    "use-ingredients": use_ingredients,
    "bake": bake,
    "confirm": confirm,
}


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = ACTIONS.get(str(event.get("action")))
    if action is None:
        raise ValueError(f"action: {event.get('action')!r} is not one of {sorted(ACTIONS)}")
    # The event is never logged whole: request-approval and bake carry a task token.
    logger.append_keys(action=event["action"], order=event.get("orderId"), purchase_order=event.get("poId"))
    return action(event)
