"""How the parts of the local cloud meet: the function runtime, the event sources and the orchestrator.

The orchestrator (``localcloud.cloud``) starts the emulator, creates the resources of every stack and
the function workers, then hands a :class:`SourceContext` to ``localcloud.sources.start`` which wires
every event source (S3 notifications, queues, streams, rules, schedules) to the functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from localcloud.stack import Stack


@dataclass(frozen=True)
class InvokeResult:
    """What one invocation gave, as Lambda reports it."""

    function: str
    ok: bool  # False when the handler raised or timed out (Lambda's FunctionError)
    payload: Any  # the handler's return value, or {"errorMessage", "errorType"} when not ok
    duration_ms: float
    timed_out: bool = False


class Invoker(Protocol):
    def invoke(self, function: str, event: Any) -> InvokeResult:
        """Run ``function`` (its physical name) on ``event`` in a warm worker; blocks until it answers."""
        ...


@dataclass(frozen=True)
class SourceContext:
    endpoint: str  # the emulator, e.g. http://127.0.0.1:4566
    region: str
    account: str
    stacks: Sequence[Stack]
    invoker: Invoker
    resolve: Callable[[str], str]  # expands ${kind.name.attribute} references
    chaos_duplicates: bool = False


class StartedSources(Protocol):
    def stop(self) -> None: ...

    def describe(self) -> list[str]:
        """One line per running source, for ``localcloud status``."""
        ...
