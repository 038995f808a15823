"""Who may enter an event: its sex and its age category (World Athletics, WMA).

The age category is checked by :meth:`athsys.sport.age_categories.CategoryTable.misfit`:
``SEN`` (senior) events are open to every age; ``U18`` takes athletes under 18 on 31
December of the competition year, ``U20`` those under 20 (so U18 athletes too); a masters
event (``M35``, ``W50``...) takes the athletes of that five-year band on the competition's
first day, as the WMA rules place them. An athlete without a birth date cannot be placed in
an age-limited event. A registrar may enter an athlete anyway, giving a reason that the
entry keeps and the audit trail records (a guest, a national federation's dispensation).
"""

from __future__ import annotations

from datetime import date

from athsys.sport.age_categories import category_table
from athsys.sport.sex import Sex

_SEX_NAMES = {Sex.MALE: "men", Sex.FEMALE: "women"}


def eligibility_problem(event_sex: Sex, event_category: str, athlete_sex: Sex,
                        birth_date: date | None, competition_day: date) -> str | None:
    """Why the athlete may not enter the event, or None when they may."""
    if athlete_sex is not event_sex:
        return (f"the event is for {_SEX_NAMES[event_sex]}; the athlete is registered among "
                f"the {_SEX_NAMES[athlete_sex]}")
    return category_table().misfit(event_category, athlete_sex, birth_date, competition_day)
