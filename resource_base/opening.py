"""Opening hours for search: each place's time zone and its weekly open intervals.

A resource's ``horaires_accueil`` (OpenStreetMap syntax) becomes, once at index time, a list
of half-open integer ranges ``[start, end)`` in **minutes of its typical week**, local time:
Monday 00:00 is 0, Sunday 24:00 is 10 080. Both engines filter on those ranges (Elasticsearch
``integer_range`` field, the embedded engine with numpy), so that the "open now" and "open
today" filters keep exact totals and pagination. The local time of a place comes from its
department: overseas departments and collectivities have their own zone (IANA names).

Limits (README, "Ouvert maintenant"): the typical week ignores public holidays and
date-specific rules ("Aug off"); the badge of each result, computed by ``opening_hours`` on
the real date, does take them into account.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, State

WEEK_MINUTES = 7 * 24 * 60
DAY_MINUTES = 24 * 60
PARIS = "Europe/Paris"

# Department (or collectivity) code → IANA time zone; every other department is Paris.
# Source: IANA tz database (zone1970.tab), INSEE codes of the overseas departments.
TIME_ZONES: dict[str, str] = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}
ALL_ZONES: tuple[str, ...] = tuple(sorted({PARIS, *TIME_ZONES.values()}))

# The filter values of ``SearchQuery.ouvert``.
MAINTENANT = "maintenant"
AUJOURDHUI = "aujourdhui"
OUVERT_VALUES = {MAINTENANT: "ouvert maintenant", AUJOURDHUI: "ouvert aujourd'hui"}

# A week without public holiday in any French calendar, to read the typical week.
_REFERENCE_MONDAY = datetime(2024, 1, 8)


def time_zone(departement: str | None) -> str:
    """IANA time zone of a department code: ``"974"`` → ``"Indian/Reunion"``, ``"51"`` →
    ``"Europe/Paris"`` (also for unknown or missing codes)."""
    return TIME_ZONES.get((departement or "")[:3], PARIS)


def local_now(departement: str | None, moment: datetime | None = None) -> datetime:
    """Naive local time of the place at ``moment`` (aware; now when None): opening hours are
    written in local time."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(ZoneInfo(time_zone(departement))).replace(tzinfo=None)


@lru_cache(maxsize=8192)
def weekly_intervals(expression: str | None) -> tuple[tuple[int, int], ...]:
    """Open ranges of the typical week in minutes, ``[start, end)``, sorted and merged.

    >>> weekly_intervals("Mo 09:00-12:00; Su 22:00-24:00")
    ((540, 720), (10020, 10080))

    An empty or unreadable expression, or one that is never open, gives ``()``; the states
    "unknown" (``"Mo 09:00-12:00 unknown"``) are not open.
    """
    if not expression or not expression.strip():
        return ()
    try:
        parsed = OpeningHours(expression.strip())
        end = _REFERENCE_MONDAY + timedelta(days=7)
        spans = [
            (begin, finish)
            for begin, finish, state, _ in parsed.intervals(_REFERENCE_MONDAY, end)
            if state == State.OPEN
        ]
    except Exception:  # the Rust parser's errors, and anything odd input makes it raise
        return ()
    ranges: list[tuple[int, int]] = []
    for begin, finish in spans:
        start = _minutes(begin)
        stop = WEEK_MINUTES if finish is None or finish >= end else _minutes(finish)
        if stop <= start:
            continue
        if ranges and ranges[-1][1] >= start:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], stop))
        else:
            ranges.append((start, stop))
    return tuple(ranges)


def _minutes(moment: datetime) -> int:
    delta = moment - _REFERENCE_MONDAY
    return int(delta.total_seconds() // 60)


def minute_of_week(local: datetime) -> int:
    """``Monday 00:00`` → 0, ``Tuesday 09:30`` → 1 980 (naive local time)."""
    return local.weekday() * DAY_MINUTES + local.hour * 60 + local.minute


def moments(moment: datetime) -> dict[str, int]:
    """Minute of the week in every known time zone at ``moment`` (aware datetime)."""
    return {
        zone: minute_of_week(moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None))
        for zone in ALL_ZONES
    }


def window(ouvert: str, minute: int) -> tuple[int, int]:
    """The ``[start, end)`` minutes an open range must meet for the filter ``ouvert``:
    the current minute (``maintenant``) or the whole local day (``aujourdhui``)."""
    if ouvert == MAINTENANT:
        return minute, minute + 1
    day = minute // DAY_MINUTES
    return day * DAY_MINUTES, (day + 1) * DAY_MINUTES


def is_open(ranges, start: int, end: int) -> bool:
    """Whether one of ``ranges`` meets ``[start, end)``: the rule both engines implement."""
    return any(r_start < end and start < r_end for r_start, r_end in ranges)
