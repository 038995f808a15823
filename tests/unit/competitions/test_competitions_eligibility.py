"""Who may enter an event: its sex, its age category (U18/U20 by age on 31 December of the
competition year, World Athletics; masters by five-year band on the day, WMA)."""

from __future__ import annotations

from datetime import date

import pytest

from athsys.competitions.eligibility import eligibility_problem
from athsys.sport.sex import Sex

pytestmark = pytest.mark.unit

DAY = date(2026, 6, 13)


@pytest.mark.parametrize(("event_sex", "category", "sex", "born"), [
    (Sex.FEMALE, "SEN", Sex.FEMALE, date(1990, 1, 1)),
    (Sex.FEMALE, "SEN", Sex.FEMALE, date(2010, 1, 1)),  # senior events are open to all ages
    (Sex.FEMALE, "SEN", Sex.FEMALE, None),
    (Sex.MALE, "U18", Sex.MALE, date(2009, 1, 1)),  # 17 on 31 December 2026
    (Sex.MALE, "U20", Sex.MALE, date(2007, 12, 31)),  # 19 on 31 December
    (Sex.MALE, "U20", Sex.MALE, date(2010, 3, 3)),  # a U18 may run U20
    (Sex.FEMALE, "W40", Sex.FEMALE, date(1985, 6, 13)),  # 41 on the day: the 40-44 band
])
def test_eligible(event_sex: Sex, category: str, sex: Sex, born: date | None) -> None:
    assert eligibility_problem(event_sex, category, sex, born, DAY) is None


@pytest.mark.parametrize(("event_sex", "category", "sex", "born", "expected"), [
    (Sex.FEMALE, "U18", Sex.MALE, date(2010, 1, 1), "the event is for women"),
    (Sex.MALE, "U18", Sex.MALE, date(2008, 12, 31), "is U20 on 2026-06-13"),
    (Sex.MALE, "U20", Sex.MALE, date(2000, 1, 1), "is SEN"),
    (Sex.FEMALE, "W40", Sex.FEMALE, date(1986, 6, 14), "is W35"),  # 40 tomorrow
    (Sex.MALE, "M35", Sex.MALE, date(1980, 1, 1), "is M45"),
    (Sex.MALE, "U18", Sex.MALE, None, "has no birth date"),
])
def test_not_eligible(event_sex: Sex, category: str, sex: Sex, born: date | None,
                      expected: str) -> None:
    problem = eligibility_problem(event_sex, category, sex, born, DAY)
    assert problem is not None and expected in problem
