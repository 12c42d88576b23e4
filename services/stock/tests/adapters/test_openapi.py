"""openapi.yaml is valid OpenAPI, lists exactly the routes the stack serves, and the API's answers match it."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from openapi_spec_validator import validate
from stock_helpers import BUCKET, check_against_openapi, http_event, openapi_document, s3_event

from pizza_stock.stack import stack


def test_the_document_is_valid_openapi():
    validate(openapi_document())


def test_the_document_describes_exactly_the_routes_of_the_api_function():
    from pizza_stock.handlers import api

    def shape(path: str) -> str:  # parameter names aside: /stock/{typeId} and /stock/{type_id} are one route
        return re.sub(r"\{[^}]+\}", "{}", path)

    documented = {
        (method.upper(), shape(path))
        for path, operations in openapi_document()["paths"].items()
        for method in operations
    }
    routes = [*api.app._static_routes, *api.app._dynamic_routes]
    assert documented == {(route.method, shape(route.openapi_path)) for route in routes}
    # The function is served whole by its function URL: the router is the function's, not the stack's.
    assert stack().function("pizza-stock-api").url is not None


def test_every_answer_of_the_api_handler_matches_the_document(aws, context):
    from pizza_stock.handlers import api, ingest

    best_before = (date.today() + timedelta(days=3)).isoformat()
    s3 = aws.client("s3")
    etag = s3.put_object(Bucket=BUCKET, Key="o.csv", Body=f"ham,5,{best_before}\n".encode())["ETag"].strip('"')
    ingest.handler(s3_event(BUCKET, "o.csv", etag), context)
    document = openapi_document()
    use = {"transactionId": "t-openapi", "items": [{"typeId": "ham", "quantity": 2}]}
    too_much = {"transactionId": "t-2", "items": [{"typeId": "ham", "quantity": 9}]}
    calls = [
        ("GET", "/stock", "/stock", None),
        ("GET", "/stock/{typeId}", "/stock/ham", None),
        ("GET", "/stock/{typeId}", "/stock/truffle", None),
        ("GET", "/stock/{typeId}", "/stock/NOT_A_SLUG", None),
        ("POST", "/transactions", "/transactions", use),
        ("POST", "/transactions", "/transactions", use | {"items": [{"typeId": "ham", "quantity": 3}]}),
        ("POST", "/transactions", "/transactions", too_much),
        ("POST", "/transactions", "/transactions", {"transactionId": "t-3", "items": [{"typeId": "ham"}]}),
    ]
    statuses = []
    for method, route, path, body in calls:
        answer = api.handler(http_event(method, path, body), context)
        check_against_openapi(document, route, method, answer["statusCode"], json.loads(answer["body"]))
        statuses.append(answer["statusCode"])
    assert statuses == [200, 200, 404, 400, 201, 409, 409, 400]
