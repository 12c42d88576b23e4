"""``pizza-stock-api``: the HTTP API (a Lambda function URL, payload 2.0, IAM-authorised).

- ``GET /stock``: every ingredient's level.
- ``GET /stock/{typeId}``: one level, 404 if never delivered.
- ``POST /transactions``: use ingredients, all or nothing (201, 409, 400; see ``openapi.yaml``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.deadline import current
from pizza_common.errors import InvalidInput, NotFound
from pizza_common.http import install_error_handlers, json_body, json_response
from pizza_common.observability import instrumented, metrics
from pizza_stock import bootstrap
from pizza_stock.domain import is_type_id
from pizza_stock.http import UsageRequest, level_body, usage_answer
from pizza_stock.use_cases import level_of, levels, use_ingredients

app = LambdaFunctionUrlResolver()
install_error_handlers(app)


@app.get("/stock")
def list_levels() -> Response:
    found = levels(datetime.now(UTC), bootstrap.api().pantry)
    return json_response(200, {"items": [level_body(level) for level in found]})


@app.get("/stock/<type_id>")
def get_level(type_id: str) -> Response:
    if not is_type_id(type_id):
        raise InvalidInput(f"typeId: {type_id!r} is not a lowercase slug", details=[{"field": "typeId"}])
    level = level_of(type_id, datetime.now(UTC), bootstrap.api().pantry)
    if level is None:
        raise NotFound(f"no ingredient {type_id!r} has ever been delivered", details={"typeId": type_id})
    return json_response(200, level_body(level))


@app.post("/transactions")
def post_transaction() -> Response:
    request = UsageRequest.model_validate(json_body(app))
    usage = use_ingredients(request.command(), lambda: datetime.now(UTC), bootstrap.api().pantry, current())
    status, body = usage_answer(usage.answer)
    metrics.add_metric(name=f"Transactions{status}", unit=MetricUnit.Count, value=1)
    if usage.contended:  # another usage changed an ingredient first: re-read and re-planned, not an error
        metrics.add_metric(name="UsageContention", unit=MetricUnit.Count, value=usage.contended)
    return json_response(status, body)


@instrumented(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
