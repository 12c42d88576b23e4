"""Errors that say what is wrong, each with the HTTP status it maps to.

Pure Python: a service's domain may raise (or subclass) these without importing AWS code.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Conflict", "InvalidInput", "NotFound", "PizzaError"]


class PizzaError(Exception):
    """Base of every error a caller can act on. ``details`` travels to the caller as JSON."""

    status_code = 500
    code = "InternalError"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


class InvalidInput(PizzaError):
    """The request itself is wrong (400): a missing field, a negative quantity, broken JSON."""

    status_code = 400
    code = "InvalidInput"


class NotFound(PizzaError):
    """The thing asked for does not exist (404)."""

    status_code = 404
    code = "NotFound"


class Conflict(PizzaError):
    """The request is valid but the current state refuses it (409): not enough stock, a changed re-upload."""

    status_code = 409
    code = "Conflict"
