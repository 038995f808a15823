"""Moments at the venue: shown and read in the competition's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from athsys.competitions.time_zones import local_moment, parse_local_moment, zone_of
from athsys.errors import ValidationError

pytestmark = pytest.mark.unit


def test_a_moment_is_shown_at_the_venue():
    moment = datetime(2026, 6, 14, 16, 5, tzinfo=UTC)
    assert local_moment(moment, "Europe/Paris") == "2026-06-14 18:05"  # CEST
    assert local_moment(moment, "Australia/Sydney") == "2026-06-15 02:05"
    assert local_moment(None, "UTC") == ""


@pytest.mark.parametrize("text", ["2026-06-14 18:05", "2026-06-14T18:05", " 2026-06-14 18:05 ",
                                  "2026-06-14 18:05:00", "2026-06-14T18:05:00"])
def test_a_moment_written_at_the_venue_is_read_back(text):
    read = parse_local_moment(text, "Europe/Paris", field="scheduled_start")
    assert read == datetime(2026, 6, 14, 16, 5, tzinfo=UTC)
    assert local_moment(read, "Europe/Paris") == "2026-06-14 18:05"


def test_winter_time_is_an_hour_less():
    read = parse_local_moment("2026-12-04 09:30", "Europe/Paris", field="scheduled_start")
    assert read == datetime(2026, 12, 4, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-06-14 18:05:00+00:00", "14/06/2026 18:05", "18:05",
                                  "2026-13-01 10:00", ""])
def test_anything_else_is_refused_naming_the_format(text):
    with pytest.raises(ValidationError, match="YYYY-MM-DD HH:MM at the venue"):
        parse_local_moment(text, "Europe/Paris", field="scheduled_start")


def test_an_unknown_zone_reads_as_utc():
    assert str(zone_of("Not/AZone")) == "UTC"
    assert str(zone_of(None)) == "UTC"


def test_a_gun_is_shown_at_the_venue_to_the_hundredth():
    from athsys.competitions.time_zones import local_clock

    gun = datetime(2026, 6, 14, 16, 5, 3, 456_000, tzinfo=UTC)
    assert local_clock(gun, "Europe/Paris") == "18:05:03.45"
    assert local_clock(gun, "Europe/Paris", day=True) == "2026-06-14 18:05:03.45"
    assert local_clock(None, "UTC") == ""
