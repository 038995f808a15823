"""Marks that cannot be right: the bounds a mark of each discipline must fall within.

A typing slip turns into a world record or an absurdity: ``2.33`` typed for an 800 m reads as
2.33 s, ``1842`` for a shot put as 1842 m. Each discipline's bounds come from its world
records (World Athletics senior records, outdoor unless the event is held indoors only, as
ratified in 2025; a later record within the margins below still passes) and sane limits at
the other end:

- times: no faster than 3 % under the world record of the sex; no slower than 5 times it on
  the track (a 105-year-old's 100 m is 42 s), 6 times on the road;
- distances and heights: no more than the world record plus 15 % (lighter youth implements
  go beyond the senior record), no less than a floor a child clears;
- combined events: up to the record plus 5 %.

When the event's sex is unknown the wider bounds (the men's records for speed and reach)
apply. A discipline outside the catalogue (a combined event's 1000 m) has no bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

from athsys.errors import ValidationError
from athsys.sport.disciplines import Discipline, EventKind
from athsys.sport.marks import Measure, format_mark
from athsys.sport.sex import Sex

_MS = 1000
_MINUTE = 60 * _MS
_HOUR = 60 * _MINUTE

#: World records (men, women) in the stored unit: ms, mm or points.
WORLD_RECORDS: dict[str, tuple[int, int]] = {
    "60m": (6_340, 6_920),
    "100m": (9_580, 10_490),
    "200m": (19_190, 21_340),
    "400m": (43_030, 47_600),
    "800m": (100_910, 113_280),
    "1500m": (206_000, 229_040),
    "3000m": (440_670, 486_110),
    "5000m": (755_360, 838_060),
    "10000m": (1_571_000, 1_734_140),
    "60mH": (7_270, 7_650),
    "100mH": (12_120, 12_120),  # a women's event: the men's column repeats it
    "110mH": (12_800, 12_800),  # a men's event
    "400mH": (45_940, 50_370),
    "3000mSC": (472_110, 524_320),
    "4x100m": (36_840, 40_820),
    "4x200m": (78_630, 87_460),
    "4x400m": (174_290, 195_170),
    "4x400mMix": (187_410, 187_410),  # a mixed event: one record in both columns
    "DMR": (9 * _MINUTE + 15_500, 10 * _MINUTE + 36_500),
    "EKIDEN": (_HOUR + 57 * _MINUTE + 6 * _MS, 2 * _HOUR + 11 * _MINUTE + 41 * _MS),
    "HJ": (2_450, 2_100),
    "PV": (6_300, 5_060),
    "LJ": (8_950, 7_520),
    "TJ": (18_290, 15_740),
    "SP": (23_560, 22_630),
    "DT": (75_560, 76_800),
    "HT": (86_740, 82_980),
    "JT": (98_480, 72_280),
    "5K": (12 * _MINUTE + 49 * _MS, 13 * _MINUTE + 54 * _MS),
    "10K": (26 * _MINUTE + 24 * _MS, 28 * _MINUTE + 46 * _MS),
    "HM": (56 * _MINUTE + 42 * _MS, _HOUR + 2 * _MINUTE + 52 * _MS),
    "MAR": (2 * _HOUR + 35 * _MS, 2 * _HOUR + 9 * _MINUTE + 56 * _MS),
    "DEC": (9_126, 8_358),
    "HEP": (6_645, 7_291),  # men: indoor heptathlon; women: heptathlon
    "PEN": (5_055, 5_055),  # women's indoor pentathlon
}

#: Catalogue disciplines without a ratified world record, so without bounds: the Swedish
#: medley relay is a youth event, and cross-country courses differ from race to race.
NO_RECORD: frozenset[str] = frozenset({"SMR", "XCRMix"})

#: Field marks below these (mm) are no jump or throw at all, even a child's.
_FLOORS = {"HJ": 500, "PV": 1_000, "LJ": 1_000, "TJ": 3_000}
_THROW_FLOOR = 1_000


@dataclass(frozen=True)
class Bounds:
    """The plausible marks of a discipline, inclusive, in the stored unit."""

    low: int
    high: int
    record: int


def bounds(code: str, kind: EventKind, measure: Measure, sex: Sex | None) -> Bounds | None:
    """The bounds of discipline ``code`` for ``sex`` (None: the wider of the two)."""
    records = WORLD_RECORDS.get(code)
    if records is None:
        return None
    men, women = records
    if measure is Measure.TIME:
        record = women if sex is Sex.FEMALE else min(men, women)
        return Bounds(record * 97 // 100, record * (6 if kind is EventKind.ROAD else 5), record)
    record = women if sex is Sex.FEMALE else max(men, women)
    if measure is Measure.POINTS:
        return Bounds(0, record * 105 // 100, record)
    return Bounds(_FLOORS.get(code, _THROW_FLOOR), record * 115 // 100, record)


def check_plausible(value: int | None, of: Discipline, sex: Sex | None, *,
                    field: str = "mark") -> None:
    """Refuse a mark of discipline ``of`` outside its bounds, naming the discipline, the
    value as read and the notation to write it in."""
    if value is None:
        return
    code, name, kind, measure = of.code, of.name, of.kind, of.measure
    found = bounds(code, kind, measure, sex)
    if found is None or found.low <= value <= found.high:
        return
    road = kind is EventKind.ROAD
    read = format_mark(value, measure, road=road)
    record = format_mark(found.record, measure, road=road)
    if measure is Measure.TIME:
        why = (f"faster than the world record ({record})" if value < found.low
               else f"slower than any {name} run ({format_mark(found.high, measure, road=road)})")
    elif measure is Measure.POINTS:
        why = f"more than the world record ({record} points)"
    else:
        why = (f"beyond the world record ({record} m)" if value > found.high
               else f"shorter than any {name} ({format_mark(found.low, measure)} m)")
    raise ValidationError(
        f"{field}: {read} is not a plausible {name} mark: {why}; "
        f"write it as the results do, like {record}",
        details={field: read, "discipline": code, "expected": record},
    )
