"""The catalogue of disciplines: what each one measures and how its races are run.

An :class:`~athsys.competitions.models.Event` names its discipline by code (``"100m"``,
``"LJ"``, ``"10K"``); everything that depends on the discipline (the unit of its marks, the
notation, the lane-draw groups, whether wind is measured) is looked up here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from athsys.errors import ValidationError
from athsys.sport.marks import Measure


class RaceKind(enum.Enum):
    STRAIGHT = "straight"  # 100 m, 100/110 m hurdles
    BEND_200 = "bend200"  # 200 m
    LANES_400 = "lanes400"  # 400 m, 400 m hurdles, 800 m when run in lanes


class EventKind(enum.Enum):
    TRACK = "track"
    FIELD = "field"
    ROAD = "road"
    COMBINED = "combined"


@dataclass(frozen=True)
class Discipline:
    code: str
    name: str
    kind: EventKind
    measure: Measure
    race_kind: RaceKind | None = None  # lane-draw groups, for races started in lanes
    wind: bool = False  # wind is measured and matters for records
    vertical: bool = False  # high jump and pole vault: heights with o/x/- attempts
    legs_m: tuple[int, ...] = ()  # a relay: each leg's distance in running order
    mixed: bool = False  # a mixed relay: half its legs run by men, half by women

    @property
    def road(self) -> bool:
        return self.kind is EventKind.ROAD

    @property
    def relay(self) -> bool:
        """Run by teams of a club, one runner per leg (:mod:`athsys.competitions.relays`)."""
        return bool(self.legs_m)


def _track(
    code: str, name: str, race_kind: RaceKind | None = None, wind: bool = False
) -> Discipline:
    return Discipline(code, name, EventKind.TRACK, Measure.TIME, race_kind, wind)


def _field(code: str, name: str, *, wind: bool = False, vertical: bool = False) -> Discipline:
    measure = Measure.HEIGHT if vertical else Measure.DISTANCE
    return Discipline(code, name, EventKind.FIELD, measure, None, wind, vertical)


def _road(code: str, name: str) -> Discipline:
    return Discipline(code, name, EventKind.ROAD, Measure.TIME)


def _relay(code: str, name: str, legs_m: tuple[int, ...], race_kind: RaceKind | None = None,
           *, kind: EventKind = EventKind.TRACK, mixed: bool = False) -> Discipline:
    return Discipline(code, name, kind, Measure.TIME, race_kind, legs_m=legs_m, mixed=mixed)


def _combined(code: str, name: str) -> Discipline:
    return Discipline(code, name, EventKind.COMBINED, Measure.POINTS)


_ALL = (
    _track("60m", "60 m", RaceKind.STRAIGHT),
    _track("100m", "100 m", RaceKind.STRAIGHT, wind=True),
    _track("200m", "200 m", RaceKind.BEND_200, wind=True),
    _track("400m", "400 m", RaceKind.LANES_400),
    _track("800m", "800 m", RaceKind.LANES_400),
    _track("1500m", "1500 m"),
    _track("3000m", "3000 m"),
    _track("5000m", "5000 m"),
    _track("10000m", "10,000 m"),
    _track("60mH", "60 m hurdles", RaceKind.STRAIGHT),
    _track("100mH", "100 m hurdles", RaceKind.STRAIGHT, wind=True),
    _track("110mH", "110 m hurdles", RaceKind.STRAIGHT, wind=True),
    _track("400mH", "400 m hurdles", RaceKind.LANES_400),
    _track("3000mSC", "3000 m steeplechase"),
    _relay("4x100m", "4 × 100 m relay", (100,) * 4, RaceKind.BEND_200),
    _relay("4x200m", "4 × 200 m relay", (200,) * 4, RaceKind.LANES_400),
    _relay("4x400m", "4 × 400 m relay", (400,) * 4, RaceKind.LANES_400),
    _relay("4x400mMix", "Mixed 4 × 400 m relay", (400,) * 4, RaceKind.LANES_400, mixed=True),
    # the Swedish medley starts in lanes (the first two legs run in lanes, as a 4 x 400)
    _relay("SMR", "Swedish medley relay", (100, 200, 300, 400), RaceKind.LANES_400),
    _relay("DMR", "Distance medley relay", (1200, 400, 800, 1600)),
    _relay("EKIDEN", "Ekiden road relay", (5000, 10000, 5000, 10000, 5000, 7195),
           kind=EventKind.ROAD),
    _relay("XCRMix", "Mixed cross-country relay", (2000,) * 4, kind=EventKind.ROAD,
           mixed=True),
    _field("HJ", "High jump", vertical=True),
    _field("PV", "Pole vault", vertical=True),
    _field("LJ", "Long jump", wind=True),
    _field("TJ", "Triple jump", wind=True),
    _field("SP", "Shot put"),
    _field("DT", "Discus throw"),
    _field("HT", "Hammer throw"),
    _field("JT", "Javelin throw"),
    _road("5K", "5 km road"),
    _road("10K", "10 km road"),
    _road("HM", "Half marathon"),
    _road("MAR", "Marathon"),
    _combined("DEC", "Decathlon"),
    _combined("HEP", "Heptathlon"),
    _combined("PEN", "Pentathlon"),
)

DISCIPLINES: dict[str, Discipline] = {d.code: d for d in _ALL}


def discipline(code: str) -> Discipline:
    try:
        return DISCIPLINES[code]
    except KeyError:
        raise ValidationError(
            f"unknown discipline {code!r}",
            details={"discipline": f"choose one of {', '.join(DISCIPLINES)}"},
        ) from None
