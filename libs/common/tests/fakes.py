"""What the toolkit's tests share: a clock that moves only when slept on, and the errors AWS answers."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from pizza_common.deadline import Deadline

__all__ = ["FakeClock", "client_error", "deadline_in"]


class FakeClock:
    """A clock that only moves when the code under test sleeps: retry loops run instantly."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def deadline_in(seconds: float, clock: FakeClock) -> Deadline:
    return Deadline.after(seconds, clock=clock.clock, sleep=clock.sleep)


def client_error(code: str, **response: Any) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, **response}, "Operation")
