"""Age grading with the WMA 2023 track & field factors and the Alan Jones road factors.

Road tables come in editions: 2020 and 2025 ship, and every call may choose one
(``edition``), defaulting to the newest; the answer's ``table`` names the one used. Track and
field events use WMA 2023 in every edition.

A factor scales an open-class standard (OC) to an athlete's sex and age in whole years:

- running and walking events (track, road): age standard = OC / factor and
  age grade = OC / (factor * time);
- field events (WMA 2023, where the factors are mostly >= 1): age standard = OC / factor
  and age grade = mark * factor / OC.

Either way the age grade is the performance divided by the age standard. The age-graded
mark (time * factor, mark * factor) is the open-class performance worth the same grade.

Event keys: the WMA 2023 columns with ``m`` after the plain distances (``"100m"``,
``"1500m"``, ``"MILE"``, ``"60H"``, ``"SH"`` short hurdles, ``"LH"`` long hurdles, ``"SC"``
steeplechase, ``"HJ"``, ``"PV"``, ``"LJ"``, ``"TJ"``, ``"SP"``, ``"DT"``, ``"HT"``, ``"JT"``,
``"WT"`` weight throw, ``"3KW"``... walks, ``"HM"``, ``"MAR"``), valid for ages 30-110; and the
road distances ``"ROAD_1MI"``, ``"ROAD_5K"``... ``"ROAD_MAR"``, ``"ROAD_200K"`` of the Alan Jones
tables (2025 adds ``"ROAD_7MI"``), valid for ages 5-100. :func:`age_grade_events` lists them.

Rounding, always against the athlete as the sport does with times and distances:
times (age standard, age-graded time) are rounded up to the millisecond, distances down to
the millimetre, and the percentage is cut (not rounded) to two decimals.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal, localcontext
from functools import cache
from importlib.resources import files
from typing import Literal, cast

from athsys.errors import ValidationError

Sex = Literal["M", "F"]
Measure = Literal["time", "distance"]

_WMA_FACTORS = "wma2023_track_field_factors_{sex}.csv"
_WMA_STANDARDS = "wma2023_open_class_standards.csv"
_ROAD_FACTORS = "road_agegrade_AlanJones_{edition}_{sex}.csv"
#: The road tables shipped, oldest first; the last is the default.
ROAD_EDITIONS = ("2020", "2025")
DEFAULT_EDITION = ROAD_EDITIONS[-1]
_WMA_STANDARD_COLUMN = {"M": "men", "F": "women"}
_ROAD_EVENTS = {
    "1 Mile": "ROAD_1MI",
    "5 km": "ROAD_5K",
    "6 km": "ROAD_6K",
    "4 Mile": "ROAD_4MI",
    "8 km": "ROAD_8K",
    "5 Mile": "ROAD_5MI",
    "10 km": "ROAD_10K",
    "7 Mile": "ROAD_7MI",
    "12 km": "ROAD_12K",
    "15 km": "ROAD_15K",
    "10 Mile": "ROAD_10MI",
    "20 km": "ROAD_20K",
    "H. Mar": "ROAD_HM",
    "25 km": "ROAD_25K",
    "30 km": "ROAD_30K",
    "Marathon": "ROAD_MAR",
    "50 km": "ROAD_50K",
    "50 Mile": "ROAD_50MI",
    "100 km": "ROAD_100K",
    "150 km": "ROAD_150K",
    "100 Mile": "ROAD_100MI",
    "200 km": "ROAD_200K",
}
_HUNDREDTHS = Decimal("0.01")
_PRECISION = 40


@dataclass(frozen=True)
class _EventTable:
    """Factors of one event for one sex, by age, and its open-class standard."""

    table: str
    measure: Measure
    open_standard: int
    factors: dict[int, Decimal]


@dataclass(frozen=True)
class AgeGrade:
    """A performance graded for the athlete's age.

    Marks are integers in ms (times) or mm (distances); ``percentage`` is the age grade
    in per cent with two decimals (``Decimal("87.65")``).
    """

    table: str
    event: str
    sex: Sex
    age: int
    mark: int
    factor: Decimal
    open_standard: int
    age_standard: int
    age_graded_mark: int
    percentage: Decimal


def _lines(name: str) -> list[str]:
    return (files(__package__) / "data" / name).read_text("utf-8").splitlines()


def _rows(name: str) -> Iterator[list[str]]:
    return csv.reader(_lines(name))


def _thousandths(value: str) -> int:
    """Seconds or metres as printed in a table -> ms or mm."""
    return int(Decimal(value) * 1000)


def _wma_tables(sex: Sex) -> dict[str, _EventTable]:
    standards = {
        row["event"]: _thousandths(row[_WMA_STANDARD_COLUMN[sex]])
        for row in csv.DictReader(_lines(_WMA_STANDARDS))
    }
    rows = _rows(_WMA_FACTORS.format(sex=sex))
    columns = next(rows)[1:]
    measures = next(rows)[1:]
    factors: list[dict[int, Decimal]] = [{} for _ in columns]
    for age, *cells in rows:
        for by_age, cell in zip(factors, cells, strict=True):
            by_age[int(age)] = Decimal(cell)
    return {
        column + "m" if column.isdigit() else column: _EventTable(
            table="WMA 2023",
            measure="time" if measure.startswith("T") else "distance",
            open_standard=standards[column],
            factors=by_age,
        )
        for column, measure, by_age in zip(columns, measures, factors, strict=True)
    }


def _road_tables(sex: Sex, edition: str) -> dict[str, _EventTable]:
    rows = _rows(_ROAD_FACTORS.format(edition=edition, sex=sex))
    columns = next(rows)[1:]
    factors: list[dict[int, Decimal]] = [{} for _ in columns]
    standards: list[int] = []
    for label, *cells in rows:
        if label == "OC_sec":
            standards = [_thousandths(cell) for cell in cells]
        elif label.isdigit():
            for by_age, cell in zip(factors, cells, strict=True):
                by_age[int(label)] = Decimal(cell)
    return {
        _ROAD_EVENTS[column]: _EventTable(
            table=f"Alan Jones {edition} road",
            measure="time",
            open_standard=standard,
            factors=by_age,
        )
        for column, standard, by_age in zip(columns, standards, factors, strict=True)
    }


@cache
def _tables(edition: str) -> dict[Sex, dict[str, _EventTable]]:
    if edition not in ROAD_EDITIONS:
        raise ValidationError(
            f"no age-grading edition {edition!r}; choose one of {', '.join(ROAD_EDITIONS)}",
            details={"edition": edition, "known": list(ROAD_EDITIONS)})
    sexes: tuple[Sex, ...] = ("M", "F")
    return {sex: {**_wma_tables(sex), **_road_tables(sex, edition)} for sex in sexes}


def age_grade_events(edition: str = DEFAULT_EDITION) -> dict[str, Measure]:
    """Every event key that can be age graded, with what its marks measure."""
    return {event: table.measure for event, table in _tables(edition)["M"].items()}


def _checked_sex(sex: str) -> Sex:
    if sex not in ("M", "F"):
        raise ValidationError(
            f"sex must be 'M' or 'F' for age grading, got {sex!r}", details={"sex": sex}
        )
    return cast(Sex, sex)


def _event_table(sex: Sex, event: str, edition: str) -> _EventTable:
    try:
        return _tables(edition)[sex][event]
    except KeyError:
        raise ValidationError(
            f"no age-grading factors for event {event!r} in the {edition} tables",
            details={"event": event, "known": sorted(age_grade_events(edition))},
        ) from None


def _factor(table: _EventTable, event: str, age: int) -> Decimal:
    if isinstance(age, bool) or not isinstance(age, int) or age not in table.factors:
        ages = sorted(table.factors)
        raise ValidationError(
            f"age {age!r} is outside the {table.table} table for {event} "
            f"({ages[0]}-{ages[-1]} years)",
            details={"age": age, "event": event, "min_age": ages[0], "max_age": ages[-1]},
        )
    return table.factors[age]


def age_factor(sex: str, age: int, event: str, edition: str = DEFAULT_EDITION) -> Decimal:
    """The age factor for ``sex`` ('M'/'F') at ``age`` whole years in ``event``."""
    table = _event_table(_checked_sex(sex), event, edition)
    return _factor(table, event, age)


def _graded(
    table: _EventTable, event: str, sex: Sex, age: int, mark: int, factor: Decimal
) -> AgeGrade:
    open_standard = Decimal(table.open_standard)
    if table.measure == "time":
        age_standard = (open_standard / factor).to_integral_value(rounding=ROUND_CEILING)
        age_graded_mark = (mark * factor).to_integral_value(rounding=ROUND_CEILING)
        grade = open_standard * 100 / (factor * mark)
    else:
        age_standard = (open_standard / factor).to_integral_value(rounding=ROUND_FLOOR)
        age_graded_mark = (mark * factor).to_integral_value(rounding=ROUND_FLOOR)
        grade = mark * factor * 100 / open_standard
    return AgeGrade(
        table=table.table,
        event=event,
        sex=sex,
        age=age,
        mark=mark,
        factor=factor,
        open_standard=table.open_standard,
        age_standard=int(age_standard),
        age_graded_mark=int(age_graded_mark),
        percentage=grade.quantize(_HUNDREDTHS, rounding=ROUND_DOWN),
    )


def age_grade(sex: str, age: int, event: str, mark: int,
              edition: str = DEFAULT_EDITION) -> AgeGrade:
    """Grade ``mark`` (ms for times, mm for distances) for ``sex`` and ``age`` in ``event``,
    with the road tables of ``edition``."""
    checked_sex = _checked_sex(sex)
    table = _event_table(checked_sex, event, edition)
    factor = age_factor(sex, age, event, edition)
    if isinstance(mark, bool) or not isinstance(mark, int) or mark <= 0:
        raise ValidationError(
            f"the mark for {event} must be a positive integer (ms or mm), got {mark!r}",
            details={"event": event, "mark": repr(mark)},
        )
    with localcontext(prec=_PRECISION):
        return _graded(table, event, checked_sex, age, mark, factor)
