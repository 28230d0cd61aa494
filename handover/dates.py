"""Calendar arithmetic of the hand-over (months added the way a person counts them)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def today_in_france(now: datetime | None = None) -> date:
    """The calendar day in metropolitan France (``now``: an aware moment, default the clock):
    the day the people of the hand-over live in. The server's clock runs in UTC, and between
    midnight and 1 or 2 a.m. in Paris the two days disagree."""
    return (now or datetime.now(PARIS)).astimezone(PARIS).date()


def moment_on(day: date, now: datetime | None = None) -> str:
    """``day`` at the current time of day in Paris (``now``: an aware moment, default the
    clock), as the UTC ISO time events are stamped with (``"2027-01-30T01:07:12Z"``): the
    moment of a moved clock (``relais taches --date``, the demonstration's scenarios), so that
    a history reads on the day its record says. On today's date, it is the clock itself."""
    now = (now or datetime.now(PARIS)).astimezone(PARIS)
    moment = datetime.combine(day, now.time().replace(microsecond=0), tzinfo=PARIS)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_months(day: date, months: int) -> date:
    """``add_months(date(2026, 1, 31), 1)`` → ``date(2026, 2, 28)`` (clamped to the month's end)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def days_between(start: date | None, end: date | None) -> int | None:
    if start is None or end is None:
        return None
    return (end - start).days
