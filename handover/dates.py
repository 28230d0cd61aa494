"""Calendar arithmetic of the hand-over (months added the way a person counts them)."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def today_in_france(now: datetime | None = None) -> date:
    """The calendar day in metropolitan France (``now``: an aware moment, default the clock):
    the day the people of the hand-over live in. The server's clock runs in UTC, and between
    midnight and 1 or 2 a.m. in Paris the two days disagree."""
    return (now or datetime.now(PARIS)).astimezone(PARIS).date()


def add_months(day: date, months: int) -> date:
    """``add_months(date(2026, 1, 31), 1)`` → ``date(2026, 2, 28)`` (clamped to the month's end)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def days_between(start: date | None, end: date | None) -> int | None:
    if start is None or end is None:
        return None
    return (end - start).days
