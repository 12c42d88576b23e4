"""Every malformed new-order-received ends in the DLQ with its reason; good ones in the same batch go on."""

from __future__ import annotations

import json

from orders_target import dead_lettered, decided, stocked, unique

MALFORMED = {
    "no items": ({"orderId": "{id}"}, "items"),
    "no lines": ({"orderId": "{id}", "items": []}, "items"),
    "zero": ({"orderId": "{id}", "items": [{"itemId": "cola", "quantity": 0}]}, "items.0.quantity"),
    "bad item": ({"orderId": "{id}", "items": [{"itemId": "Not An Item!", "quantity": 1}]}, "items.0.itemId"),
    "twice": ({"orderId": "{id}", "items": [{"itemId": "cola", "quantity": 1}] * 2}, "each item appears once"),
    "extra": ({"orderId": "{id}", "items": [{"itemId": "cola", "quantity": 1}], "price": 3}, "price"),
    "text quantity": ({"orderId": "{id}", "items": [{"itemId": "cola", "quantity": "2"}]}, "items.0.quantity"),
}


def test_every_malformed_event_ends_in_the_dlq_with_its_reason(localcloud, orders, reservations):
    marker = unique("bad")
    cola = stocked(reservations, 3)
    good = unique("good")
    events = [
        ("new-order-received", json.loads(json.dumps(d).replace("{id}", f"{marker}-{n}")))
        for n, (d, _) in enumerate(MALFORMED.values())
    ]
    events.insert(3, ("new-order-received", {"orderId": good, "items": [{"itemId": cola, "quantity": 1}]}))
    orders.publish_many(events)
    assert decided(orders, good)["status"] == "RESERVED"  # the bad ones around it held nothing up

    reasons = dead_lettered(localcloud, {f"{marker}-{n}" for n in range(len(MALFORMED))})
    for n, (name, (_, field)) in enumerate(MALFORMED.items()):
        assert field in reasons[f"{marker}-{n}"], (name, reasons[f"{marker}-{n}"])
    for n in range(len(MALFORMED)):
        assert orders.order(f"{marker}-{n}").status == 404
