"""``pizza-orders-api``: the orders' function URL (AWS_IAM, payload 2.0, routed here).

- ``GET /orders/{orderId}``: the order's state, reason and reservations.
- ``POST /orders/{orderId}/baked``: the pass took the order's pizza off the oven's BakedItems queue; the order
  is BAKED and its workflow resumed (idempotent; 409 when the order is not in the oven).
- ``GET /purchase-orders``, ``GET /purchase-orders/{poId}``: never the task token.
- ``POST /purchase-orders/{poId}/approve`` and ``/reject``: idempotent (the same decision again is the same
  answer; the other decision after one is a 409). The workflow is resumed with the token kept in the table.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.errors import InvalidInput, NotFound
from pizza_common.http import install_error_handlers, json_response
from pizza_common.observability import instrumented, metrics
from pizza_reservations.orders import use_cases
from pizza_reservations.orders.bootstrap import api
from pizza_reservations.orders.domain import ORDER_ID_PATTERN
from pizza_reservations.orders.views import order_json, purchase_order_json

app = LambdaFunctionUrlResolver()
install_error_handlers(cast(Any, app))  # its signature names the API Gateway resolver; both read v2
PO_ID_PATTERN = r"^[A-Za-z0-9_-]{1,80}$"


def _path_id(value: str, pattern: str, name: str) -> str:
    value = unquote(value)  # a function URL's rawPath (and so the resolver's parameters) is as the client sent it
    if re.fullmatch(pattern, value) is None:
        raise InvalidInput(f"{name}: {value!r} is not a valid id", details=[{"field": name, "problem": "invalid id"}])
    return value


@app.get("/orders/<order_id>")
def get_order(order_id: str) -> dict[str, Any]:
    order = api().book.get(_path_id(order_id, ORDER_ID_PATTERN, "orderId"))
    if order is None:
        raise NotFound(f"no order {order_id}")
    return order_json(order)


@app.post("/orders/<order_id>/baked")
def baked(order_id: str) -> dict[str, Any]:
    ports = api()
    order = use_cases.report_baked(
        _path_id(order_id, ORDER_ID_PATTERN, "orderId"), book=ports.book, bakes=ports.approvals, now=_now
    )
    return order_json(order)


def _now() -> datetime:
    return datetime.now(UTC)


@app.get("/purchase-orders")
def list_purchase_orders() -> dict[str, Any]:
    status = app.current_event.get_query_string_value("status")
    listed = [purchase_order_json(o) for o in api().purchase_orders.all()]
    return {"purchaseOrders": [o for o in listed if status is None or o["status"] == status]}


@app.get("/purchase-orders/<po_id>")
def get_purchase_order(po_id: str) -> dict[str, Any]:
    order = api().purchase_orders.get(_path_id(po_id, PO_ID_PATTERN, "poId"))
    if order is None:
        raise NotFound(f"no purchase order {po_id}")
    return purchase_order_json(order)


def _decide(po_id: str, decision: str) -> Response:
    ports = api()
    order = use_cases.decide_purchase_order(
        _path_id(po_id, PO_ID_PATTERN, "poId"),
        decision,
        purchase_orders=ports.purchase_orders,
        approvals=ports.approvals,
    )
    metrics.add_metric(name=f"PurchaseOrders{decision.title()}", unit=MetricUnit.Count, value=1)
    return json_response(202 if order.status.open else 200, purchase_order_json(order))


@app.post("/purchase-orders/<po_id>/approve")
def approve(po_id: str) -> Response:
    return _decide(po_id, use_cases.APPROVED)


@app.post("/purchase-orders/<po_id>/reject")
def reject(po_id: str) -> Response:
    return _decide(po_id, use_cases.REJECTED)


@instrumented(correlation_id_path=correlation_paths.LAMBDA_FUNCTION_URL)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
