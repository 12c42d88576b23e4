"""One mapping from errors to HTTP answers for every API of the pizza place."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from pydantic import ValidationError

from pizza_common.errors import InvalidInput, PizzaError

__all__ = ["install_error_handlers", "invalid_input_from", "json_response"]


def json_response(status_code: int, body: object) -> Response:
    return Response(status_code=status_code, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def invalid_input_from(error: ValidationError) -> InvalidInput:
    """A pydantic error as a 400 that names each wrong field (``items.0.quantity``) and why."""
    problems = [
        {"field": ".".join(str(part) for part in problem["loc"]) or "body", "problem": problem["msg"]}
        for problem in error.errors(include_url=False)
    ]
    summary = "; ".join(f"{problem['field']}: {problem['problem']}" for problem in problems)
    return InvalidInput(f"invalid request: {summary}", details=problems)


def install_error_handlers(app: APIGatewayHttpResolver) -> None:
    """Answer every :class:`PizzaError` with its status and JSON body, and bad bodies with a 400."""

    @app.exception_handler(PizzaError)
    def _pizza_error(error: PizzaError) -> Response:
        return json_response(error.status_code, error.to_body())

    @app.exception_handler(ValidationError)
    def _validation_error(error: ValidationError) -> Response:
        invalid = invalid_input_from(error)
        return json_response(invalid.status_code, invalid.to_body())

    @app.exception_handler(json.JSONDecodeError)
    def _broken_json(error: json.JSONDecodeError) -> Response:
        invalid = InvalidInput(f"the body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}")
        return json_response(invalid.status_code, invalid.to_body())
