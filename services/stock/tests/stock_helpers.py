"""Shared by the stock unit tests: resource names and the events AWS sends the handlers (the Lambda context
and the moto resources come from ``localcloud.testing``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from localcloud.testing import function_url_event

TABLE = "pizza-stock-batches"
BUCKET = "pizza-stock-deliveries"
LEVELS = "pizza-stock-levels"


def s3_event(bucket: str, key: str, etag: str | None, event_time: str = "2026-11-22T10:00:00.000Z") -> dict[str, Any]:
    """An ``ObjectCreated:Put`` notification, as S3 (and moto) shape it (``event_time`` tells uploads apart)."""
    from urllib.parse import quote_plus

    obj: dict[str, Any] = {"key": quote_plus(key), "size": 1}
    if etag:
        obj["eTag"] = etag
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": event_time,
                "eventName": "ObjectCreated:Put",
                "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket}, "object": obj},
            }
        ]
    }


def http_event(method: str, path: str, body: Any = None, raw_body: str | None = None) -> dict[str, Any]:
    """The stock API's function URL event."""
    return function_url_event(method, path, body=body, raw_body=raw_body)


OPENAPI = Path(__file__).resolve().parents[1] / "openapi.yaml"


def openapi_document() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(OPENAPI.read_text())


def check_against_openapi(document: dict[str, Any], route: str, method: str, status: int, body: Any) -> None:
    """Raise if ``status`` is not documented for the route, or ``body`` does not match its schema."""
    import jsonschema

    responses = document["paths"][route][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {route} answered {status}, which openapi.yaml does not document"
    response = responses[str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    schema = response["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": document["components"]}).validate(body)
