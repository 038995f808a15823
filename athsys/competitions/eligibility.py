"""Who may enter an event: its sex, its age category (World Athletics, WMA) and its entry
standard.

The age category is checked by :meth:`athsys.sport.age_categories.CategoryTable.misfit`:
``SEN`` (senior) events are open to every age; ``U18`` takes athletes under 18 on 31
December of the competition year, ``U20`` those under 20 (so U18 athletes too); a masters
event (``M35``, ``W50``...) takes the athletes of that five-year band on the competition's
first day, as the WMA rules place them. An athlete without a birth date cannot be placed in
an age-limited event. A registrar may enter an athlete anyway, giving a reason that the
entry keeps and the audit trail records (a guest, a national federation's dispensation).
An event's entry standard is met by a seed mark equal to it or better; a registrar may waive
it the same way, with a reason.
"""

from __future__ import annotations

from datetime import date

from athsys.sport.age_categories import WORLD_ATHLETICS, category_table
from athsys.sport.marks import Measure, format_mark
from athsys.sport.sex import Sex

_SEX_NAMES = {Sex.MALE: "men", Sex.FEMALE: "women"}


def eligibility_problem(event_sex: Sex, event_category: str, athlete_sex: Sex,
                        birth_date: date | None, competition_day: date,
                        table: str = WORLD_ATHLETICS) -> str | None:
    """Why the athlete may not enter the event, or None when they may; the categories are
    the competition's ``table``."""
    if athlete_sex is not event_sex:
        return (f"the event is for {_SEX_NAMES[event_sex]}; the athlete is registered among "
                f"the {_SEX_NAMES[athlete_sex]}")
    return category_table(table).misfit(event_category, athlete_sex, birth_date,
                                        competition_day)


def standard_problem(standard: int | None, seed_mark: int | None,
                     measure: Measure) -> str | None:
    """Why a seed mark does not meet the event's entry standard (equal is enough), or None.

    Compared as stored (ms, mm, points): with the standard a published hundredth or
    centimetre, a time read to the thousandth meets it exactly when its published time
    (rounded up) does, a distance to the millimetre when its centimetre (rounded down) does."""
    if standard is None:
        return None
    if seed_mark is None:
        return f"no seed mark to check against the entry standard {format_mark(standard, measure)}"
    meets = seed_mark >= standard if measure.higher_is_better else seed_mark <= standard
    if meets:
        return None
    return (f"the seed mark {format_mark(seed_mark, measure)} misses the entry standard "
            f"{format_mark(standard, measure)}")
