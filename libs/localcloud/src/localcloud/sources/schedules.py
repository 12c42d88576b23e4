"""EventBridge schedule expressions: ``rate(...)`` and ``cron(...)``, in UTC, to the minute.

moto stores scheduled rules but never fires them, so the local cloud keeps the time itself. ``rate(N unit)``
fires every N minutes, hours or days, the first time one period after the rule starts (as a new rule on
AWS). ``cron(minutes hours day-of-month month day-of-week year)`` follows the EventBridge syntax: ``*``,
``?``, lists, ranges, steps, month and day names, day-of-week 1-7 with 1 = Sunday, ``L`` (last day of the
month, or ``5L`` the last Thursday), ``W`` (``15W`` the weekday nearest the 15th, ``LW``) and ``#``
(``6#3`` the third Friday).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_SEARCH_YEARS = 5


class InvalidSchedule(ValueError):
    pass


@dataclass(frozen=True)
class Schedule:
    expression: str
    next_after: Callable[[datetime, datetime], datetime]  # (started, now) -> the next fire strictly after now


def parse(expression: str) -> Schedule:
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1 or (value == 1) != (not unit.endswith("s")):
            raise InvalidSchedule(f"{expression!r}: write rate(1 {unit.rstrip('s')}) or rate(N {unit.rstrip('s')}s)")
        period = timedelta(minutes=value) * {"minute": 1, "hour": 60, "day": 1440}[unit.rstrip("s")]

        def next_rate(started: datetime, now: datetime) -> datetime:
            periods = max(1, int((now - started) / period) + 1)
            return started + periods * period

        return Schedule(expression, next_rate)
    cron = _CRON.match(expression)
    if cron:
        fields = cron.group(1).split()
        if len(fields) != 6:
            raise InvalidSchedule(
                f"{expression!r}: cron takes 6 fields (minutes hours day-of-month month day-of-week year)"
            )
        matcher = _Cron(*fields)
        return Schedule(expression, lambda started, now: matcher.next_after(now))
    raise InvalidSchedule(f"{expression!r} is neither rate(...) nor cron(...)")


class _Cron:
    def __init__(self, minutes: str, hours: str, day_of_month: str, month: str, day_of_week: str, year: str) -> None:
        self.text = " ".join((minutes, hours, day_of_month, month, day_of_week, year))
        if (day_of_month == "?") == (day_of_week == "?"):
            raise InvalidSchedule(f"cron({self.text}): exactly one of day-of-month and day-of-week is '?'")
        self.minutes = self._values(minutes, 0, 59)
        self.hours = self._values(hours, 0, 23)
        self.months = self._values(month, 1, 12, _MONTHS)
        self.years = self._values(year, 1970, 2199)
        self.day_of_month = day_of_month
        self.day_of_week = day_of_week
        self.days = (
            None if day_of_month == "?" or re.search(r"[LW]", day_of_month) else self._values(day_of_month, 1, 31)
        )
        self.weekdays = (
            None if day_of_week == "?" or re.search(r"[L#]", day_of_week) else self._values(day_of_week, 1, 7, _DAYS)
        )

    def next_after(self, now: datetime) -> datetime:
        start = (now.astimezone(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
        day = start.date()
        while day.year <= start.year + _SEARCH_YEARS:
            if self._day_matches(day):
                first_minute = (start.hour, start.minute) if day == start.date() else (0, 0)
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        if (hour, minute) >= first_minute:
                            return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
            day += timedelta(days=1)
        raise InvalidSchedule(f"cron({self.text}) never fires in the next {_SEARCH_YEARS} years")

    def _day_matches(self, day: date) -> bool:
        if day.year not in self.years or day.month not in self.months:
            return False
        last = calendar.monthrange(day.year, day.month)[1]
        aws_weekday = (day.weekday() + 1) % 7 + 1  # 1 = Sunday ... 7 = Saturday
        if self.day_of_month != "?":
            if self.days is not None:
                return day.day in self.days
            if self.day_of_month == "L":
                return day.day == last
            if self.day_of_month == "LW":
                return day == _nearest_weekday(day.replace(day=last))
            if self.day_of_month.endswith("W") and self.day_of_month[:-1].isdigit():
                target = min(int(self.day_of_month[:-1]), last)
                return day == _nearest_weekday(day.replace(day=target))
            raise InvalidSchedule(f"cron({self.text}): day-of-month {self.day_of_month!r} is not supported")
        if self.weekdays is not None:
            return aws_weekday in self.weekdays
        text = self.day_of_week.upper()
        if text.endswith("L"):
            weekday = _one_value(text[:-1] or "7", _DAYS)
            return aws_weekday == weekday and day.day + 7 > last
        if "#" in text:
            weekday_text, nth = text.split("#", 1)
            return aws_weekday == _one_value(weekday_text, _DAYS) and (day.day - 1) // 7 + 1 == int(nth)
        raise InvalidSchedule(f"cron({self.text}): day-of-week {self.day_of_week!r} is not supported")

    def _values(self, field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
        values: set[int] = set()
        for part in field.upper().split(","):
            step = 1
            if "/" in part:
                part, step_text = part.split("/", 1)
                step = int(step_text)
                if step < 1:
                    raise InvalidSchedule(f"cron({self.text}): a step is at least 1")
            if part in ("*", "?"):
                first, last = low, high
            elif "-" in part:
                first_text, last_text = part.split("-", 1)
                first, last = _one_value(first_text, names), _one_value(last_text, names)
            else:
                first = _one_value(part, names)
                last = high if step > 1 else first
            if not low <= first <= high or not low <= last <= high:
                raise InvalidSchedule(f"cron({self.text}): {part!r} is outside {low}-{high}")
            values.update(range(first, last + 1, step))
        return values


def _one_value(text: str, names: dict[str, int] | None) -> int:
    if names and text in names:
        return names[text]
    if not text.isdigit():
        raise InvalidSchedule(f"{text!r} is not a number{' or a name' if names else ''}")
    return int(text)


def _nearest_weekday(day: date) -> date:
    """The weekday nearest ``day`` within its month (cron's ``W``)."""
    if day.weekday() == 5:  # Saturday -> Friday, or Monday when Friday is in the previous month
        return day - timedelta(days=1) if day.day > 1 else day + timedelta(days=2)
    if day.weekday() == 6:  # Sunday -> Monday, or Friday when Monday is in the next month
        last = calendar.monthrange(day.year, day.month)[1]
        return day + timedelta(days=1) if day.day < last else day - timedelta(days=2)
    return day
