"""The stock service as the integration tests see it: ``pizza_stock.client`` (the one stock client), with every
API answer checked against ``openapi.yaml`` and waits that poll with a deadline."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from localcloud.polling import eventually
from pizza_common.signed_http import HttpAnswer
from pizza_stock.client import StockClient

OPENAPI = Path(__file__).resolve().parents[3] / "services" / "stock" / "openapi.yaml"
# Far from any TTL sweep a test runs (those sweep at most a few days ahead).
FAR_BEST_BEFORE = (date.today() + timedelta(days=400)).isoformat()


def unique(name: str) -> str:
    """An ingredient or id of this test alone (a lowercase slug)."""
    return f"{name}-{uuid.uuid4().hex[:10]}"


@dataclass
class StockTarget:
    client: StockClient
    _openapi: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def bucket(self) -> str:
        return self.client.outputs.deliveries_bucket

    @property
    def s3(self) -> Any:
        return self.client.s3

    @property
    def api(self) -> Any:
        return self.client.api

    # --- deliveries ------------------------------------------------------------------------------------

    def deliver(self, key: str, text: str | bytes) -> str:
        return self.client.deliver(key, text)

    def report(self, key: str) -> dict[str, Any] | None:
        return self.client.report(key)

    def wait_for_report(self, key: str, matches: Callable[[dict[str, Any]], bool] = lambda _: True) -> dict[str, Any]:
        return self.client.wait_for_report(key, matches, timeout=120)

    def wait_for_conflict(self, key: str, matches: Callable[[dict[str, Any]], bool] = lambda _: True) -> dict[str, Any]:
        return self.client.wait_for_report(key, matches, timeout=120, conflict=True)

    # --- the API ---------------------------------------------------------------------------------------

    def call(self, method: str, route: str, path: str, body: Any = None) -> HttpAnswer:
        """One request; its answer is checked against openapi.yaml before it is returned."""
        answer = self.client.request(method, path, body)
        check_against_openapi(self.openapi, route, method, answer.status, answer.json())
        return answer

    def level(self, type_id: str) -> dict[str, Any] | None:
        answer = self.call("GET", "/stock/{typeId}", f"/stock/{type_id}")
        return answer.json() if answer.status == 200 else None

    def levels(self) -> dict[str, int]:
        items = self.call("GET", "/stock", "/stock").json()["items"]
        return {item["typeId"]: item["quantity"] for item in items}

    def wait_for_level(self, type_id: str, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        def ready() -> dict[str, Any] | None:
            level = self.level(type_id)
            return level if level is not None and matches(level) else None

        return eventually(ready, f"the level of {type_id}", timeout=120)

    def use(self, transaction_id: str, **items: int) -> HttpAnswer:
        answer = self.client.use(transaction_id, items)
        check_against_openapi(self.openapi, "/transactions", "POST", answer.status, answer.json())
        return answer

    @property
    def openapi(self) -> dict[str, Any]:
        if self._openapi is None:
            import yaml

            self._openapi = yaml.safe_load(OPENAPI.read_text())
        return self._openapi

    # --- the levels stream -----------------------------------------------------------------------------

    def level_records(self) -> list[dict[str, Any]]:
        return self.client.level_records()

    def records_of(self, type_id: str) -> list[dict[str, Any]]:
        return [record for record in self.level_records() if record["typeId"] == type_id]


def check_against_openapi(document: dict[str, Any], route: str, method: str, status: int, body: Any) -> None:
    """Fail if ``status`` is not documented for the route, or ``body`` does not match its schema."""
    import jsonschema

    responses = document["paths"][route][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {route} answered {status}, which openapi.yaml does not document"
    response = responses[str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    schema = response["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": document["components"]}).validate(body)
