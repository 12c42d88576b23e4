"""What goes wrong for a user of the ``pizza`` command: one line, and an exit code a script can act on."""

from __future__ import annotations

__all__ = ["INTERRUPTED", "NO_TARGET", "REFUSED", "USAGE", "CliError"]

REFUSED = 1  # the pizza place said no: not enough stock, rows rejected, a broken invariant, pizzas not baked
USAGE = 2  # the command was wrong: arguments, a missing file, an unknown ingredient, an invalid request
NO_TARGET = 3  # nothing to talk to: no local cloud, unreachable endpoint, no credentials
INTERRUPTED = 130  # Ctrl-C


class CliError(Exception):
    def __init__(self, message: str, exit_code: int = REFUSED) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
