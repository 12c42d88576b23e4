"""The library's HTTP API, written as a service would write it: Powertools' resolver for function URLs."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response

logger = Logger()
tracer = Tracer()
app = LambdaFunctionUrlResolver()
books = boto3.resource("dynamodb").Table(os.environ["BOOKS_TABLE"])


@app.get("/books/<isbn>")
def get_book(isbn: str) -> Any:
    item = books.get_item(Key={"isbn": isbn}).get("Item")
    if item is None:
        return Response(404, "application/json", f'{{"message": "no book {isbn}"}}')
    return {"isbn": item["isbn"], "title": item["title"]}


@app.post("/books")
def add_book() -> Any:
    body = app.current_event.json_body
    books.put_item(Item={"isbn": body["isbn"], "title": body["title"]})
    return Response(201, "application/json", app.current_event.body)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
