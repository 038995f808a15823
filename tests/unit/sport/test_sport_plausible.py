"""Marks that cannot be right are refused, naming the discipline, the mark as read and the
notation; marks from real results pass (World Athletics results of the Paris 2024 Olympic
finals and of club meets' slowest finishers)."""

from __future__ import annotations

import pytest

from athsys.errors import ValidationError
from athsys.sport.disciplines import discipline
from athsys.sport.marks import Measure, parse_mark
from athsys.sport.plausible import NO_RECORD, WORLD_RECORDS, bounds, check_plausible
from athsys.sport.sex import Sex

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("code", "sex", "written"), [
    ("100m", Sex.MALE, "9.79"),  # Lyles, Paris 2024 final
    ("100m", Sex.FEMALE, "10.72"),  # Alfred, Paris 2024 final
    ("800m", Sex.MALE, "1:41.19"),  # Wanyonyi, Paris 2024
    ("800m", Sex.FEMALE, "4:58.30"),  # a W80 masters 800 m
    ("100m", Sex.MALE, "42.22"),  # Miyazaki, 105 years old, Kyoto 2015
    ("HJ", Sex.FEMALE, "2.00"),  # Mahuchikh, Paris 2024
    ("HJ", Sex.FEMALE, "0.80"),  # an U10 girl
    ("PV", Sex.MALE, "6.25"),  # Duplantis, Paris 2024
    ("LJ", Sex.FEMALE, "7.10"),  # Davis-Woodhall, Paris 2024
    ("SP", Sex.MALE, "22.90"),  # Crouser, Paris 2024
    ("SP", Sex.MALE, "24.45"),  # an U18 with the 5 kg shot: beyond the senior record
    ("MAR", Sex.MALE, "2:06:26"),  # Tola, Paris 2024
    ("MAR", Sex.FEMALE, "7:45:00"),  # a walker at a city marathon
    ("DEC", Sex.MALE, "8796"),  # Rooth, Paris 2024
])
def test_real_marks_pass(code: str, sex: Sex, written: str) -> None:
    found = discipline(code)
    check_plausible(parse_mark(written, found.measure), found, sex)


@pytest.mark.parametrize(("code", "sex", "written", "why"), [
    ("800m", Sex.MALE, "2.33", "faster than the world record (1:40.91)"),  # 2:33 typed as 2.33
    ("100m", Sex.FEMALE, "10.10", "faster than the world record (10.49)"),
    ("10000m", Sex.MALE, "27.50", "faster than the world record (26:11.00)"),
    ("100m", Sex.MALE, "1:05.00", "slower than any 100 m run (47.90)"),
    ("SP", Sex.FEMALE, "1842", "beyond the world record (22.63 m)"),  # 18.42 without its point
    ("LJ", Sex.MALE, "0.81", "shorter than any Long jump (1.00 m)"),
    ("HJ", Sex.MALE, "3.10", "beyond the world record (2.45 m)"),
    ("DEC", Sex.MALE, "12000", "more than the world record (9126 points)"),
])
def test_impossible_marks_name_the_discipline_the_mark_and_the_notation(
        code: str, sex: Sex, written: str, why: str) -> None:
    found = discipline(code)
    with pytest.raises(ValidationError) as refused:
        check_plausible(parse_mark(written, found.measure), found, sex)
    message = refused.value.message
    assert why in message and found.name in message
    assert "write it as the results do, like" in message
    assert refused.value.details["discipline"] == code


def test_an_unknown_sex_gets_the_wider_bounds() -> None:
    women = bounds("100m", discipline("100m").kind, Measure.TIME, Sex.FEMALE)
    anyone = bounds("100m", discipline("100m").kind, Measure.TIME, None)
    assert anyone is not None and women is not None and anyone.low < women.low
    check_plausible(10_000, discipline("100m"), None)  # a man's 10.00 in an open event


def test_every_catalogue_discipline_has_bounds_and_a_record_inside_them() -> None:
    from athsys.sport.disciplines import DISCIPLINES

    assert set(DISCIPLINES) - NO_RECORD == set(WORLD_RECORDS)
    for code, found in DISCIPLINES.items():
        if code in NO_RECORD:
            continue
        for sex, record in zip((Sex.MALE, Sex.FEMALE), WORLD_RECORDS[code], strict=True):
            check_plausible(record, found, sex)


def test_no_mark_is_nothing_to_check() -> None:
    check_plausible(None, discipline("100m"), Sex.MALE)
