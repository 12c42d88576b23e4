"""The stock service as a client sees it: its bucket, its signed HTTP API, its Kinesis stream. Public doors only."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from localcloud.polling import eventually
from pizza_common.signed_http import HttpAnswer, SignedHttp

OPENAPI = Path(__file__).resolve().parents[3] / "services" / "stock" / "openapi.yaml"
# Far from any TTL sweep a test runs (those sweep at most a few days ahead).
FAR_BEST_BEFORE = (date.today() + timedelta(days=400)).isoformat()


def unique(name: str) -> str:
    """An ingredient or id of this test alone (a lowercase slug)."""
    return f"{name}-{uuid.uuid4().hex[:10]}"


@dataclass
class StockTarget:
    bucket: str
    stream: str
    api: SignedHttp
    s3: Any
    kinesis: Any
    _openapi: dict[str, Any] | None = field(default=None, repr=False)

    # --- deliveries ------------------------------------------------------------------------------------

    def deliver(self, key: str, text: str | bytes) -> str:
        body = text.encode() if isinstance(text, str) else text
        return str(self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)["ETag"].strip('"'))

    def report(self, key: str) -> dict[str, Any] | None:
        try:
            found = self.s3.get_object(Bucket=self.bucket, Key=f"reports/{key}.json")
        except self.s3.exceptions.NoSuchKey:
            return None
        return json.loads(found["Body"].read())  # type: ignore[no-any-return]

    def wait_for_report(self, key: str, matches: Callable[[dict[str, Any]], bool] = lambda _: True) -> dict[str, Any]:
        def ready() -> dict[str, Any] | None:
            report = self.report(key)
            return report if report is not None and matches(report) else None

        return eventually(ready, f"the report of {key}")

    # --- the API ---------------------------------------------------------------------------------------

    def call(self, method: str, route: str, path: str, body: Any = None) -> HttpAnswer:
        """One request; its answer is checked against openapi.yaml before it is returned."""
        answer = self.api.request(method, path, body)
        check_against_openapi(self.openapi, route, method, answer.status, answer.json())
        return answer

    def level(self, type_id: str) -> dict[str, Any] | None:
        answer = self.call("GET", "/stock/{typeId}", f"/stock/{type_id}")
        return answer.json() if answer.status == 200 else None

    def wait_for_level(self, type_id: str, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        def ready() -> dict[str, Any] | None:
            level = self.level(type_id)
            return level if level is not None and matches(level) else None

        return eventually(ready, f"the level of {type_id}")

    def use(self, transaction_id: str, **items: int) -> HttpAnswer:
        body = {
            "transactionId": transaction_id,
            "items": [{"typeId": type_id, "quantity": quantity} for type_id, quantity in items.items()],
        }
        return self.call("POST", "/transactions", "/transactions", body)

    @property
    def openapi(self) -> dict[str, Any]:
        if self._openapi is None:
            import yaml

            self._openapi = yaml.safe_load(OPENAPI.read_text())
        return self._openapi

    # --- the levels stream -----------------------------------------------------------------------------

    def level_records(self) -> list[dict[str, Any]]:
        """Every record on the levels stream, in order, from its start."""
        records: list[dict[str, Any]] = []
        for shard in self.kinesis.list_shards(StreamName=self.stream)["Shards"]:
            iterator = self.kinesis.get_shard_iterator(
                StreamName=self.stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while iterator:
                page = self.kinesis.get_records(ShardIterator=iterator, Limit=10000)
                records.extend(
                    {"partitionKey": record["PartitionKey"], **json.loads(record["Data"])} for record in page["Records"]
                )
                if not page["Records"] or page.get("MillisBehindLatest", 0) == 0:
                    break
                iterator = page.get("NextShardIterator")
        return records

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
