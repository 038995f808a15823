"""Combined events scored with the World Athletics (IAAF 2001) tables.

Each event gives ``floor(A * (B - T) ** C)`` points on the track (T in seconds),
``floor(A * (M - B) ** C)`` in the jumps (M in centimetres) and ``floor(A * (D - B) ** C)``
in the throws (D in metres); the competition total is the sum of the floored event points.
A mark at or beyond the threshold ``B`` and an event without a mark (NM, DNF, DNS) score 0.

Marks come in as integers: times in milliseconds, distances and heights in millimetres.
Before scoring they are brought to the precision the tables are read at:

- fully automatic times are rounded *up* to the next 1/100 s (10.551 -> 10.56);
- hand times are rounded up to the next 1/10 s, then 0.24 s is added for races up to
  200 m including the sprint hurdles and 0.14 s for 400 m (the IAAF tables' manual-timing
  convention, see ``hand_timing`` in the coefficients file); 800 m and longer add nothing;
- distances and heights are measured to the centimetre below (7.809 m -> 7.80 m).

The formula is evaluated in :class:`decimal.Decimal` with 50 significant digits, so the
floor is taken of a value far more precise than the one-point steps it decides.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, localcontext
from functools import cache
from importlib.resources import files
from typing import Literal

from athsys.errors import ValidationError
from athsys.sport.sex import Sex

EventKind = Literal["track", "jump", "throw"]

_COEFFICIENTS_FILE = "combined_events_coefficients.json"
_PRECISION = 50
# Milliseconds added to a hand time (already rounded up to 1/10 s) before it is scored.
_HAND_TIMING_ADDITION_MS = {
    "60m": 240,
    "60mH": 240,
    "100m": 240,
    "100mH": 240,
    "110mH": 240,
    "200m": 240,
    "400m": 140,
}


@dataclass(frozen=True)
class CombinedEvent:
    """One event of a combined competition and its scoring-table coefficients."""

    key: str
    kind: EventKind
    a: Decimal
    b: Decimal
    c: Decimal


@dataclass(frozen=True)
class Competition:
    """A combined competition: its events in the order they are held."""

    key: str
    sex: Literal["men", "women"]
    events: tuple[CombinedEvent, ...]
    first_day_events: int

    def event(self, key: str) -> CombinedEvent:
        for event in self.events:
            if event.key == key:
                return event
        raise ValidationError(
            f"{key!r} is not an event of the {self.key}",
            details={"event": key, "competition": self.key, "events": self.event_keys},
        )

    @property
    def event_keys(self) -> list[str]:
        return [event.key for event in self.events]


@dataclass(frozen=True)
class EventScore:
    """Points for one event and the competition total after it."""

    event: str
    mark: int | None
    points: int
    running_total: int


@dataclass(frozen=True)
class CombinedScore:
    competition: str
    events: tuple[EventScore, ...]

    @property
    def total(self) -> int:
        return self.events[-1].running_total


@cache
def _competitions() -> dict[str, Competition]:
    text = (files(__package__) / "data" / _COEFFICIENTS_FILE).read_text("utf-8")
    # parse_float=Decimal keeps the coefficients exactly as printed in the file.
    raw = json.loads(text, parse_float=Decimal)
    competitions = {}
    for key, spec in raw["competitions"].items():
        table = raw["coefficients"][spec["sex"]]
        events = tuple(
            CombinedEvent(
                key=event,
                kind=table[event]["kind"],
                a=Decimal(table[event]["A"]),
                b=Decimal(table[event]["B"]),
                c=Decimal(table[event]["C"]),
            )
            for event in spec["order"]
        )
        competitions[key] = Competition(
            key=key, sex=spec["sex"], events=events, first_day_events=spec["day1"]
        )
    return competitions


def competition_keys() -> list[str]:
    """Keys of the competitions the tables cover, e.g. ``"men_decathlon"``."""
    return list(_competitions())


def get_competition(key: str) -> Competition:
    """The competition called ``key``; ValidationError if the tables do not cover it."""
    try:
        return _competitions()[key]
    except KeyError:
        raise ValidationError(
            f"unknown combined competition {key!r}",
            details={"competition": key, "known": competition_keys()},
        ) from None


def _scored_value(event: CombinedEvent, mark: int, hand_timed: bool) -> Decimal:
    """The mark in the unit and precision the formula reads: s to 1/100, cm, or m to 1/100."""
    if event.kind != "track":
        if hand_timed:
            raise ValidationError(
                f"{event.key} is a field event and cannot be hand timed",
                details={"event": event.key},
            )
        centimetres = mark // 10
        return Decimal(centimetres) if event.kind == "jump" else Decimal(centimetres) / 100
    if mark == 0:
        raise ValidationError(
            f"a time of 0 for {event.key} is not a performance", details={"event": event.key}
        )
    if hand_timed:
        tenths_ms = -(-mark // 100) * 100
        return Decimal(tenths_ms + _HAND_TIMING_ADDITION_MS.get(event.key, 0)) / 1000
    return Decimal(-(-mark // 10) * 10) / 1000


def _points(event: CombinedEvent, mark: int | None, hand_timed: bool) -> int:
    if mark is None:
        return 0
    if isinstance(mark, bool) or not isinstance(mark, int) or mark < 0:
        raise ValidationError(
            f"the mark for {event.key} must be a non-negative integer (ms or mm), got {mark!r}",
            details={"event": event.key, "mark": repr(mark)},
        )
    value = _scored_value(event, mark, hand_timed)
    margin = event.b - value if event.kind == "track" else value - event.b
    if margin <= 0:
        return 0
    with localcontext(prec=_PRECISION):
        return int((event.a * margin**event.c).to_integral_value(rounding=ROUND_FLOOR))


def event_points(
    competition: str, event: str, mark: int | None, *, hand_timed: bool = False
) -> int:
    """Points for one ``event`` of ``competition``.

    ``mark`` is a time in ms or a distance/height in mm; ``None`` means no valid mark (0 points).
    """
    return _points(get_competition(competition).event(event), mark, hand_timed)


def score_competition(
    competition: str,
    marks: Mapping[str, int | None],
    *,
    hand_timed: Collection[str] = (),
) -> CombinedScore:
    """Points of every event in the order held, with the running total after each one.

    ``marks`` maps event keys (``"100m"``, ``"LJ"``...) to marks; an event left out or
    mapped to ``None`` scores 0. ``hand_timed`` names the track events timed by hand.
    A key that is not an event of the competition is a ValidationError, so a typo
    never silently scores 0.
    """
    spec = get_competition(competition)
    for key in [*marks, *hand_timed]:
        spec.event(key)
    scores = []
    total = 0
    for event in spec.events:
        mark = marks.get(event.key)
        points = event_points(spec.key, event.key, mark, hand_timed=event.key in hand_timed)
        total += points
        scores.append(EventScore(event=event.key, mark=mark, points=points, running_total=total))
    return CombinedScore(competition=spec.key, events=tuple(scores))


# -- which table a combined event of the catalogue is scored with ---------------------------
_COMBINED_KEYS: dict[tuple[str, Sex], str] = {
    ("DEC", Sex.MALE): "men_decathlon",
    ("DEC", Sex.FEMALE): "women_decathlon",
    ("HEP", Sex.FEMALE): "women_heptathlon",
    ("HEP", Sex.MALE): "men_indoor_heptathlon",
    ("PEN", Sex.FEMALE): "women_indoor_pentathlon",
}


def combined_competition_key(discipline_code: str, sex: Sex) -> str:
    """The scoring tables' key of a combined event: ``("DEC", Sex.MALE)`` -> ``"men_decathlon"``."""
    try:
        return _COMBINED_KEYS[(discipline_code, sex)]
    except KeyError:
        raise ValidationError(
            f"no World Athletics scoring table for {discipline_code} ({sex.value})",
            details={"discipline": discipline_code, "sex": sex.value},
        ) from None
