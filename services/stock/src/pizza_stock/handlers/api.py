"""``pizza-stock-api``: the HTTP API (a Lambda function URL, payload 2.0, IAM-authorised).

- ``GET /stock``: every ingredient's level.
- ``GET /stock/{typeId}``: one level, 404 if never delivered.
- ``POST /transactions``: use ingredients, all or nothing (201, 409, 400; see ``openapi.yaml``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from pizza_common.errors import InvalidInput
from pizza_common.http import install_error_handlers, json_response
from pizza_common.observability import instrumented, metrics
from pizza_common.settings import load
from pizza_stock.adapters.table import StockTable
from pizza_stock.domain import UseIngredients, is_type_id
from pizza_stock.settings import TableSettings
from pizza_stock.use_cases import level_of, use_ingredients

app = LambdaFunctionUrlResolver()
install_error_handlers(app)


@cache
def _table() -> StockTable:
    return StockTable(load(TableSettings).stock_table)


@app.get("/stock")
def list_levels() -> dict[str, Any]:
    return {"items": [level.as_dict() for level in _table().all_levels()]}


@app.get("/stock/<type_id>")
def get_level(type_id: str) -> dict[str, Any]:
    if not is_type_id(type_id):
        raise InvalidInput(f"typeId: {type_id!r} is not a lowercase slug", details=[{"field": "typeId"}])
    return level_of(type_id, _table()).as_dict()


@app.post("/transactions")
def post_transaction() -> Response:
    request = UseIngredients.model_validate(app.current_event.json_body)
    answer = use_ingredients(request, datetime.now(UTC), _table())
    metrics.add_metric(name=f"Transactions{answer.status}", unit=MetricUnit.Count, value=1)
    return json_response(answer.status, answer.body)


@instrumented(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
