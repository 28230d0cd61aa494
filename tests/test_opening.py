"""Weekly open ranges and time zones (``resource_base.opening``): what both engines filter on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from resource_base import opening, urgency


@pytest.mark.parametrize(
    ("expression", "ranges"),
    [
        ("Mo 09:00-12:00", ((540, 720),)),
        (
            "Mo-Fr 09:00-12:00,14:00-17:00",
            tuple(
                (d * 1440 + a, d * 1440 + b) for d in range(5) for a, b in ((540, 720), (840, 1020))
            ),
        ),
        ("24/7", ((0, 10080),)),
        # Overnight: Saturday 22:00 to Sunday 02:00.
        ("Sa 22:00-02:00", ((5 * 1440 + 1320, 6 * 1440 + 120),)),
        # Sunday evening to midnight ends the week.
        ("Su 20:00-24:00", ((6 * 1440 + 1200, 10080),)),
        ("Mo 09:00-12:00 unknown", ()),  # "unknown" is not open
        ("off", ()),
        ("les mardis matin", ()),  # not the OpenStreetMap syntax
        ("", ()),
        (None, ()),
    ],
)
def test_weekly_intervals(expression, ranges):
    assert opening.weekly_intervals(expression) == ranges


def test_adjacent_ranges_are_merged():
    assert opening.weekly_intervals("Mo 09:00-12:00,12:00-14:00") == ((540, 840),)


@pytest.mark.parametrize(
    ("departement", "zone"),
    [
        ("51", "Europe/Paris"),
        ("2A", "Europe/Paris"),
        ("971", "America/Guadeloupe"),
        ("972", "America/Martinique"),
        ("973", "America/Cayenne"),
        ("974", "Indian/Reunion"),
        ("975", "America/Miquelon"),
        ("976", "Indian/Mayotte"),
        (None, "Europe/Paris"),
    ],
)
def test_time_zone_of_a_department(departement, zone):
    assert opening.time_zone(departement) == zone


def test_minute_of_the_week_in_every_zone():
    # Tuesday 3 March 2026, 08:30 UTC.
    moments = opening.moments(datetime(2026, 3, 3, 8, 30, tzinfo=UTC))
    assert moments["Europe/Paris"] == 1440 + 9 * 60 + 30
    assert moments["Indian/Reunion"] == 1440 + 12 * 60 + 30
    assert moments["America/Cayenne"] == 1440 + 5 * 60 + 30
    assert moments["America/Miquelon"] == 1440 + 5 * 60 + 30  # UTC-3 in winter
    assert opening.window("maintenant", 2010) == (2010, 2011)
    assert opening.window("aujourdhui", 2010) == (1440, 2880)
    assert opening.is_open(((540, 720),), 600, 601) and not opening.is_open(((540, 720),), 720, 721)


def test_emergency_numbers():
    assert urgency.emergency_number("115") == "115"
    assert urgency.emergency_number("39 19") == "3919"
    assert urgency.emergency_number("+33326000000") is None
    assert urgency.numbers_for(["famille--surmonter-conflits-separation-violence"]) == (
        "119",
        "3919",
    )
    assert urgency.numbers_for(["logement-hebergement"]) == ()  # the category is not urgent
