"""``pizza-reservations-api``: the HTTP API (a Lambda function URL, payload 2.0, AWS_IAM; see ``openapi.yaml``).

- ``POST /reservations``: hold units (201), not enough (409 with what is available), a replay (the first
  answer), the id reused with another body (409).
- ``GET /reservations/{id}``, ``DELETE /reservations/{id}`` (release early), ``POST /reservations/{id}/confirm`` (202).
- ``POST /items/{itemId}/adjustments`` (202), ``GET /items``, ``GET /items/{itemId}``, ``GET /items/{itemId}/history``
  (the two listings a page at a time: ``?after=&limit=``, ``next`` when the page is full)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.errors import Conflict, InvalidInput, NotFound
from pizza_common.http import install_error_handlers, json_body, json_response
from pizza_common.observability import instrumented, metrics
from pizza_reservations import bootstrap, use_cases
from pizza_reservations.domain.events import event_to_json
from pizza_reservations.domain.model import (
    ID_PATTERN,
    ITEM_ID_PATTERN,
    AdjustItem,
    AdjustmentRecord,
    ItemState,
    ReservationRecord,
    ReservationStatus,
    Reserve,
)

app = LambdaFunctionUrlResolver()
install_error_handlers(cast(Any, app))  # its signature names the API Gateway resolver; both read v2


def _now() -> datetime:
    return datetime.now(UTC)


@app.exception_handler(use_cases.Contended)
def _contended(error: use_cases.Contended) -> Response:
    metrics.add_metric(name="ReservationsContended", unit=MetricUnit.Count, value=1)
    response = json_response(503, {"error": "Contended", "message": str(error)})
    response.headers["Retry-After"] = "1"
    return response


def _path_id(value: str, pattern: str, name: str) -> str:
    value = unquote(value)  # a function URL's rawPath (and so the resolver's parameters) is as the client sent it
    if re.fullmatch(pattern, value) is None:
        shown = value if len(value) <= 80 else value[:80] + "..."  # never echo a megabyte back
        raise InvalidInput(f"{name}: {shown!r} is not a valid id", details=[{"field": name, "problem": "invalid id"}])
    return value


def reservation_body(record: ReservationRecord, now: datetime | None = None) -> dict[str, Any]:
    """A reservation as the API shows it; ``now`` None: as first answered (the status it was created with, HELD
    or REFUSED, whatever became of it since: a replay of ``POST /reservations`` gets its first answer)."""
    if now is None:
        status = ReservationStatus.REFUSED if record.status is ReservationStatus.REFUSED else ReservationStatus.HELD
    else:
        status = record.status_at(now)
    body: dict[str, Any] = {
        "reservationId": record.reservation_id,
        "itemId": record.item_id,
        "quantity": record.quantity,
        "holdSeconds": record.hold_seconds,
        "status": status.value,
    }
    if record.expires_at is not None:
        body["expiresAt"] = record.expires_at.isoformat()
    if record.version is not None:
        body["version"] = record.version
    if record.available is not None:
        body["available"] = record.available
    if record.confirm_refusal is not None and now is not None:
        body["confirmRefusal"] = record.confirm_refusal
    return body


def item_body(state: ItemState, now: datetime) -> dict[str, Any]:
    available = state.available(now)
    return {
        "itemId": state.item_id,
        "available": available,
        "reserved": state.held(now),
        "sold": state.sold,
        "supply": state.supply,
        "status": "IN STOCK" if available > 0 else "OUT OF STOCK",
        "version": state.version,
    }


@app.post("/reservations")
def post_reservation() -> Response:
    command = Reserve.from_body(json_body(app))
    ports = bootstrap.inventory()
    outcome = use_cases.reserve(
        command,
        store=ports.store,
        snapshots=ports.snapshots,
        requests=ports.requests,
        now=_now,
    )
    if isinstance(outcome, use_cases.IdReused):
        raise Conflict(
            f"reservation {command.reservation_id} was made with another body",
            details=_known(outcome.known),
        )
    metrics.add_metric(name="ReservationConflicts", unit=MetricUnit.Count, value=outcome.conflicts)
    if isinstance(outcome, use_cases.Refused):
        metrics.add_metric(name="ReservationsRefused", unit=MetricUnit.Count, value=1)
        record = outcome.record
        raise Conflict(
            f"only {record.available} of {record.item_id} available, {record.quantity} asked for",
            details={**reservation_body(record), "requested": record.quantity},
        )
    metrics.add_metric(name="ReservationsReplayed" if outcome.replay else "ReservationsHeld", unit="Count", value=1)
    return json_response(201, reservation_body(outcome.record))


def _known(known: ReservationRecord | AdjustmentRecord) -> dict[str, Any]:
    if isinstance(known, AdjustmentRecord):
        return {"itemId": known.item_id, "delta": known.delta, "reason": known.reason}
    return {"itemId": known.item_id, "quantity": known.quantity, "holdSeconds": known.hold_seconds}


@app.get("/reservations/<reservation_id>")
def get_reservation(reservation_id: str) -> dict[str, Any]:
    record = bootstrap.inventory().requests.reservation(_path_id(reservation_id, ID_PATTERN, "reservationId"))
    if record is None:
        raise NotFound(f"no reservation {reservation_id}")
    return reservation_body(record, _now())


@app.delete("/reservations/<reservation_id>")
def delete_reservation(reservation_id: str) -> dict[str, Any]:
    ports = bootstrap.inventory()
    record = use_cases.release(
        _path_id(reservation_id, ID_PATTERN, "reservationId"),
        store=ports.store,
        snapshots=ports.snapshots,
        requests=ports.requests,
        now=_now,
    )
    return reservation_body(record, _now())


@app.post("/reservations/<reservation_id>/confirm")
def confirm_reservation(reservation_id: str) -> Response:
    ports = bootstrap.api()
    record = use_cases.request_confirm(
        _path_id(reservation_id, ID_PATTERN, "reservationId"),
        requests=ports.inventory.requests,
        commands=ports.commands,
    )
    return json_response(202, {**reservation_body(record, _now()), "confirmation": "QUEUED"})


@app.post("/items/<item_id>/adjustments")
def post_adjustment(item_id: str) -> Response:
    body = json_body(app)
    if not isinstance(body, dict):
        raise InvalidInput(
            "body: an adjustment is a JSON object", details=[{"field": "body", "problem": "not an object"}]
        )
    if "itemId" in body:
        raise InvalidInput("itemId: the item is named by the path", details=[{"field": "itemId", "problem": "extra"}])
    if "kind" in body:  # the queue's field, not the API's
        raise InvalidInput("kind: not a field of an adjustment", details=[{"field": "kind", "problem": "extra"}])
    command = AdjustItem.from_body({**body, "itemId": _path_id(item_id, ITEM_ID_PATTERN, "itemId")})
    ports = bootstrap.api()
    use_cases.accept_adjustment(command, requests=ports.inventory.requests, commands=ports.commands, now=_now)
    return json_response(202, {"adjustmentId": command.adjustment_id, "itemId": command.item_id, "status": "QUEUED"})


# A page of items: an item's answer is at most about 190 bytes, so 100 are under 20 KB and 1,000 under 200 KB (far
# below Lambda's 6 MB response limit); the views read for them (each with its item's live holds) a few Scan calls.
ITEMS_PAGE = 100
ITEMS_PAGE_MOST = 1000


@app.get("/items")
def list_items() -> dict[str, Any]:
    after = _query_item_id("after")
    most = _query_int("limit", ITEMS_PAGE, 1, ITEMS_PAGE_MOST)
    page = bootstrap.api().projection.list_page(after, most)
    now = _now()
    body: dict[str, Any] = {"items": [item_body(view.state, now) for view in page.views]}
    if page.next is not None:
        body["next"] = page.next  # ask again with ?after=next (the page was full: there may be more)
    return body


@app.get("/items/<item_id>")
def get_item(item_id: str) -> dict[str, Any]:
    view = bootstrap.api().projection.get(_path_id(item_id, ITEM_ID_PATTERN, "itemId"))
    if view is None:
        raise NotFound(f"no item {item_id}")
    return item_body(view.state, _now())


# A page of history: 1,000 events are about 300 KB, far below Lambda's 6 MB response limit.
HISTORY_PAGE_MOST = 1000


@app.get("/items/<item_id>/history")
def get_history(item_id: str) -> dict[str, Any]:
    after = _query_int("after", 0, 0, 2**53)
    most = _query_int("limit", HISTORY_PAGE_MOST, 1, HISTORY_PAGE_MOST)
    ports = bootstrap.api()
    events = use_cases.history(
        _path_id(item_id, ITEM_ID_PATTERN, "itemId"),
        store=ports.inventory.store,
        archive=ports.archive,
        after_version=after,
        most=most,
    )
    if not events and after == 0:
        raise NotFound(f"no item {item_id}")
    body: dict[str, Any] = {"itemId": item_id, "events": [json.loads(event_to_json(event)) for event in events]}
    if len(events) == most:
        body["next"] = events[-1].version  # ask again with ?after=next (the page was full: there may be more)
    return body


def _query_int(name: str, default: int, lowest: int, highest: int) -> int:
    text = app.current_event.get_query_string_value(name)
    if text is None:
        return default
    digits = text.isascii() and text.isdigit() and len(text.lstrip("0")) <= 16  # never int() a huge string
    if not digits or not lowest <= int(text) <= highest:
        raise InvalidInput(
            f"{name}: {text[:40]!r} is not a whole number from {lowest} to {highest}",
            details=[{"field": name, "problem": "out of range"}],
        )
    return int(text)


def _query_item_id(name: str) -> str | None:
    text = app.current_event.get_query_string_value(name)
    if text is None:
        return None
    if re.fullmatch(ITEM_ID_PATTERN, text) is None:
        raise InvalidInput(
            f"{name}: {text[:40]!r} is not an item id", details=[{"field": name, "problem": "invalid id"}]
        )
    return text


@instrumented(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
