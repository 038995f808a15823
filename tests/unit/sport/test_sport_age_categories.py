"""Age categories by the rule's reference date (World Athletics: 31 December of the competition
year; WMA: the day; UK Athletics: 31 August of a competition year from 1 October), whether an
athlete fits an event's category, and the implements and hurdles each category uses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from athsys.errors import ValidationError
from athsys.sport.age_categories import (
    age_category,
    category_implement,
    category_specs,
    category_table,
    spec_problem,
)
from athsys.sport.event_codes import parse_event_code
from athsys.sport.sex import Sex

pytestmark = pytest.mark.unit

M, F = Sex.MALE, Sex.FEMALE
WA = category_table()
UKA = category_table("uka")


@pytest.mark.parametrize(("born", "day", "sex", "expected"), [
    # World Athletics U18 (2016 U18 Championships regulations: "aged 16 or 17 on 31 December
    # in the year of the competition, e.g. for 2017 born in 2000 or 2001"), Nairobi 12 July 2017
    (date(2000, 1, 1), date(2017, 7, 12), M, "U18"),
    (date(2001, 12, 31), date(2017, 7, 12), F, "U18"),
    (date(1999, 12, 31), date(2017, 7, 12), M, "U20"),  # 18 on 31 December 2017
    # 19 in June, 20 by 31 December: senior all year
    (date(2006, 12, 31), date(2026, 6, 13), M, "SEN"),
    (date(2007, 1, 1), date(2026, 6, 13), M, "U20"),
    # around 31 December: the same athlete is U20 on New Year's Eve, senior the next day
    (date(2007, 6, 1), date(2026, 12, 31), F, "U20"),
    (date(2007, 6, 1), date(2027, 1, 1), F, "SEN"),
    # masters by age on the day (WMA)
    (date(1991, 6, 14), date(2026, 6, 13), M, "SEN"),  # 34 the day before the birthday
    (date(1991, 6, 14), date(2026, 6, 14), M, "M35"),
    (date(1976, 6, 14), date(2026, 6, 13), M, "M45"),
    (date(1976, 6, 14), date(2026, 6, 14), M, "M50"),
    (date(1940, 3, 1), date(2026, 6, 13), F, "W85"),
    (None, date(2026, 6, 13), F, "SEN"),
])
def test_world_athletics_and_wma_categories(born: date | None, day: date, sex: Sex,
                                            expected: str) -> None:
    assert WA.category_of(sex, born, day) == expected
    assert age_category(sex.value, born, day) == expected


@pytest.mark.parametrize(("born", "day", "expected"), [
    (date(2010, 9, 1), date(2026, 6, 13), "U17"),  # 15 on 31 August 2026
    (date(2009, 9, 1), date(2026, 6, 13), "U17"),  # 16 on 31 August 2026
    (date(2009, 8, 31), date(2026, 6, 13), "U20"),  # 17 on 31 August 2026
    (date(2012, 8, 31), date(2026, 6, 13), "U15"),
    (date(2014, 1, 1), date(2026, 6, 13), "U13"),
    (date(2016, 5, 1), date(2026, 6, 13), "U11"),
    # an indoor meet in November belongs to the competition year ending 30 September 2027
    (date(2010, 8, 1), date(2026, 11, 1), "U20"),  # 17 on 31 August 2027, 16 on 31 Dec 2026
    (date(2010, 8, 1), date(2026, 9, 30), "U17"),  # 16 on 31 August 2026
    (date(2006, 8, 1), date(2026, 6, 13), "SEN"),  # 20 on 31 December 2026
    (date(1981, 1, 1), date(2026, 6, 13), "V45"),
])
def test_a_federations_own_table_uk_athletics(born: date, day: date, expected: str) -> None:
    assert UKA.category_of(M, born, day) == expected


DAY = date(2026, 6, 13)


@pytest.mark.parametrize(("table", "category", "sex", "born"), [
    (WA, "SEN", M, date(2012, 1, 1)),  # the open category takes every age
    (WA, "SEN", M, None),
    (WA, "U20", F, date(2010, 3, 3)),  # a U18 may run U20
    (WA, "U18", F, date(2009, 1, 1)),  # 17 on 31 December
    (WA, "W40", F, date(1985, 6, 13)),  # 41 on the day
    (UKA, "U17", M, date(2010, 1, 1)),
    (UKA, "V50", F, date(1976, 6, 13)),
])
def test_fits(table, category: str, sex: Sex, born: date | None) -> None:
    assert table.misfit(category, sex, born, DAY) is None


@pytest.mark.parametrize(("table", "category", "sex", "born", "expected"), [
    (WA, "U18", M, date(2008, 12, 31),
     "U18 is for athletes aged under 18 on 31 December 2026 (World Athletics and WMA); "
     "born 2008-12-31, the athlete is U20 on 2026-06-13"),
    (WA, "U20", M, date(2006, 12, 31), "aged under 20 on 31 December 2026"),
    (WA, "M35", M, date(1980, 1, 1), "aged 35 to 39 on 13 June 2026"),
    (WA, "W40", F, date(1986, 6, 14), "the athlete is W35"),  # 40 tomorrow
    (WA, "U18", M, None, "has no birth date"),
    (WA, "U23", M, date(2005, 1, 1), "'U23' is not a men's category of World Athletics and WMA"),
    (WA, "M37", M, date(1989, 1, 1), "expected SEN, U18, U20 or a masters band M35, M40"),
    (WA, "W50", M, date(1976, 1, 1), "not a men's category"),
    # UK Athletics: a U17 may not run U20
    (UKA, "U20", M, date(2010, 1, 1), "at least 17 on 31 August 2026, under 20 on 31 December"),
])
def test_a_category_that_does_not_fit_is_refused_with_the_reason(
        table, category: str, sex: Sex, born: date | None, expected: str) -> None:
    assert expected in (table.misfit(category, sex, born, DAY) or "")


def test_an_unknown_table_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown age-category table 'xx'"):
        category_table("xx")


@pytest.mark.parametrize(("category", "sex", "family", "code", "kg", "cm"), [
    # World Athletics Technical Rules: U20 men's shot 6 kg, 110 m hurdles at 99.1 cm
    ("U20", M, "SP", "SP", "6", None),
    ("U20", M, "SH", "110mH", None, "99.1"),
    ("U20", M, "DT", "DT", "1.75", None),
    ("U18", M, "JT", "JT", "0.7", None),
    ("U18", M, "LH", "400mH", None, "83.8"),
    ("SEN", M, "SH", "110mH", None, "106.7"),
    ("SEN", F, "SH", "100mH", None, "83.8"),
    ("U18", F, "SP", "SP", "3", None),
    # WMA: M50 shot 6 kg; M60 100 m hurdles at 84 cm, M70 80 m at 76.2 cm; W40 80 m hurdles
    ("M50", M, "SP", "SP", "6", None),
    ("M55", M, "SP", "SP", "6", None),
    ("M60", M, "SH", "100mH", None, "84"),
    ("M70", M, "SH", "80mH", None, "76.2"),
    ("M80", M, "JT", "JT", "0.4", None),
    ("M60", M, "SC", "2000mSC", None, "76.2"),
    ("W35", F, "SH", "100mH", None, "84"),
    ("W40", F, "SH", "80mH", None, "76.2"),
    ("W75", F, "SP", "SP", "2", None),
    ("W95", F, "DT", "DT", "0.75", None),
])
def test_implements_and_hurdles_per_category(category: str, sex: Sex, family: str, code: str,
                                             kg: str | None, cm: str | None) -> None:
    spec = category_specs(category, sex)[family]
    assert spec.code == code
    assert spec.implement_kg == (None if kg is None else Decimal(kg))
    assert spec.hurdle_cm == (None if cm is None else Decimal(cm))


def test_every_category_has_its_throws_and_hurdles() -> None:
    for sex in Sex:
        for category in ("SEN", "U20", "U18"):
            assert {"SP", "DT", "HT", "JT", "SH", "60H", "LH", "SC"} <= set(
                category_specs(category, sex)), (category, sex)
        for band in range(35, 105, 5):
            code = WA.masters_prefix[sex] + str(band)
            assert {"SP", "DT", "HT", "JT", "WT", "SH", "60H", "LH", "SC"} <= set(
                category_specs(code, sex)), code
    assert category_specs("U17", M) == {}  # UK Athletics' own categories: no table shipped


@pytest.mark.parametrize(("code", "category", "sex", "expected"), [
    ("SP6", "U20", M, None),
    ("SP", "U20", M, None),  # the code does not say: nothing to contradict
    ("HJ", "U20", M, None),
    ("110mH(99.1)", "U20", M, None),
    ("400mH(83.8)", "M50", M, None),  # 33 in: 83.8 cm (WA) is the WMA tables' 84.0
    ("SP7.26", "U20", M, "U20 men throw the 6 kg shot; 'SP7.26' is 7.26 kg"),
    ("JT800", "M50", M, "M50 men throw the 0.7 kg javelin"),
    ("110mH(106.7)", "U20", M, "U20 men run the 110mH over 99.1 cm; '110mH(106.7)' says 106.7"),
    ("110mH", "M60", M, "M60 men run 100mH (84 cm), 60mH (84 cm), 300mH (76.2 cm), "
                        "2000mSC (76.2 cm); not '110mH'"),
])
def test_a_code_that_contradicts_the_category(code: str, category: str, sex: Sex,
                                              expected: str | None) -> None:
    problem = spec_problem(parse_event_code(code), category, sex)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


@pytest.mark.parametrize(("code", "category", "sex", "expected"), [
    ("SP", "SEN", M, "7.26 kg shot"),
    ("SP", "U18", M, "5 kg shot"),  # World Athletics Technical Rules, U18 men
    ("SP", "U18", F, "3 kg shot"),
    ("JT", "SEN", M, "800 g javelin"),
    ("JT", "M50", M, "700 g javelin"),  # WMA: men 50-59
    ("HT", "W35", F, "4 kg hammer"),
    ("110mH", "U18", M, "hurdles 91.4 cm"),
    ("110mH", "SEN", M, "hurdles 106.7 cm"),
    ("100mH", "SEN", F, "hurdles 83.8 cm"),
    ("400mH", "U18", M, "hurdles 83.8 cm"),
    ("3000mSC", "SEN", F, "barriers 76.2 cm"),
    ("110mH", "M60", M, None),    # M60 run 100 m hurdles: no 110 m race in their table
    ("100m", "U18", M, None),
    ("HJ", "SEN", F, None),
    ("SP", "U17", M, None),       # a federation's own category: no table shipped
])
def test_the_implement_or_barrier_an_event_of_a_category_uses(
        code: str, category: str, sex: Sex, expected: str | None) -> None:
    assert category_implement(code, category, sex) == expected
