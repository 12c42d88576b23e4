"""``pizza-orders-generator``: random orders on a schedule (disabled by default), as the original's generator.

Each run publishes ``ORDERS_PER_RUN`` ``new-order-received`` events for items of ``GENERATOR_ITEMS``.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.observability import instrumented
from pizza_reservations.orders.bootstrap import publisher, settings
from pizza_reservations.orders.domain import NewOrderReceived, OrderLine

ORDERS_PER_RUN = 5


def random_order(items: list[str], rng: random.Random) -> NewOrderReceived:
    chosen = rng.sample(items, k=rng.randint(1, min(3, len(items))))
    return NewOrderReceived(
        order_id=f"gen-{uuid.uuid4().hex[:12]}",
        items=tuple(OrderLine(item_id=item, quantity=rng.randint(1, 3)) for item in chosen),
    )


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    rng = random.Random()
    placed = [random_order(list(settings().generator_items), rng) for _ in range(ORDERS_PER_RUN)]
    publisher().publish(placed)
    return {"placed": [order.order_id for order in placed]}
