"""The one client of the stock service, through its public doors only: the deliveries bucket (a CSV in, a
report out), the IAM-authorised HTTP API (levels, usage) and the Kinesis levels stream.

Used by the ``pizza`` command and its demo, the integration tests and the benches::

    stock = StockClient.of(outputs, session=boto3.session.Session(), endpoint=None)
    stock.deliver("deliveries/monday.csv", b"ham,10,2027-01-01\\n")
    stock.wait_for_report("deliveries/monday.csv")
    answer = stock.use("order-1", {"ham": 2})      # answer.status: 201, 409, 400 (503 only if time ran out)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pizza_common.kinesis import records_from_start
from pizza_common.signed_http import HttpAnswer, SignedHttp

__all__ = ["ReportMissing", "StockClient", "StockOutputs", "conflict_key", "report_key"]


def report_key(key: str) -> str:
    """Where the stock service writes a delivery's report (``reports/<key>.json``)."""
    return f"reports/{key}.json"


def conflict_key(key: str) -> str:
    """Where it reports other content arriving under a delivered key (beside the report, never over it)."""
    return f"reports/{key}.conflict.json"


class ReportMissing(TimeoutError):
    """No report (matching what was awaited) appeared in time."""


@dataclass(frozen=True)
class StockOutputs:
    """What the stock deployment outputs (Terraform's names, and the local cloud's)."""

    api_url: str
    deliveries_bucket: str
    stock_levels_stream: str

    @classmethod
    def of_service(cls, outputs: Mapping[str, Any]) -> StockOutputs:
        return cls(
            api_url=str(outputs["api_url"]),
            deliveries_bucket=str(outputs["deliveries_bucket"]),
            stock_levels_stream=str(outputs["stock_levels_stream"]),
        )


@dataclass
class StockClient:
    outputs: StockOutputs
    api: SignedHttp
    s3: Any
    kinesis: Any

    @classmethod
    def of(
        cls, outputs: Mapping[str, Any] | StockOutputs, *, session: Any, endpoint: str | None, region: str | None = None
    ) -> StockClient:
        """A client on a boto3 session (its credentials sign the API calls); ``endpoint`` for a local cloud."""
        found = outputs if isinstance(outputs, StockOutputs) else StockOutputs.of_service(outputs)
        region = region or session.region_name
        return cls(
            outputs=found,
            api=SignedHttp(found.api_url, region=region, credentials=session.get_credentials(), timeout=30),
            s3=session.client("s3", endpoint_url=endpoint, region_name=region),
            kinesis=session.client("kinesis", endpoint_url=endpoint, region_name=region),
        )

    # --- deliveries -------------------------------------------------------------------------------------

    def deliver(self, key: str, content: str | bytes) -> str:
        """Drop a CSV delivery in the bucket; its ETag (which says nothing of its content under SSE-KMS)."""
        body = content.encode() if isinstance(content, str) else content
        put = self.s3.put_object(Bucket=self.outputs.deliveries_bucket, Key=key, Body=body, ContentType="text/csv")
        return str(put["ETag"]).strip('"')

    def _document(self, key: str) -> dict[str, Any] | None:
        try:
            found = self.s3.get_object(Bucket=self.outputs.deliveries_bucket, Key=key)
        except self.s3.exceptions.NoSuchKey:
            return None
        return dict(json.loads(found["Body"].read()))

    def report(self, key: str) -> dict[str, Any] | None:
        """The report of a delivery (``events/delivery-reported.schema.json``), or None if not written yet."""
        return self._document(report_key(key))

    def conflict(self, key: str) -> dict[str, Any] | None:
        """The last conflict reported for a key (``events/delivery-conflicted.schema.json``), or None."""
        return self._document(conflict_key(key))

    def wait_for_report(
        self,
        key: str,
        matches: Callable[[dict[str, Any]], bool] = lambda _: True,
        *,
        timeout: float = 60,
        conflict: bool = False,
    ) -> dict[str, Any]:
        """The report (or conflict) of ``key`` once it exists and ``matches``; else ReportMissing after ``timeout``."""
        read = self.conflict if conflict else self.report
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = read(key)
            if last is not None and matches(last):
                return last
            time.sleep(0.1)
        raise ReportMissing(f"no {'conflict' if conflict else 'report'} for {key} after {timeout:.0f} s (last: {last})")

    # --- the HTTP API -----------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None) -> HttpAnswer:
        return self.api.request(method, path, body)

    def levels(self) -> HttpAnswer:
        """``GET /stock``: ``{"items": [{"typeId", "quantity", "version"}]}``."""
        return self.request("GET", "/stock")

    def level(self, type_id: str) -> HttpAnswer:
        """``GET /stock/{typeId}``: 200 with the level, 404 if never delivered, 400 if not a typeId."""
        return self.request("GET", f"/stock/{quote(type_id, safe='')}")

    def use(self, transaction_id: str, items: Mapping[str, int]) -> HttpAnswer:
        """``POST /transactions``: every item or none; the same transactionId again gets the first answer."""
        body = {"transactionId": transaction_id, "items": [{"typeId": t, "quantity": q} for t, q in items.items()]}
        return self.request("POST", "/transactions", body)

    # --- the levels stream ------------------------------------------------------------------------------

    def level_records(self) -> list[dict[str, Any]]:
        """Every record on the levels stream (``events/level-changed.schema.json``), in order, from its start,
        each with its ``partitionKey``."""
        return [
            {"partitionKey": r["PartitionKey"], **json.loads(r["Data"])}
            for r in records_from_start(self.kinesis, self.outputs.stock_levels_stream)
        ]
