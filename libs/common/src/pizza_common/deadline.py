"""How long a piece of work may still take: a deadline, usually the Lambda's remaining time less a margin.

Every retry loop in the services (DynamoDB conflicts and throttling, unprocessed batch keys) pauses with
full jitter and gives up once the next pause would pass the deadline, so a function answers (or fails and
is retried by its event source) before Lambda kills it mid-write.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Protocol

__all__ = [
    "DEFAULT_MARGIN_SECS",
    "FALLBACK_SECS",
    "URGENCY",
    "Deadline",
    "RemainingTime",
    "current",
    "full_jitter",
    "within",
]

# No pause takes more than this share of the time left (nor less than the pause's base): a request that has
# waited long retries more often as its deadline nears, instead of running out of time behind newer ones.
URGENCY = 1 / 16
# Left for the handler to answer (and for the SDK's last attempt) after the last retry gave up.
DEFAULT_MARGIN_SECS = 2.0


class RemainingTime(Protocol):
    """What a Lambda context offers (``aws_lambda_powertools.utilities.typing.LambdaContext`` has it)."""

    def get_remaining_time_in_millis(self) -> int: ...


def full_jitter(attempt: int, *, base: float = 0.01, cap: float = 1.0) -> float:
    """A pause before retry number ``attempt`` (0 for the first retry): uniform in [0, min(cap, base * 2**attempt)].

    "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): contenders spread out at once.
    """
    return random.uniform(0, min(cap, base * 2 ** min(attempt, 32)))


@dataclass
class Deadline:
    """A point in time (monotonic clock) by which the work must be over.

    ``clock`` and ``sleep`` are injectable so tests run retry loops without waiting.
    """

    at: float
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    # The longest pause between retries: short where a retrying step holds up others behind it (the oven's
    # load item, which every step of the line writes). Contenders that only compete are better spread out.
    pause_cap: float = 1.0

    @classmethod
    def after(
        cls,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Deadline:
        return cls(clock() + seconds, clock, sleep)

    @classmethod
    def of_context(cls, context: RemainingTime, margin_secs: float = DEFAULT_MARGIN_SECS) -> Deadline:
        """The Lambda's remaining time less ``margin_secs`` (never negative)."""
        remaining = context.get_remaining_time_in_millis() / 1000
        return cls.after(max(0.0, remaining - margin_secs))

    @classmethod
    def unbounded(cls) -> Deadline:
        """No deadline (scripts and benches); retries still back off."""
        return cls(float("inf"))

    def with_pauses_up_to(self, cap: float) -> Deadline:
        """The same deadline, with pauses between retries of at most ``cap`` seconds."""
        return replace(self, pause_cap=min(cap, self.pause_cap))

    def remaining(self) -> float:
        return max(0.0, self.at - self.clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0

    def pause(self, attempt: int, *, base: float = 0.01, cap: float = 1.0) -> bool:
        """Sleep a full-jitter pause before retry ``attempt``; False (no sleep) if it would pass the deadline."""
        urgent = max(base, self.remaining() * URGENCY)
        seconds = full_jitter(attempt, base=base, cap=min(cap, self.pause_cap, urgent))
        if seconds >= self.remaining():
            return False
        self.sleep(seconds)
        return True


# The deadline of the invocation at hand: set by ``pizza_common.observability.instrumented`` from the Lambda
# context, so adapters built once per cold start bound their retries by this invocation's remaining time.
_CURRENT: ContextVar[Deadline | None] = ContextVar("pizza_deadline", default=None)
# Outside a handler (scripts, benches, tests), retries give up after this long.
FALLBACK_SECS = 20.0


def current() -> Deadline:
    """The deadline set by :func:`within` around this call, or one ``FALLBACK_SECS`` from now."""
    return _CURRENT.get() or Deadline.after(FALLBACK_SECS)


@contextmanager
def within(deadline: Deadline) -> Iterator[Deadline]:
    """Make ``deadline`` the :func:`current` one for the calls inside."""
    token = _CURRENT.set(deadline)
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)
