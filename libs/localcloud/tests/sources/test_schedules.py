"""Schedule expressions: when rate() and cron() fire next, in UTC, to the minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from localcloud.sources.schedules import InvalidSchedule, parse

STARTED = datetime(2030, 3, 14, 9, 26, 53, tzinfo=UTC)  # a Thursday


def _next(expression: str, now: datetime, started: datetime = STARTED) -> datetime:
    return parse(expression).next_after(started, now)


def test_a_rate_fires_one_period_after_the_start_and_every_period_after() -> None:
    assert _next("rate(1 minute)", STARTED) == STARTED + timedelta(minutes=1)
    assert _next("rate(5 minutes)", STARTED + timedelta(minutes=5)) == STARTED + timedelta(minutes=10)
    assert _next("rate(2 hours)", STARTED + timedelta(minutes=90)) == STARTED + timedelta(hours=2)
    assert _next("rate(1 day)", STARTED + timedelta(days=3, seconds=1)) == STARTED + timedelta(days=4)


@pytest.mark.parametrize(
    ("expression", "now", "expected"),
    [
        ("cron(* * * * ? *)", STARTED, datetime(2030, 3, 14, 9, 27, tzinfo=UTC)),
        ("cron(0/15 * * * ? *)", STARTED, datetime(2030, 3, 14, 9, 30, tzinfo=UTC)),
        ("cron(0 3 * * ? *)", STARTED, datetime(2030, 3, 15, 3, 0, tzinfo=UTC)),
        ("cron(0 3 * * ? *)", datetime(2030, 3, 15, 3, 0, tzinfo=UTC), datetime(2030, 3, 16, 3, 0, tzinfo=UTC)),
        (
            "cron(30 8-17 ? * MON-FRI *)",
            datetime(2030, 3, 15, 18, 0, tzinfo=UTC),
            datetime(2030, 3, 18, 8, 30, tzinfo=UTC),
        ),
        ("cron(0 12 1 JAN,JUL ? *)", STARTED, datetime(2030, 7, 1, 12, 0, tzinfo=UTC)),
        ("cron(0 0 L * ? *)", STARTED, datetime(2030, 3, 31, 0, 0, tzinfo=UTC)),
        (
            "cron(0 9 15W * ? *)",
            datetime(2030, 6, 1, tzinfo=UTC),
            datetime(2030, 6, 14, 9, 0, tzinfo=UTC),
        ),  # 15th: Saturday
        ("cron(0 10 ? * 6#3 *)", STARTED, datetime(2030, 3, 15, 10, 0, tzinfo=UTC)),  # the third Friday
        ("cron(0 10 ? * 6L *)", STARTED, datetime(2030, 3, 29, 10, 0, tzinfo=UTC)),  # the last Friday
        ("cron(0 0 1 1 ? 2032)", STARTED, datetime(2032, 1, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_cron_fires_at_the_next_matching_minute(expression: str, now: datetime, expected: datetime) -> None:
    assert _next(expression, now) == expected


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("rate(0 minutes)", "rate"),
        ("rate(1 minutes)", "rate"),
        ("rate(5 minute)", "rate"),
        ("cron(0 3 * * *)", "6 fields"),
        ("cron(0 3 * * * *)", "exactly one"),
        ("cron(61 3 * * ? *)", "outside"),
        ("every day at 3", "neither"),
    ],
)
def test_a_malformed_schedule_is_refused_with_its_reason(expression: str, reason: str) -> None:
    with pytest.raises(InvalidSchedule, match=reason):
        parse(expression)
