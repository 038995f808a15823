"""The conditions a mark is published with (w, i, A) and entry standards."""

import pytest

from athsys.competitions.eligibility import standard_problem
from athsys.sport.conditions import mark_conditions
from athsys.sport.marks import Measure

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("wind", "measured", "indoor", "altitude", "flags"), [
    (20, True, False, None, ()),  # +2.0 is legal
    (21, True, False, None, ("w",)),  # +2.1 assists
    (21, False, False, None, ()),  # no wind is measured in this event (a 400 m)
    (None, True, True, None, ("i",)),  # an indoor long jump: no wind
    (-5, True, False, 1000, ("A",)),  # 1000 m is altitude
    (30, True, False, 2240, ("w", "A")),  # Mexico City, 1968
    (None, False, False, 999, ()),
])
def test_the_flags_a_mark_is_published_with(wind, measured, indoor, altitude, flags):
    assert mark_conditions(wind=wind, wind_measured=measured, indoor=indoor,
                           altitude_m=altitude) == flags


@pytest.mark.parametrize(("standard", "seed", "measure", "problem"), [
    (None, None, Measure.TIME, None),
    (10_900, 10_900, Measure.TIME, None),  # equal meets it
    (10_900, 10_899, Measure.TIME, None),
    (10_900, 10_901, Measure.TIME, "the seed mark 10.91 misses the entry standard 10.90"),
    (7_800, 7_809, Measure.DISTANCE, None),
    (7_800, 7_799, Measure.DISTANCE, "the seed mark 7.79 misses the entry standard 7.80"),
    (7_800, None, Measure.DISTANCE, "no seed mark to check against the entry standard 7.80"),
])
def test_an_entry_standard_is_met_by_an_equal_or_better_seed_mark(standard, seed, measure,
                                                                  problem):
    assert standard_problem(standard, seed, measure) == problem
