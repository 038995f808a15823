"""The sport's mark notation: parsing what officials write, formatting what is published.

A mark is an ``int`` from the moment it is parsed: times in milliseconds, distances and
heights in millimetres, points as they are. Parsing uses ``str`` and ``int`` only, so no
binary fraction ever creeps into a comparison (``math.ceil(10.21 * 100) == 1022``).

Published precision (World Athletics Technical Rules):

* fully automatic track times are read to 1/1000 s and published rounded **up** to the
  next 1/100 s (9.991 -> 10.00);
* hand times (``hand=True``) are published rounded **up** to the next 1/10 s (TR 19.24:
  10.11 -> 10.2, 10.10 -> 10.1); where they are shown among people's marks they carry an
  ``h`` (``"10.2h"``, :func:`format_result_time`), so a reader never takes one for an
  automatic time; exports keep the number alone and say ``hand_timed`` in a column;
* road times are published rounded up to the next whole second (2:09:44.3 -> 2:09:45);
* field distances and heights are recorded to the whole centimetre below the measured
  distance (8.417 -> 8.41).
"""

from __future__ import annotations

import enum
import re
from typing import NoReturn

from athsys.errors import ValidationError

_MS_PER_HUNDREDTH = 10
_MS_PER_TENTH = 100
#: The letter published after a hand time ("10.4h").
HAND_MARK = "h"
_MS_PER_SECOND = 1000
_MM_PER_CENTIMETRE = 10

_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"(?P<whole>[0-9]+)(?:\.(?P<fraction>[0-9]+))?", re.ASCII)
_WIND = re.compile(r"(?P<sign>[+-]?)(?P<whole>[0-9]+)(?:\.(?P<tenth>[0-9]))?", re.ASCII)


class Measure(enum.Enum):
    """What a mark measures, and so its unit and which way is better."""

    TIME = "time"  # milliseconds, lower is better
    DISTANCE = "distance"  # millimetres, higher is better
    HEIGHT = "height"  # millimetres, higher is better
    POINTS = "points"  # combined-events points, higher is better

    @property
    def higher_is_better(self) -> bool:
        return self is not Measure.TIME


def round_up_to_hundredth(ms: int) -> int:
    """A time in ms rounded up to the next 1/100 s, still in ms (9991 -> 10000)."""
    return -(-ms // _MS_PER_HUNDREDTH) * _MS_PER_HUNDREDTH


def round_up_to_tenth(ms: int) -> int:
    """A hand time in ms rounded up to the next 1/10 s, still in ms (10110 -> 10200)."""
    return -(-ms // _MS_PER_TENTH) * _MS_PER_TENTH


def round_up_to_second(ms: int) -> int:
    """A time in ms rounded up to the next whole second, still in ms (7784300 -> 7785000)."""
    return -(-ms // _MS_PER_SECOND) * _MS_PER_SECOND


def round_down_to_centimetre(mm: int) -> int:
    """A field measurement in mm cut to the whole centimetre below (8417 -> 8410)."""
    return mm // _MM_PER_CENTIMETRE * _MM_PER_CENTIMETRE


def official_mark(
    value: int, measure: Measure, *, road: bool = False, hand: bool = False
) -> int:
    """The mark at published precision, in the same unit as ``value``.

    Two marks that publish the same are equal for places and records: a 9.572 run
    equals a 9.58 record. A hand time (``hand=True``) is published to the 1/10 s, rounded
    up; on the road every time is published to the second, hand or not. ``hand`` is
    ignored for marks that are not times (a distance is never hand timed).
    """
    _check_value(value, measure, road)
    if measure is Measure.TIME:
        if road:
            return round_up_to_second(value)
        return round_up_to_tenth(value) if hand else round_up_to_hundredth(value)
    if measure is Measure.POINTS:
        return value
    return round_down_to_centimetre(value)


def parse_mark(text: str, measure: Measure, *, field: str = "mark") -> int:
    """Parse a mark as officials write it; ``field`` names the input in error messages.

    Times: ``"10.43"``, ``"9.991"``, ``"1:45.12"``, ``"29:13"``, ``"2:09:45"``,
    ``"2:09:44.3"``, ``"1:02:03.45"`` (up to three decimals) -> milliseconds.
    Distances and heights: metres, ``"8.41"``, ``"71.90"``, ``"8.417"`` -> millimetres.
    Points: ``"9126"``.
    """
    stripped = text.strip()
    if not stripped:
        _reject(f"{field}: a {measure.value} mark is required", field, text, measure)
    if stripped.startswith("-"):
        _reject(f"{field}: a mark cannot be negative ({text!r})", field, text, measure)
    if measure is Measure.TIME:
        return _parse_time(stripped, field, text)
    if measure is Measure.POINTS:
        if not _DIGITS.fullmatch(stripped):
            _reject(
                f"{field}: points are a whole number such as 9126, not {text!r}",
                field,
                text,
                measure,
            )
        return int(stripped)
    if ":" in stripped:
        _reject(
            f"{field}: a {measure.value} is written in metres such as 8.41,"
            f" not as a time ({text!r})",
            field,
            text,
            measure,
        )
    return _parse_decimal(stripped, field, text, measure, scale=3)


def format_mark(
    value: int, measure: Measure, *, road: bool = False, hand: bool = False
) -> str:
    """The mark as published.

    Track times: ``"10.43"`` under a minute, ``"1:45.12"`` under an hour, then
    ``"1:02:03.46"``, always rounded up to 1/100. Hand times (``hand=True``): rounded up to
    1/10 and written with one decimal, ``"10.2"``, ``"1:45.2"`` (the number alone: see
    :func:`format_result_time` for the ``h`` people read). Road times (``road=True``):
    rounded up to the second, ``"29:13"`` or ``"2:09:45"``. Distances and heights: metres
    with two decimals, cut to the centimetre (``"8.41"``). Points: ``"9126"``.
    """
    published = official_mark(value, measure, road=road, hand=hand)
    if measure is Measure.TIME:
        if road:
            return _format_road_time(published)
        return _format_hand_time(published) if hand else _format_track_time(published)
    if measure is Measure.POINTS:
        return str(published)
    centimetres = published // _MM_PER_CENTIMETRE
    return f"{centimetres // 100}.{centimetres % 100:02d}"


def format_result_time(
    value: int, measure: Measure, *, road: bool = False, hand: bool = False
) -> str:
    """A result's mark as people read it in results and lists: :func:`format_mark`, and a
    hand time on the track followed by ``h`` (``"10.2h"``; on the road every time is to
    the second and no letter is added)."""
    text = format_mark(value, measure, road=road, hand=hand)
    return text + HAND_MARK if is_hand_time(measure, road=road, hand=hand) else text


def is_hand_time(measure: Measure, *, road: bool = False, hand: bool = False) -> bool:
    """Whether a mark is published as a hand time: a track time flagged as hand timed."""
    return hand and measure is Measure.TIME and not road


def format_gap(
    mark: int, leader: int, measure: Measure, *, road: bool = False, hand: bool = False
) -> str:
    """How far behind the leader, as results print it: the difference of the two published
    marks, ``"+0.02"`` or ``"+1:01.10"`` (times, ``"+0:05"`` on the road), ``"-0.19"``
    (metres), ``"-35"`` (points); ``""`` for the leader and those tied with them.

    ``hand=True`` (the mark is a hand time): both marks are taken to the 1/10 s, the
    precision the line is published at, and the gap is written to the tenth (``"+0.3"``)."""
    hand = is_hand_time(measure, road=road, hand=hand)
    behind = abs(official_mark(mark, measure, road=road, hand=hand)
                 - official_mark(leader, measure, road=road, hand=hand))
    if behind == 0:
        return ""
    return ("+" if measure is Measure.TIME else "-") + format_mark(behind, measure, road=road,
                                                                   hand=hand)


def parse_wind(text: str, *, field: str = "wind") -> int:
    """A wind reading in m/s with at most one decimal -> tenths of m/s (``"+1.2"`` -> 12)."""
    stripped = text.strip()
    match = _WIND.fullmatch(stripped)
    if match is None:
        raise ValidationError(
            f"{field}: a wind reading is written like +1.2 or -0.5 (m/s, one decimal),"
            f" not {text!r}",
            details={"field": field, "value": text},
        )
    tenths = int(match["whole"]) * 10 + int(match["tenth"] or "0")
    return -tenths if match["sign"] == "-" else tenths


def format_wind(tenths: int) -> str:
    """Tenths of m/s as published: 12 -> "+1.2", -5 -> "-0.5", 0 -> "+0.0"."""
    sign = "-" if tenths < 0 else "+"
    size = abs(tenths)
    return f"{sign}{size // 10}.{size % 10}"


def _parse_time(stripped: str, field: str, text: str) -> int:
    parts = stripped.split(":")
    if len(parts) > 3:
        _reject(
            f"{field}: a time has at most hours, minutes and seconds, not {text!r}",
            field,
            text,
            Measure.TIME,
        )
    seconds_ms = _parse_decimal(parts[-1], field, text, Measure.TIME, scale=3)
    leading = parts[:-1]
    if leading:
        whole_seconds = parts[-1].split(".")[0]
        if len(whole_seconds) != 2 or seconds_ms >= 60 * _MS_PER_SECOND:
            _reject(
                f"{field}: seconds after a colon are two digits from 00 to 59, not {text!r}",
                field,
                text,
                Measure.TIME,
            )
    total_ms = seconds_ms
    for position, part in enumerate(reversed(leading)):
        if not _DIGITS.fullmatch(part):
            _reject(f"{field}: {text!r} is not a time", field, text, Measure.TIME)
        is_minutes_under_hours = position == 0 and len(leading) == 2
        if is_minutes_under_hours and (len(part) != 2 or int(part) >= 60):
            _reject(
                f"{field}: minutes after hours are two digits from 00 to 59, not {text!r}",
                field,
                text,
                Measure.TIME,
            )
        total_ms += int(part) * 60**(position + 1) * _MS_PER_SECOND
    return total_ms


def _parse_decimal(part: str, field: str, text: str, measure: Measure, *, scale: int) -> int:
    """``part`` in whole units with up to ``scale`` decimals -> an int in 1/10**scale units."""
    match = _DECIMAL.fullmatch(part)
    if match is None:
        _reject(f"{field}: {text!r} is not a {measure.value} mark", field, text, measure)
    fraction = match["fraction"] or ""
    if len(fraction) > scale and measure is Measure.TIME:
        # a reading finer than the millisecond (a timer's 10.4321) is rounded up to the
        # millisecond, never refused: a time is never made faster than it was read
        finer = fraction[scale:].strip("0")
        fraction = fraction[:scale]
        return int(match["whole"]) * 10**scale + int(fraction) + (1 if finer else 0)
    if len(fraction) > scale:
        _reject(
            f"{field}: too many decimals in {text!r} (at most {scale})",
            field,
            text,
            measure,
        )
    return int(match["whole"]) * 10**scale + int(fraction.ljust(scale, "0"))


def _format_track_time(ms: int) -> str:
    hundredths = ms // _MS_PER_HUNDREDTH
    seconds, fraction = divmod(hundredths, 100)
    if seconds < 60:
        return f"{seconds}.{fraction:02d}"
    return f"{_format_clock(seconds)}.{fraction:02d}"


def _format_hand_time(ms: int) -> str:
    tenths = ms // _MS_PER_TENTH
    seconds, fraction = divmod(tenths, 10)
    if seconds < 60:
        return f"{seconds}.{fraction}"
    return f"{_format_clock(seconds)}.{fraction}"


def _format_road_time(ms: int) -> str:
    return _format_clock(ms // _MS_PER_SECOND)


def _format_clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


def _check_value(value: int, measure: Measure, road: bool) -> None:
    if value < 0:
        raise ValidationError(
            f"a {measure.value} mark cannot be negative ({value})",
            details={"value": value, "measure": measure.value},
        )
    if road and measure is not Measure.TIME:
        raise ValidationError(
            f"road rounding applies to times, not to a {measure.value}",
            details={"measure": measure.value},
        )


def _reject(message: str, field: str, text: str, measure: Measure) -> NoReturn:
    raise ValidationError(
        message, details={"field": field, "value": text, "measure": measure.value}
    )
