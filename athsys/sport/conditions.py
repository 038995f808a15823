"""The conditions a mark is published with, as results lists and rankings mark them.

- ``w`` wind-assisted: a following wind above +2.0 m/s where wind is measured (the 100 m,
  200 m, sprint hurdles, long and triple jump). The mark stands in the result, but counts for
  no record and, in rankings, only marked (World Athletics TR 32 / Competition Rule 32).
- ``i`` indoor: made at an indoor competition; lists that mix indoor and outdoor marks show
  it beside the mark ("8.41i").
- ``A`` altitude: made at a venue 1000 m or more above sea level, where the thinner air
  helps sprints and jumps; lists mark it ("9.85A") and records still count.

Hand timing (``h``) belongs to the time itself: see :func:`athsys.sport.marks.format_mark`.
"""

from __future__ import annotations

#: Wind above this (tenths of m/s) assists a mark: no record, no best (Rule 32).
WIND_LIMIT = 20
#: Venues at or above this altitude (metres) mark their performances "A".
ALTITUDE_LIMIT_M = 1000


def mark_conditions(*, wind: int | None, wind_measured: bool, indoor: bool,
                    altitude_m: int | None) -> tuple[str, ...]:
    """``("w", "i", "A")`` or part of it, in the order lists print them."""
    flags: list[str] = []
    if wind_measured and wind is not None and wind > WIND_LIMIT:
        flags.append("w")
    if indoor:
        flags.append("i")
    if altitude_m is not None and altitude_m >= ALTITUDE_LIMIT_M:
        flags.append("A")
    return tuple(flags)


def wind_assisted(wind: int | None, wind_measured: bool) -> bool:
    return "w" in mark_conditions(wind=wind, wind_measured=wind_measured, indoor=False,
                                  altitude_m=None)
