from datetime import date

import pytest

from athsys.errors import ValidationError
from athsys.scoring.service import age_grade_event_key
from athsys.sport.age_categories import age_on
from athsys.sport.combined import combined_competition_key
from athsys.sport.sex import Sex

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("code, sex, key", [
    ("DEC", Sex.MALE, "men_decathlon"),
    ("DEC", Sex.FEMALE, "women_decathlon"),
    ("HEP", Sex.FEMALE, "women_heptathlon"),
    ("HEP", Sex.MALE, "men_indoor_heptathlon"),
    ("PEN", Sex.FEMALE, "women_indoor_pentathlon"),
])
def test_combined_event_tables(code, sex, key):
    assert combined_competition_key(code, sex) == key


def test_no_table_for_a_mens_pentathlon():
    with pytest.raises(ValidationError, match="no World Athletics scoring table for PEN"):
        combined_competition_key("PEN", Sex.MALE)


@pytest.mark.parametrize("birth, day, age", [
    (date(1966, 9, 16), date(2018, 9, 15), 51),  # the day before the birthday
    (date(1966, 9, 15), date(2018, 9, 15), 52),  # on the birthday
    (date(1964, 2, 29), date(2018, 2, 28), 53),  # born on 29 February
    (date(1964, 2, 29), date(2018, 3, 1), 54),
])
def test_age_in_whole_years(birth, day, age):
    assert age_on(birth, day) == age


@pytest.mark.parametrize("code, key", [
    ("100m", "100m"), ("110mH", "SH"), ("100mH", "SH"), ("400mH", "LH"), ("60mH", "60H"),
    ("3000mSC", "SC"), ("HJ", "HJ"), ("10K", "ROAD_10K"), ("MAR", "ROAD_MAR"),
    ("4x100m", None), ("DEC", None),
])
def test_age_grading_columns_of_disciplines(code, key):
    assert age_grade_event_key(code) == key
