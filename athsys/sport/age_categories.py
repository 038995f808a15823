"""Age categories: which one an athlete is in on a competition day, whether they fit an
event's category, and the implements and hurdles each category uses.

A category table is data (``data/age_categories_<name>.json``, each naming its source):

- :data:`WORLD_ATHLETICS` (the default): ``U18``/``U20`` by age on 31 December of the
  competition year (World Athletics Competition Rules, Book C1.1, Rule 3), masters in
  five-year bands ``M35``/``W35``, ``M40``... by age on the day (WMA Rules of Competition),
  otherwise ``SEN``;
- a federation's own table, e.g. ``"uka"`` (UK Athletics Rule 107: ``U11``...``U17`` by age on
  the 31 August of a competition year that starts on 1 October, ``U20`` also by
  31 December, masters ``V35``...).

Each category lists rules ``{"on": "MM-DD" | "day", "within": "competition year", "from":
n, "under": m}``: the age on that date must be at least ``from`` and below ``under``. The
date is in the calendar year of the competition unless ``within`` says the table's
competition year (which starts on ``year_starts``). An athlete *is* in the first category
whose rules hold, else in their masters band (from ``masters.from`` on the day), else in the
open category. An athlete *fits* a category whose rules hold (so a U18 fits U20), their own
masters band, and the open category, which takes every age.

The implements and hurdles per category and sex (``data/category_specs_wa_wma.csv``) are
written as event codes (:mod:`athsys.sport.event_codes`): World Athletics Technical Rules
(U18, U20, seniors) and the WMA Rules of Competition (2023) tables for masters, keyed by
family ``SP``, ``DT``, ``HT``, ``JT``, ``WT``, ``SH`` (short hurdles), ``60H``, ``LH`` (long
hurdles), ``SC`` (steeplechase). See ``data/SOURCES.md``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any, Final

from athsys.errors import ValidationError
from athsys.sport.event_codes import EventCode, parse_event_code
from athsys.sport.sex import Sex

WORLD_ATHLETICS: Final = "wa"
_TABLE_FILE = "age_categories_{name}.json"
_SPECS_FILE = "category_specs_wa_wma.csv"
_ON_DAY = "day"
_SEX_WORDS = {Sex.MALE: "men", Sex.FEMALE: "women"}
_FAMILY_NAMES = {"SP": "shot", "DT": "discus", "HT": "hammer", "JT": "javelin", "WT": "weight"}
_HURDLE_FAMILIES = ("SH", "60H", "LH", "SC")
# One hurdle setting written two ways: 33 in is 83.8 cm (World Athletics) or 84.0 (WMA tables)
_SAME_HURDLE_CM = Decimal("0.5")


def age_on(birth_date: date, day: date) -> int:
    """Age in whole years on ``day`` (a birthday counts from the day itself)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class AgeRule:
    """The age on a reference date is at least ``from_age`` and below ``under``."""

    on: str  # "MM-DD" or "day"
    from_age: int | None = None
    under: int | None = None
    competition_year: bool = False  # the date falls in the table's competition year

    def reference(self, day: date, year_starts: tuple[int, int]) -> date:
        if self.on == _ON_DAY:
            return day
        month, dom = (int(part) for part in self.on.split("-"))
        if not self.competition_year:
            return date(day.year, month, dom)
        start_year = day.year if (day.month, day.day) >= year_starts else day.year - 1
        start = date(start_year, *year_starts)
        found = date(start_year, month, dom)
        return found if found >= start else date(start_year + 1, month, dom)

    def holds(self, birth_date: date, day: date, year_starts: tuple[int, int]) -> bool:
        age = age_on(birth_date, self.reference(day, year_starts))
        return ((self.from_age is None or age >= self.from_age)
                and (self.under is None or age < self.under))

    def describe(self, day: date, year_starts: tuple[int, int]) -> str:
        ages = " and ".join(
            part for part in (None if self.from_age is None else f"at least {self.from_age}",
                              None if self.under is None else f"under {self.under}") if part)
        on = self.reference(day, year_starts)
        return f"{ages} on {on:%d %B %Y}"


@dataclass(frozen=True)
class CategoryTable:
    name: str
    source: str
    open_code: str
    rules: Mapping[str, tuple[AgeRule, ...]]  # youngest first
    masters_from: int
    masters_band: int
    masters_prefix: Mapping[Sex, str]
    year_starts: tuple[int, int] = (1, 1)

    def masters_band_of(self, sex: Sex, code: str) -> int | None:
        """The first age of a masters band written ``M50``/``W35``, or None."""
        found = re.fullmatch(rf"{re.escape(self.masters_prefix[sex])}(\d{{2,3}})", code)
        if found is None:
            return None
        band = int(found[1])
        ok = band >= self.masters_from and (band - self.masters_from) % self.masters_band == 0
        return band if ok else None

    def category_of(self, sex: Sex, birth_date: date | None, day: date) -> str:
        """The athlete's own category on ``day``; without a birth date, the open one."""
        if birth_date is None:
            return self.open_code
        for code, rules in self.rules.items():
            if all(rule.holds(birth_date, day, self.year_starts) for rule in rules):
                return code
        age = age_on(birth_date, day)
        if age < self.masters_from:
            return self.open_code
        years = (age - self.masters_from) // self.masters_band * self.masters_band
        band = self.masters_from + years
        return f"{self.masters_prefix[sex]}{band}"

    def unknown(self, category: str, sex: Sex) -> str | None:
        """Why ``category`` is not one of this table for ``sex``, or None when it is."""
        if category == self.open_code or category in self.rules:
            return None
        return None if self.masters_band_of(sex, category) is not None else self._unknown(
            category, sex)

    def misfit(self, category: str, sex: Sex, birth_date: date | None, day: date) -> str | None:
        """Why an athlete of ``sex`` born on ``birth_date`` does not fit ``category`` on
        ``day``, or None when they do."""
        if category == self.open_code:
            return None
        unknown = self.unknown(category, sex)
        if unknown is not None:
            return unknown
        band = self.masters_band_of(sex, category)
        if birth_date is None:
            return f"the athlete has no birth date to place them in {category}"
        own = self.category_of(sex, birth_date, day)
        if band is not None:
            if own == category:
                return None
            need = f"{band} to {band + self.masters_band - 1} on {day:%d %B %Y}"
        else:
            rules = self.rules[category]
            if all(rule.holds(birth_date, day, self.year_starts) for rule in rules):
                return None
            need = ", ".join(rule.describe(day, self.year_starts) for rule in rules)
        return (f"{category} is for athletes aged {need} ({self.name}); born "
                f"{birth_date:%Y-%m-%d}, the athlete is {own} on {day:%Y-%m-%d}")

    def _unknown(self, category: str, sex: Sex) -> str:
        known = ", ".join((self.open_code, *self.rules))
        prefix = self.masters_prefix[sex]
        return (f"{category!r} is not a {_SEX_WORDS[sex]}'s category of {self.name}: expected "
                f"{known} or a masters band {prefix}{self.masters_from}, "
                f"{prefix}{self.masters_from + self.masters_band}...")


def _rule(raw: Mapping[str, Any]) -> AgeRule:
    return AgeRule(raw["on"], raw.get("from"), raw.get("under"),
                   raw.get("within") == "competition year")


@cache
def category_tables() -> tuple[str, ...]:
    """The names of the category tables shipped in ``data/`` (``"uka"``, ``"wa"``)."""
    prefix, suffix = _TABLE_FILE.split("{name}")
    return tuple(sorted(entry.name.removeprefix(prefix).removesuffix(suffix)
                        for entry in (files(__package__) / "data").iterdir()
                        if entry.name.startswith(prefix) and entry.name.endswith(suffix)))


def table_problem(name: str) -> str | None:
    """Why ``name`` is not a category table AthSys ships, or None."""
    if name in category_tables():
        return None
    return f"unknown age-category table {name!r}: choose {' or '.join(category_tables())}"


@cache
def category_table(name: str = WORLD_ATHLETICS) -> CategoryTable:
    """A category table shipped in ``data/`` (``"wa"``, ``"uka"``)."""
    problem = table_problem(name)
    if problem is not None:
        raise ValidationError(problem, details={"age_categories": problem})
    text = (files(__package__) / "data" / _TABLE_FILE.format(name=name)).read_text("utf-8")
    raw = json.loads(text)
    masters = raw["masters"]
    month, dom = (int(part) for part in raw.get("year_starts", "01-01").split("-"))
    return CategoryTable(
        name=raw["name"], source=raw["source"], open_code=raw["open"],
        rules={c["code"]: tuple(_rule(r) for r in c["rules"]) for c in raw["categories"]},
        masters_from=masters["from"], masters_band=masters["band"],
        masters_prefix={sex: masters["prefix"][sex.value] for sex in Sex},
        year_starts=(month, dom))


def age_category(sex: str, birth_date: date | None, competition_day: date,
                 table: str = WORLD_ATHLETICS) -> str:
    """The athlete's category in ``table`` (World Athletics / WMA unless a federation's;
    ``SEN`` without a birth date); ``sex`` is ``"M"`` or ``"F"``."""
    return category_table(table).category_of(Sex(sex), birth_date, competition_day)


# -- implements and hurdles ------------------------------------------------------------------

@dataclass(frozen=True)
class _SpecRow:
    sex: Sex
    category: str  # "SEN", "U20"... or masters ages "50-59", "80+"
    family: str
    event: EventCode

    def covers(self, category: str, band: int | None) -> bool:
        if band is None:
            return self.category == category
        low, _, high = self.category.rstrip("+").partition("-")
        if not low.isdigit():
            return False
        return int(low) <= band and (self.category.endswith("+") or band <= int(high or low))


@cache
def _spec_rows() -> tuple[_SpecRow, ...]:
    text = (files(__package__) / "data" / _SPECS_FILE).read_text("utf-8")
    return tuple(_SpecRow(Sex(r["sex"]), r["category"], r["family"], parse_event_code(r["event"]))
                 for r in csv.DictReader(text.splitlines()))


def category_specs(category: str, sex: Sex) -> dict[str, EventCode]:
    """The implements and hurdle races of a World Athletics / WMA category, by family:
    ``category_specs("U20", Sex.MALE)["SP"]`` is the 6 kg shot, ``["SH"]`` the 110 m hurdles
    at 99.1 cm. An empty answer for a category without a table (a federation's own)."""
    band = category_table().masters_band_of(sex, category)
    return {row.family: row.event for row in _spec_rows()
            if row.sex is sex and row.covers(category, band)}


def spec_problem(event: EventCode, category: str, sex: Sex) -> str | None:
    """Why a throw's weight or a hurdle race's distance or height is not the one the category
    uses, or None when it is (or when the code does not say, or the category has no table)."""
    specs = category_specs(category, sex)
    who = f"{category} {_SEX_WORDS[sex]}"
    if event.code in _FAMILY_NAMES and event.implement_kg is not None and event.code in specs:
        expected = specs[event.code].implement_kg
        if event.implement_kg != expected:
            return (f"{who} throw the {expected} kg {_FAMILY_NAMES[event.code]}; "
                    f"{event.text!r} is {event.implement_kg} kg")
        return None
    races = [specs[f] for f in _HURDLE_FAMILIES if f in specs]
    if not event.hurdles or not races:
        return None
    same = [race for race in races if race.code == event.code]
    if not same:
        return (f"{who} run " + ", ".join(f"{race.code} ({race.hurdle_cm} cm)" for race in races)
                + f"; not {event.text!r}")
    expected = same[0].hurdle_cm
    if event.hurdle_cm is not None and abs(event.hurdle_cm - expected) > _SAME_HURDLE_CM:
        return (f"{who} run the {event.code} over {expected} cm; {event.text!r} says "
                f"{event.hurdle_cm} cm")
    return None


def category_implement(discipline_code: str, category: str, sex: Sex) -> str | None:
    """What the officials set out for an event of ``category``: the implement (``"5 kg shot"``,
    ``"700 g javelin"``) or the barriers (``"hurdles 91.4 cm"``, ``"barriers 76.2 cm"``); None
    when the discipline has neither, or the category has no table or no such race (a
    federation's own category, U16 girls in a 100 m hurdles)."""
    specs = category_specs(category, sex)
    if discipline_code in _FAMILY_NAMES:
        spec = specs.get(discipline_code)
        if spec is None or spec.implement_kg is None:
            return None
        weight = (f"{spec.implement_kg * 1000:.0f} g" if spec.implement_kg < 1
                  else f"{format(spec.implement_kg.normalize(), 'f')} kg")
        return f"{weight} {_FAMILY_NAMES[discipline_code]}"
    races = [specs[f] for f in _HURDLE_FAMILIES if f in specs]
    same = [race for race in races if race.code == discipline_code and race.hurdle_cm]
    if not same:
        return None
    barriers = "barriers" if discipline_code.endswith("mSC") else "hurdles"
    return f"{barriers} {format(same[0].hurdle_cm.normalize(), 'f')} cm"
