"""Event codes as OpenTrack (athlib), Power of 10 and Hy-Tek write them, read into one answer;
codes that are unknown or contradict themselves are refused naming the code and what was
expected."""

from __future__ import annotations

from decimal import Decimal

import pytest

from athsys.errors import ValidationError
from athsys.sport.disciplines import EventKind
from athsys.sport.event_codes import EventCode, parse_event_code

pytestmark = pytest.mark.unit

TRACK, FIELD, ROAD, COMBINED = EventKind.TRACK, EventKind.FIELD, EventKind.ROAD, EventKind.COMBINED


@pytest.mark.parametrize(("text", "code", "kind", "distance"), [
    ("100", "100m", TRACK, 100),  # athlib / Power of 10
    ("100m", "100m", TRACK, 100),  # Hy-Tek
    ("1500", "1500m", TRACK, 1500),
    ("110H", "110mH", TRACK, 110),
    ("60mH", "60mH", TRACK, 60),
    ("400H", "400mH", TRACK, 400),
    ("80mH", "80mH", TRACK, 80),  # derived: WMA M70+, W40+
    ("3000SC", "3000mSC", TRACK, 3000),
    ("2000mSC", "2000mSC", TRACK, 2000),
    ("4x100", "4x100m", TRACK, 400),
    ("4x400", "4x400m", TRACK, 1600),
    ("HJ", "HJ", FIELD, None),
    ("pv", "PV", FIELD, None),
    ("LJ", "LJ", FIELD, None),
    ("TJ", "TJ", FIELD, None),
    ("SP", "SP", FIELD, None),
    ("DT", "DT", FIELD, None),
    ("HT", "HT", FIELD, None),
    ("JT", "JT", FIELD, None),
    ("5K", "5K", ROAD, 5_000),
    ("10K", "10K", ROAD, 10_000),
    ("10 km", "10K", ROAD, 10_000),
    ("HM", "HM", ROAD, 21_097),
    ("MAR", "MAR", ROAD, 42_195),
    ("Mar", "MAR", ROAD, 42_195),  # Power of 10
    ("10MI", "10MI", ROAD, 16_093),
    ("Mile", "MILE", TRACK, 1_609),  # Power of 10: the track mile
    ("DEC", "DEC", COMBINED, None),
    ("HEP", "HEP", COMBINED, None),
    ("PEN", "PEN", COMBINED, None),
])
def test_codes_name_the_discipline_kind_and_distance(text: str, code: str, kind: EventKind,
                                                      distance: int | None) -> None:
    parsed = parse_event_code(text)
    assert (parsed.code, parsed.kind, parsed.distance_m) == (code, kind, distance)
    if parsed.discipline is not None:  # a catalogue code agrees with the catalogue
        assert parsed.discipline.kind is kind


@pytest.mark.parametrize("text", ["100", "110H", "3000SC", "4x400", "HJ", "SP", "10K", "HM",
                                  "MAR", "DEC", "HEP", "PEN"])
def test_the_standard_codes_are_in_the_catalogue(text: str) -> None:
    assert parse_event_code(text).discipline is not None


@pytest.mark.parametrize(("text", "kg"), [
    ("SP7.26", "7.26"), ("SP7.26K", "7.26"), ("SP 4kg", "4"), ("sp 4 KG", "4"),
    ("SP6", "6"), ("JT800", "0.8"), ("JT 600g", "0.6"), ("DT1.75", "1.75"), ("DT 1,5 kg", "1.5"),
    ("HT6kg", "6"), ("WT15.88", "15.88"),
])
def test_throws_carry_the_implement_weight_in_kilograms(text: str, kg: str) -> None:
    parsed = parse_event_code(text)
    assert parsed.kind is FIELD and parsed.implement_kg == Decimal(kg)
    assert str(parsed.implement_kg) == kg  # written as people write it, no exponent


@pytest.mark.parametrize(("text", "code", "cm"), [
    ("110mH(99.1)", "110mH", "99.1"), ("110mH (99.1)", "110mH", "99.1"),
    ("110H 0.991", "110mH", "99.1"), ("100mH(83.8cm)", "100mH", "83.8"),
    ("400H91.4", "400mH", "91.4"), ("3000SC(76.2)", "3000mSC", "76.2"),
])
def test_hurdle_heights_in_centimetres(text: str, code: str, cm: str) -> None:
    parsed = parse_event_code(text)
    assert (parsed.code, parsed.hurdle_cm) == (code, Decimal(cm))


def test_relays_legs_and_mixed() -> None:
    mixed = parse_event_code("4x400mix")
    assert (mixed.code, mixed.legs, mixed.leg_m, mixed.distance_m, mixed.mixed) == (
        "4x400mMix", 4, 400, 1600, True)
    assert mixed.discipline is not None and mixed.discipline.mixed  # the catalogue's
    assert parse_event_code("4x100m").mixed is False


def test_cross_country_and_timed_events() -> None:
    assert parse_event_code("XC") == EventCode("XC", "XC", ROAD, cross_country=True)
    xc = parse_event_code("XC8K")
    assert (xc.distance_m, xc.cross_country) == (8_000, True)
    hour = parse_event_code("1HR")
    assert (hour.code, hour.kind, hour.distance_m, hour.duration_s) == ("1HR", TRACK, None, 3600)


def test_hurdle_races_and_steeplechases_have_barriers() -> None:
    assert [parse_event_code(t).hurdles for t in ("110mH(99.1)", "3000SC(91.4)", "SP6", "400")] == [
        True, True, False, False]


@pytest.mark.parametrize(("text", "expected"), [
    ("", "expected a discipline code"),
    ("XYZ", "expected a discipline code"),
    ("JT7.26", "JT implement of 0.4 to 0.8 kg, not 7.26 kg"),  # a shot's weight on a javelin
    ("SP800g", "SP implement of 2 to 7.26 kg, not 0.8 kg"),
    ("HJ2kg", "a jump has no implement"),
    ("10M", "miles (10MI)"),  # 10 metres is no race; Power of 10's 10 miles is 10MI here
    ("100000", "track race of 50 to 10000 m"),
    ("120H", "hurdles over 50, 55, 60, 80, 100, 110, 200, 300, 400 m"),
    ("2500SC", "steeplechase over 1500, 2000, 3000 m"),
    ("110mH(200)", "hurdle height of 50 to 110 cm"),
    ("4x5000", "legs of 50 to 1600 m"),
    ("0HR", "1 to 48 hours"),
])
def test_bad_codes_are_refused_naming_the_code_and_what_was_expected(text: str,
                                                                     expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_event_code(text)
    assert repr(text) in caught.value.message and expected in caught.value.message
    assert caught.value.details["event_code"].startswith(repr(text))
