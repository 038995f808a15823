"""Scoring: combined-events points and age grading (pure functions, tables shipped as package data).

Combined events (:mod:`athsys.scoring.combined`, World Athletics 2001 tables):

- ``score_competition(competition, marks, *, hand_timed=()) -> CombinedScore``: points of every
  event in the order held, each with the running total; ``.total`` is the competition total.
- ``event_points(competition, event, mark, *, hand_timed=False) -> int``
- ``get_competition(key) -> Competition`` (events in order, kinds, coefficients) and
  ``competition_keys()``: ``men_decathlon``, ``women_heptathlon``, ``men_indoor_heptathlon``,
  ``women_indoor_pentathlon``, ``women_decathlon``.

Age grading (:mod:`athsys.scoring.age_grading`, WMA 2023 track & field, Alan Jones 2020 road):

- ``age_grade(sex, age, event, mark) -> AgeGrade``: factor, age standard, age-graded mark and
  percentage (a two-decimal ``Decimal``).
- ``age_factor(sex, age, event) -> Decimal`` and ``age_grade_events()`` (event key -> "time" or
  "distance").

Marks are integers everywhere: times in milliseconds, distances and heights in millimetres.
Bad input (unknown competition or event, age outside a table, malformed mark) raises
:class:`athsys.errors.ValidationError`.
"""

from athsys.scoring.age_grading import AgeGrade, age_factor, age_grade, age_grade_events
from athsys.scoring.combined import (
    CombinedScore,
    Competition,
    EventScore,
    competition_keys,
    event_points,
    get_competition,
    score_competition,
)

__all__ = [
    "AgeGrade",
    "CombinedScore",
    "Competition",
    "EventScore",
    "age_factor",
    "age_grade",
    "age_grade_events",
    "competition_keys",
    "event_points",
    "get_competition",
    "score_competition",
]
