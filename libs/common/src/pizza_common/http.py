"""HTTP at the edge, for every API of the pizza place: one JSON error shape, safe request bodies.

Every error answer has the shape of :meth:`pizza_common.errors.PizzaError.to_body`:
``{"error": <code>, "message": <what is wrong>, "details": <optional>}`` - a :class:`PizzaError` with its
status, an invalid body a 400 that names each field, a route that does not exist a 404, a Powertools
``ServiceError`` its status, and anything unexpected a 500 (logged with its traceback, nothing of it leaked).

:func:`json_body` reads a request body defensively: a base64 body that is not UTF-8, broken JSON, JSON
nested deeper than :data:`MAX_JSON_DEPTH`, a number of more than 4,300 digits, ``NaN`` or ``Infinity``, or a
name given twice in one object are each a 400 that says so, never a 500 (the JSON decoder would otherwise
recurse 10,000 levels deep and fail with ``RecursionError``, or refuse a long integer with ``ValueError``).

    app = LambdaFunctionUrlResolver()       # or any Powertools v2 resolver
    install_error_handlers(app)

    @app.post("/transactions")
    def post() -> Response:
        request = UseRequest.model_validate(json_body(app))
        ...
        return json_response(201, body)
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from pydantic import ValidationError

from pizza_common import strict_json
from pizza_common.errors import InvalidInput, NotFound, PizzaError

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "error_response",
    "install_error_handlers",
    "invalid_input_from",
    "json_body",
    "json_response",
]

MAX_JSON_DEPTH = 32  # no API of the pizza place nests deeper than a few levels
MAX_BODY_BYTES = 1024 * 1024  # Lambda's own payload limit is 6 MB; no request of ours comes close


def json_response(status_code: int, body: object) -> Response:
    return Response(status_code=status_code, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def error_response(error: PizzaError) -> Response:
    """The one error shape, with the error's own status."""
    return json_response(error.status_code, error.to_body())


def invalid_input_from(error: ValidationError) -> InvalidInput:
    """A pydantic error as a 400 that names each wrong field (``items.0.quantity``) and why."""
    problems = [
        {"field": ".".join(str(part) for part in problem["loc"]) or "body", "problem": problem["msg"]}
        for problem in error.errors(include_url=False, include_input=False, include_context=False)
    ]
    summary = "; ".join(f"{problem['field']}: {problem['problem']}" for problem in problems)
    return InvalidInput(f"invalid request: {summary}", details=problems)


def _depth_of(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings do not count); linear time."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def json_body(app: ApiGatewayResolver) -> Any:
    """The current request's body as JSON; raises :class:`InvalidInput` (a 400) naming what is wrong with it."""
    event = app.current_event
    raw: str | bytes = event.body or ""
    if event.is_base64_encoded:
        try:
            raw = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("the body is marked base64 but is not valid base64") from None
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInput(f"the body is not UTF-8 text (byte {error.start})") from None
    if len(raw.encode()) > MAX_BODY_BYTES:
        raise InvalidInput(f"the body is larger than {MAX_BODY_BYTES:,} bytes")
    if not raw.strip():
        raise InvalidInput("the body is empty; a JSON object is expected")
    depth = _depth_of(raw)
    if depth > MAX_JSON_DEPTH:
        raise InvalidInput(f"the body nests {depth} levels deep; at most {MAX_JSON_DEPTH} are accepted")
    try:
        return strict_json.loads(raw)
    except json.JSONDecodeError as error:
        raise _broken_json(error) from None
    except strict_json.NotStrictJson as error:
        raise InvalidInput(f"the body holds {error}") from None
    except RecursionError:  # the depth check makes this unreachable; kept so a deep body is never a 500
        raise InvalidInput(f"the body nests more than {MAX_JSON_DEPTH} levels deep") from None


def _broken_json(error: json.JSONDecodeError) -> InvalidInput:
    return InvalidInput(f"the body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}")


def install_error_handlers(app: ApiGatewayResolver) -> None:
    """Answer every error, expected or not, in the one JSON error shape."""
    from pizza_common.observability import logger

    @app.exception_handler(PizzaError)
    def _pizza_error(error: PizzaError) -> Response:
        return error_response(error)

    @app.exception_handler(ValidationError)
    def _validation_error(error: ValidationError) -> Response:
        return error_response(invalid_input_from(error))

    @app.exception_handler(json.JSONDecodeError)
    def _json_error(error: json.JSONDecodeError) -> Response:
        return error_response(_broken_json(error))

    @app.exception_handler(RecursionError)
    def _too_deep(error: RecursionError) -> Response:
        return error_response(InvalidInput(f"the body nests more than {MAX_JSON_DEPTH} levels deep"))

    @app.exception_handler(UnicodeDecodeError)
    def _not_text(error: UnicodeDecodeError) -> Response:
        return error_response(InvalidInput("the body is not UTF-8 text"))

    @app.exception_handler(ServiceError)
    def _service_error(error: ServiceError) -> Response:
        code = {400: "InvalidInput", 404: "NotFound", 405: "MethodNotAllowed"}.get(error.status_code, "Error")
        return json_response(error.status_code, {"error": code, "message": error.msg})

    @app.not_found
    def _no_route(error: Exception) -> Response:
        event = app.current_event
        return error_response(NotFound(f"no route {event.http_method} {event.path}"))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("unexpected error answering a request")
        message = "an unexpected error occurred; it has been logged"
        return json_response(
            500, {"error": "InternalError", "message": message, "details": {"requestId": _request_id(app)}}
        )


def _request_id(app: ApiGatewayResolver) -> str | None:
    context = getattr(app, "lambda_context", None)
    return getattr(context, "aws_request_id", None)
