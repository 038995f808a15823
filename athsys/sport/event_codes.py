"""Event codes as meet software writes them, read into one typed answer.

:func:`parse_event_code` reads the short codes of start lists, entry files and results
(``100``, ``100m``, ``110H``, ``60mH``, ``110mH(99.1)``, ``3000SC(76.2)``, ``HJ``, ``SP7.26``,
``SP 4kg``, ``JT800``, ``4x400``, ``4x400mix``, ``10K``, ``HM``, ``MAR``, ``XC8K``, ``1HR``,
``DEC``...) and answers what the event is: its code in our catalogue
(:mod:`athsys.sport.disciplines`) or one derived the same way (``80mH``, ``2000mSC``,
``4x400mMix``), its kind, its distance in metres, and the implement weight, hurdle height,
relay legs and duration the code carries. Anything it cannot place is refused with a
:class:`~athsys.errors.ValidationError` that names the code and says what was expected.

How the codes are written (the sources read):

- OpenTrack's open-source library ``athlib`` (github.com/openath/athlib, ``athlib/codes.py``
  and ``athlib/implements.py``): bare distances (``100``, ``1500``), ``H`` for hurdles and
  ``SC`` for the steeplechase after the distance (``110H``, ``400H``, ``3000SC``), relays
  ``4x100``/``4x400``, road ``5K``/``10K``/``HM``/``MAR``, combined ``DEC``/``HEP``/``PEN``,
  throws with the weight appended (``SP7.26K``, ``JT800``: grams for the javelin), and the
  mixed relay as ``4x400mix``.
- UK Athletics / Power of 10 event lists use the same family (``60H``, ``110H``, ``SP7.26K``,
  ``XC``, ``HM``, ``Mar``), with ``XC`` followed by a distance for cross-country races.
- Hy-Tek Meet Manager and FinishLynx start lists write the metric unit (``100m``, ``60mH``,
  ``3000mSC``) and often the hurdle height in brackets (``110mH (99.1)``).
- Timed track events (the one-hour run) are written ``1HR`` (World Athletics lists "One
  Hour"; the record is a distance).

Conventions of this module:

- Case and spaces do not matter (``sp 4 kg`` is ``SP4kg``); a hurdle height may be given
  in brackets or directly after the code, in centimetres (``99.1``) or metres (``0.991``).
- A throw's weight without a unit is kilograms below 100 and grams from 100 (``JT800``).
- Weights and heights are :class:`~decimal.Decimal` (kilograms, centimetres), never floats.
- Cross-country races are of kind :attr:`EventKind.ROAD`: they are run and timed as road
  races are (gun time, chips, whole seconds); :attr:`EventCode.cross_country` tells them
  apart.
- ``MILE`` alone is the track mile (1609 m, the metre below 1609.344); a number of miles is a
  road race (``10MI``). ``10M`` is read as 10 metres and refused (no such race).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Final

from athsys.errors import ValidationError
from athsys.sport.disciplines import DISCIPLINES, Discipline, EventKind

METRES_PER_MILE: Final = Decimal("1609.344")
HALF_MARATHON_M: Final = 21_097  # 21.0975 km, to the metre below
MARATHON_M: Final = 42_195

JUMPS: Final = ("HJ", "PV", "LJ", "TJ")
#: Each throw's weights from the lightest youth or masters implement to the heaviest (kg).
THROW_WEIGHTS_KG: Final = {
    "SP": (Decimal("2"), Decimal("7.26")),
    "DT": (Decimal("0.75"), Decimal("2")),
    "HT": (Decimal("2"), Decimal("7.26")),
    "JT": (Decimal("0.4"), Decimal("0.8")),
    "WT": (Decimal("4"), Decimal("15.88")),
}
COMBINED: Final = ("DEC", "HEP", "PEN")
HURDLE_DISTANCES_M: Final = (50, 55, 60, 80, 100, 110, 200, 300, 400)
STEEPLE_DISTANCES_M: Final = (1500, 2000, 3000)
HURDLE_HEIGHTS_CM: Final = (Decimal("50"), Decimal("110"))  # the lowest and highest accepted
TRACK_DISTANCES_M: Final = (50, 10_000)
RELAY_LEGS: Final = (2, 10)

_NUMBER = r"\d+(?:[.,]\d+)?"
_HURDLE_HEIGHT = rf"\(?(?P<height>{_NUMBER})(?P<hunit>CM|M)?\)?"
_PATTERNS: Final = {
    "combined": re.compile(r"(?P<code>DEC|HEP|PEN)"),
    "jump": re.compile(r"(?P<code>HJ|PV|LJ|TJ)(?P<rest>.+)?"),
    "throw": re.compile(rf"(?P<code>SP|DT|HT|JT|WT)(?:(?P<weight>{_NUMBER})(?P<unit>KG|K|G)?)?"),
    "relay": re.compile(r"(?P<legs>\d+)X(?P<leg>\d+)M?(?P<mixed>MIXED|MIX|X)?"),
    "hurdles": re.compile(rf"(?P<distance>\d+)M?(?P<type>H|SC)(?:{_HURDLE_HEIGHT})?"),
    "half": re.compile(r"HM|HMAR|HALF|HALFMARATHON"),
    "marathon": re.compile(r"MAR|MARATHON"),
    "mile": re.compile(r"MILE"),
    "xc": re.compile(rf"XC(?:(?P<km>{_NUMBER})(?:KM|K))?"),
    "road_km": re.compile(rf"(?P<km>{_NUMBER})(?:KM|K)"),
    "road_miles": re.compile(rf"(?P<miles>{_NUMBER})(?:MILES|MILE|MI)"),
    "hours": re.compile(r"(?P<hours>\d+)(?:HOURS|HOUR|HRS|HR)"),
    "track": re.compile(r"(?P<distance>\d+)M?"),
}
_EXPECTED = ("a discipline code such as 100, 110H, 400H, 3000SC, HJ, PV, LJ, TJ, SP, DT, HT, "
             "JT, 4x100, 10K, HM, MAR, XC, 1HR, DEC, HEP or PEN, optionally with the "
             "implement weight (SP7.26, JT800) or the hurdle height (110mH(99.1))")


@dataclass(frozen=True)
class EventCode:
    """What an event code says. ``code`` is the catalogue's (``"110mH"``) or derived the
    same way (``"80mH"``, ``"2000mSC"``, ``"4x400mMix"``, ``"XC"``, ``"1HR"``)."""

    text: str  # as given
    code: str
    kind: EventKind
    distance_m: int | None = None  # the whole race (a relay: legs x leg)
    implement_kg: Decimal | None = None
    hurdle_cm: Decimal | None = None
    legs: int | None = None
    leg_m: int | None = None
    mixed: bool = False  # a mixed-sex relay
    duration_s: int | None = None  # timed events: the mark is the distance covered
    cross_country: bool = False

    @property
    def discipline(self) -> Discipline | None:
        """The catalogue's discipline, or None for a derived code."""
        return DISCIPLINES.get(self.code)

    @property
    def hurdles(self) -> bool:
        """A hurdle race or a steeplechase (the races whose barriers a category sets)."""
        return self.code.endswith(("mH", "mSC"))


def _refuse(text: str, expected: str) -> ValidationError:
    return ValidationError(f"event code {text!r} not understood: expected {expected}",
                           details={"event_code": f"{text!r}: expected {expected}"})


def _decimal(number: str) -> Decimal:
    """The number as written (``7,26`` too), without trailing zeros or an exponent."""
    value = Decimal(number.replace(",", "."))
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _whole(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def parse_event_code(text: str) -> EventCode:
    """Read an event code; :class:`ValidationError` naming the code and what was expected
    when it is unknown or contradicts itself (a javelin of 7.26 kg, a 10 m race)."""
    key = re.sub(r"\s+", "", text or "").upper()
    if not key:
        raise _refuse(text, _EXPECTED)
    for name, pattern in _PATTERNS.items():
        found = pattern.fullmatch(key)
        if found is not None:
            return _READERS[name](text, found)
    raise _refuse(text, _EXPECTED)


def _combined(text: str, found: re.Match[str]) -> EventCode:
    return EventCode(text, found["code"], EventKind.COMBINED)


def _jump(text: str, found: re.Match[str]) -> EventCode:
    if found["rest"]:
        raise _refuse(text, f"{found['code']} alone: a jump has no implement or distance")
    return EventCode(text, found["code"], EventKind.FIELD)


def _throw(text: str, found: re.Match[str]) -> EventCode:
    code = found["code"]
    if found["weight"] is None:
        return EventCode(text, code, EventKind.FIELD)
    weight = _decimal(found["weight"])
    unit = found["unit"] or ("G" if weight >= 100 else "KG")
    kg = _decimal(str(weight / 1000)) if unit == "G" else weight
    lightest, heaviest = THROW_WEIGHTS_KG[code]
    if not lightest <= kg <= heaviest:
        raise _refuse(text, f"a {code} implement of {lightest} to {heaviest} kg, not {kg} kg")
    return EventCode(text, code, EventKind.FIELD, implement_kg=kg)


def _relay(text: str, found: re.Match[str]) -> EventCode:
    legs, leg = int(found["legs"]), int(found["leg"])
    if not RELAY_LEGS[0] <= legs <= RELAY_LEGS[1] or not 50 <= leg <= 1600:
        raise _refuse(text, f"{RELAY_LEGS[0]} to {RELAY_LEGS[1]} legs of 50 to 1600 m "
                            "(4x100, 4x400)")
    mixed = found["mixed"] is not None
    code = f"{legs}x{leg}m" + ("Mix" if mixed else "")
    return EventCode(text, code, EventKind.TRACK, distance_m=legs * leg, legs=legs,
                     leg_m=leg, mixed=mixed)


def _hurdles(text: str, found: re.Match[str]) -> EventCode:
    distance, steeple = int(found["distance"]), found["type"] == "SC"
    allowed = STEEPLE_DISTANCES_M if steeple else HURDLE_DISTANCES_M
    if distance not in allowed:
        what = "steeplechase" if steeple else "hurdles"
        raise _refuse(text, f"{what} over {', '.join(map(str, allowed))} m")
    height = None
    if found["height"] is not None:
        height = _decimal(found["height"])
        if found["hunit"] == "M" or height < 2:
            height = _decimal(str(height * 100))
        if not HURDLE_HEIGHTS_CM[0] <= height <= HURDLE_HEIGHTS_CM[1]:
            raise _refuse(text, f"a hurdle height of {HURDLE_HEIGHTS_CM[0]} to "
                                f"{HURDLE_HEIGHTS_CM[1]} cm (99.1 or 0.991), not {height}")
    code = f"{distance}m{'SC' if steeple else 'H'}"
    return EventCode(text, code, EventKind.TRACK, distance_m=distance, hurdle_cm=height)


def _half(text: str, found: re.Match[str]) -> EventCode:
    return EventCode(text, "HM", EventKind.ROAD, distance_m=HALF_MARATHON_M)


def _marathon(text: str, found: re.Match[str]) -> EventCode:
    return EventCode(text, "MAR", EventKind.ROAD, distance_m=MARATHON_M)


def _mile(text: str, found: re.Match[str]) -> EventCode:
    return EventCode(text, "MILE", EventKind.TRACK, distance_m=_whole(METRES_PER_MILE))


def _cross_country(text: str, found: re.Match[str]) -> EventCode:
    metres = None if found["km"] is None else _whole(_decimal(found["km"]) * 1000)
    return EventCode(text, "XC", EventKind.ROAD, distance_m=metres, cross_country=True)


def _road_km(text: str, found: re.Match[str]) -> EventCode:
    km = _decimal(found["km"])
    return EventCode(text, f"{km}K", EventKind.ROAD, distance_m=_whole(km * 1000))


def _road_miles(text: str, found: re.Match[str]) -> EventCode:
    miles = _decimal(found["miles"])
    return EventCode(text, f"{miles}MI", EventKind.ROAD,
                     distance_m=_whole(miles * METRES_PER_MILE))


def _hours(text: str, found: re.Match[str]) -> EventCode:
    hours = int(found["hours"])
    if not 1 <= hours <= 48:
        raise _refuse(text, "a timed race of 1 to 48 hours (1HR, 24HR)")
    return EventCode(text, f"{hours}HR", EventKind.TRACK, duration_s=hours * 3600)


def _track(text: str, found: re.Match[str]) -> EventCode:
    distance = int(found["distance"])
    low, high = TRACK_DISTANCES_M
    if not low <= distance <= high:
        raise _refuse(text, f"a track race of {low} to {high} m; road races in km (10K, "
                            "HM) or miles (10MI)")
    return EventCode(text, f"{distance}m", EventKind.TRACK, distance_m=distance)


_READERS: Final = {
    "combined": _combined, "jump": _jump, "throw": _throw, "relay": _relay,
    "hurdles": _hurdles, "half": _half, "marathon": _marathon, "mile": _mile, "xc": _cross_country,
    "road_km": _road_km, "road_miles": _road_miles, "hours": _hours, "track": _track,
}
