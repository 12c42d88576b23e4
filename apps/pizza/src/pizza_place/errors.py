"""What goes wrong for a user of the ``pizza`` command: one line, and an exit code a script can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pizza_common.signed_http import HttpAnswer

__all__ = ["INTERRUPTED", "NO_TARGET", "REFUSED", "USAGE", "CliError", "answer_body"]

REFUSED = 1  # the pizza place said no: not enough stock, rows rejected, a broken invariant, pizzas not baked
USAGE = 2  # the command was wrong: arguments, a missing file, an unknown ingredient, an invalid request
NO_TARGET = 3  # nothing to talk to: no local cloud, unreachable endpoint, no credentials
INTERRUPTED = 130  # Ctrl-C


class CliError(Exception):
    def __init__(self, message: str, exit_code: int = REFUSED) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def answer_body(answer: HttpAnswer, *, ok: tuple[int, ...] = (200, 201, 202)) -> Any:
    """An API's answer's body if its status is one of ``ok``; else its message as a ``CliError`` (a 400 or 404
    is the command's fault, anything else a refusal)."""
    try:
        body = answer.json()
    except ValueError:  # not JSON: a proxy's error page, a cut connection
        body = None
        if answer.status in ok:
            raise CliError(f"answered {answer.status} with a body that is not JSON: {answer.body[:200]!r}") from None
    if answer.status in ok:
        return body
    message = body.get("message") if isinstance(body, dict) else None
    text = str(message) if message else f"answered {answer.status}: {answer.body[:200].decode(errors='replace')}"
    raise CliError(text, USAGE if answer.status in (400, 404) else REFUSED)
