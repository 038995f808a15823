"""Age and age category of an athlete on a competition day."""

from __future__ import annotations

from datetime import date
from typing import Final

MASTERS_FROM_AGE: Final = 35
MASTERS_BAND_YEARS: Final = 5


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day`` (a birthday counts from the day itself)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_category(sex: str, birth_date: date | None, competition_day: date) -> str:
    """The athlete's category: ``U18``/``U20`` by age on 31 December of the competition year
    (World Athletics), masters ``M35``/``W35``... in five-year bands by age on the day (WMA),
    otherwise ``SEN``. Without a birth date, ``SEN``."""
    if birth_date is None:
        return "SEN"
    age_at_year_end = competition_day.year - birth_date.year
    if age_at_year_end < 18:
        return "U18"
    if age_at_year_end < 20:
        return "U20"
    age = age_on(birth_date, competition_day)
    if age < MASTERS_FROM_AGE:
        return "SEN"
    band = age // MASTERS_BAND_YEARS * MASTERS_BAND_YEARS
    return f"{'W' if sex == 'F' else 'M'}{band}"
