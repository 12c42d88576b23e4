"""``pizza-orders-steps``: the Lambda tasks of the orders' state machines, one ``action`` per task.

reserve-stock: ``reserve-order`` (place the order, hold each line, tally: one task, one hop of the local
cloud's interpreter instead of 2 + one per line), ``release``, ``record`` (which says whether it changed the
order: only that run publishes).
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
from pydantic import ValidationError

from pizza_common.observability import instrumented, logger
from pizza_reservations.bootstrap import inventory
from pizza_reservations.orders import use_cases
from pizza_reservations.orders.bootstrap import adjustments, kitchen, settings, steps
from pizza_reservations.orders.domain import (
    Kitchen,
    LineGivenBack,
    NewOrderReceived,
    OrderIdReused,
    OrderStatus,
    PurchaseOrderStatus,
    failure_reason,
    tally,
)
from pizza_reservations.orders.views import order_json, outcome_json, outcomes, purchase_order_json


def _now() -> datetime:
    return datetime.now(UTC)


def _lines(task: dict[str, Any]) -> list[tuple[str, int]]:
    return [(line["itemId"], int(line["quantity"])) for line in task["items"]]


def _not_this_runs_order(task: dict[str, Any]) -> str | None:
    """Why this run must leave the recorded order alone: the order under its id was placed by another body (its
    id reused). None when the run's order is the recorded one, or there is none to compare with."""
    known = steps().book.get(task["orderId"])
    if known is None or "items" not in task:
        return None
    body = {"orderId": task["orderId"], "items": task["items"]}
    if task.get("kitchen") is not None:
        body["kitchen"] = task["kitchen"]
    try:
        run = NewOrderReceived.model_validate(body)
    except ValidationError:
        return "this run's order cannot be read"
    return None if known.same_order(run) else str(OrderIdReused(task["orderId"]))


def tally_lines(task: dict[str, Any]) -> dict[str, Any]:
    summed = tally(task["orderId"], outcomes(task["reservations"]))
    request = summed.purchase_order_request()
    return {
        "allReserved": summed.all_reserved,
        "stockReserved": summed.stock_reserved().model_dump(mode="json", by_alias=True),
        "stockUnavailable": summed.stock_unavailable().model_dump(mode="json", by_alias=True),
        # None when nothing missing is on the menu (an unknown item is never ordered from the supplier).
        "createPurchaseOrder": (
            None if request is None else request.model_dump(mode="json", by_alias=True, exclude_none=True)
        ),
        "summary": summed.summary(),
    }


def reserve_order(task: dict[str, Any]) -> dict[str, Any]:
    """Place the order (a decided one changes nothing), hold each line of the order as recorded, sum up. A run
    whose body is another order under a recorded id (the id reused) changes nothing and ends as a duplicate;
    so does a run that finds one of its lines given back by another run of the same order: that run decides."""
    order = NewOrderReceived.model_validate(task["order"])
    try:
        known = use_cases.place_order(order, book=steps().book, now=_now)
    except OrderIdReused as reused:
        logger.warning(
            "order id reused: this run changes nothing", extra={"order": order.order_id, "reason": str(reused)}
        )
        return {
            "placed": {"decided": True, "status": "REJECTED", "reason": str(reused)},
            "reservations": [],
            "tally": None,
        }
    placed = {"decided": known.status is not OrderStatus.PLACED, "status": known.status.value}
    if placed["decided"]:
        return {"placed": placed, "reservations": [], "tally": None}
    ports, hold_seconds = inventory(), settings().hold_seconds
    try:
        held = [
            outcome_json(
                use_cases.reserve_line(
                    known.order_id, item_id, quantity, hold_seconds=hold_seconds, ports=ports, now=_now
                )
            )
            for item_id, quantity in known.lines
        ]
    except LineGivenBack as given_back:  # a duplicate run, beaten to it: the other run decides the order
        logger.info("order decided by another run", extra={"order": order.order_id, "reason": str(given_back)})
        return {"placed": {**placed, "decided": True}, "reservations": [], "tally": None}
    summed = tally_lines({"orderId": order.order_id, "reservations": held})
    return {"placed": placed, "reservations": held, "tally": summed}


def release(task: dict[str, Any]) -> dict[str, Any]:
    """Give back the order's holds; a run whose body is another order than the recorded one releases nothing."""
    if (why := _not_this_runs_order(task)) is not None:
        logger.warning("release skipped: not this run's order", extra={"reason": why})
        return {"released": 0}
    hold_seconds = settings().hold_seconds  # the one its lines were reserved with (reserve_order)
    released = use_cases.release_order(
        task["orderId"], _lines(task), hold_seconds=hold_seconds, ports=inventory(), now=_now
    )
    return {"released": released}


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
    confirmation = use_cases.confirm_order(
        task["orderId"], _lines(task), ports=inventory(), commands=adjustments(), now=_now
    )
    return {"confirmed": confirmation.confirmed, "reason": confirmation.reason}


def record(task: dict[str, Any]) -> dict[str, Any]:
    """Record a decision. ``changed`` is true for the one call that made it: what follows it is published by
    that run only (the state machines publish after this write, and only when it changed the order). A failure
    is recorded with a one-line reason from the step's ``error`` ({Error, Cause}: no stack trace)."""
    status = OrderStatus(task["status"])
    if status is OrderStatus.FAILED and (why := _not_this_runs_order(task)) is not None:
        logger.warning("failure not recorded: not this run's order", extra={"reason": why})
        return {"orderId": task["orderId"], "changed": False}
    reason = task.get("reason")
    if isinstance(task.get("error"), dict):
        reason = failure_reason(task["error"].get("Error"), task["error"].get("Cause"))
    decision = use_cases.record_decision(
        task["orderId"],
        status,
        outcomes(task["reservations"]) if "reservations" in task else None,
        reason,
        book=steps().book,
        now=_now,
        decided_by=task.get("decidedBy"),
    )
    return {**order_json(decision.order), "changed": decision.changed}


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
