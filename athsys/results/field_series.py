"""Field event series: validation, standings and undo (World Athletics TR 25 and 26).

Vertical jumps (high jump, pole vault) record, per height, the attempts in the order
jumped: ``o`` clearance, ``x`` failure, ``-`` pass, ``r`` retired ("xxo", "x-", "xxx").
Three consecutive failures, at one height or across heights, end the competition.
Ties are broken by count-back: fewest attempts at the last height cleared, then fewest
failures in total up to and including that height. A tie for first that remains is
shared or goes to a jump-off, as the competition decides; other ties are shared.

Horizontal jumps and throws record trials: a mark in mm, a foul ``x`` or a pass ``-``,
with the wind (tenths of m/s) in the horizontal jumps. Athletes rank on their best mark,
then their second best, and so on. Marks count at recorded precision, the centimetre
below (8.417 ranks as 8.41). With more athletes than finalists (8), everyone has three
trials and the best eight three more, in reverse order of their standing.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NoReturn

from athsys.errors import ValidationError
from athsys.sport.marks import (
    Measure,
    format_mark,
    parse_mark,
    parse_wind,
    round_down_to_centimetre,
)
from athsys.sport.ranking import EntryId, check_unique_entries, rank_with_ties

CLEARED = "o"
FAILED = "x"
PASSED = "-"
RETIRED = "r"
_VERTICAL_OUTCOMES = (CLEARED, FAILED, PASSED, RETIRED)
_ATTEMPTS_PER_HEIGHT = 3


@dataclass(frozen=True)
class FieldPlacing:
    """A line of a field result list; ``place`` is ``None`` when there is no valid mark."""

    entry_id: EntryId
    place: int | None
    best_mm: int | None
    wind: int | None = None  # wind of the best mark, tenths of m/s (horizontal jumps)
    jump_off: bool = False  # tied for first after count-back, to be decided by a jump-off


# --- vertical jumps ---------------------------------------------------------------


@dataclass(frozen=True)
class HeightAttempts:
    height_mm: int
    attempts: str  # outcomes in the order jumped, e.g. "xxo"


@dataclass(frozen=True)
class VerticalSeries:
    entry_id: EntryId
    heights: tuple[HeightAttempts, ...] = ()


def validate_vertical(series: VerticalSeries) -> None:
    """Refuse a series no competition could produce, naming the athlete and the attempt."""
    previous_height: int | None = None
    consecutive_failures = 0
    retired = False
    for bar in series.heights:
        height = _height_text(bar.height_mm)
        if bar.height_mm <= 0:
            _reject_vertical(series, bar, 0, "a height must be above zero")
        if previous_height is not None and bar.height_mm <= previous_height:
            _reject_vertical(
                series,
                bar,
                1,
                f"the bar cannot go from {_height_text(previous_height)} to {height}",
            )
        if not bar.attempts:
            _reject_vertical(series, bar, 0, f"no attempt recorded at {height}")
        jumps = 0
        height_done = False
        for number, outcome in enumerate(bar.attempts, start=1):
            if outcome not in _VERTICAL_OUTCOMES:
                _reject_vertical(series, bar, number, f"{outcome!r} is not one of o, x, -, r")
            if retired:
                _reject_vertical(series, bar, number, "the athlete had retired")
            if outcome in (CLEARED, FAILED):
                jumps += 1
                if jumps > _ATTEMPTS_PER_HEIGHT:
                    _reject_vertical(series, bar, number, f"more than three attempts at {height}")
            if consecutive_failures >= _ATTEMPTS_PER_HEIGHT:
                _reject_vertical(
                    series, bar, number, "three consecutive failures had ended the competition"
                )
            if height_done and outcome != RETIRED:
                _reject_vertical(series, bar, number, f"{height} was already cleared or passed")
            if outcome == FAILED:
                consecutive_failures += 1
            elif outcome == CLEARED:
                consecutive_failures = 0
                height_done = True
            elif outcome == PASSED:
                height_done = True
            else:
                retired = True
        previous_height = bar.height_mm


def record_attempt(series: VerticalSeries, height_mm: int, outcome: str) -> VerticalSeries:
    """The series with one more attempt (``o``, ``x``, ``-`` or ``r``) at ``height_mm``."""
    if len(outcome) != 1:
        raise ValidationError(
            f"entry {series.entry_id}: record one attempt at a time, not {outcome!r}",
            details={"entry_id": series.entry_id, "outcome": outcome},
        )
    heights = series.heights
    if heights and heights[-1].height_mm == height_mm:
        last = heights[-1]
        heights = (*heights[:-1], replace(last, attempts=last.attempts + outcome))
    else:
        heights = (*heights, HeightAttempts(height_mm, outcome))
    recorded = replace(series, heights=heights)
    validate_vertical(recorded)
    return recorded


def rank_vertical(
    series: Sequence[VerticalSeries], *, jump_off_for_first: bool = False
) -> list[FieldPlacing]:
    """Standing of a high jump or pole vault, with count-back.

    ``jump_off_for_first``: a tie for first left after count-back is flagged ``jump_off``
    (the jump-off decides); otherwise the athletes share first place.
    """
    check_unique_entries((one.entry_id for one in series), what="competition")
    scored: list[tuple[tuple[int, int, int], VerticalSeries]] = []
    no_mark: list[VerticalSeries] = []
    for one in series:
        validate_vertical(one)
        key = _count_back_key(one)
        if key is None:
            no_mark.append(one)
        else:
            scored.append((key, one))
    ranked = rank_with_ties(scored, key=lambda pair: pair[0])
    leaders = sum(1 for place, _ in ranked if place == 1)
    placings = [
        FieldPlacing(
            entry_id=one.entry_id,
            place=place,
            best_mm=-key[0],
            jump_off=jump_off_for_first and place == 1 and leaders > 1,
        )
        for place, (key, one) in ranked
    ]
    placings.extend(FieldPlacing(one.entry_id, None, None) for one in no_mark)
    return placings


def _count_back_key(series: VerticalSeries) -> tuple[int, int, int] | None:
    """(-best height, attempts at it, failures up to it): lower ranks higher."""
    cleared = [bar for bar in series.heights if CLEARED in bar.attempts]
    if not cleared:
        return None
    best = cleared[-1]
    failures = sum(
        bar.attempts.count(FAILED) for bar in series.heights if bar.height_mm <= best.height_mm
    )
    return (-best.height_mm, best.attempts.index(CLEARED) + 1, failures)


def _reject_vertical(
    series: VerticalSeries, bar: HeightAttempts, number: int, problem: str
) -> NoReturn:
    height = _height_text(bar.height_mm)
    where = f"attempt {number} at {height}" if number else height
    raise ValidationError(
        f"entry {series.entry_id}, {where}: {problem}",
        details={
            "entry_id": series.entry_id,
            "height_mm": bar.height_mm,
            "attempt": number,
            "attempts": bar.attempts,
        },
    )


def _height_text(height_mm: int) -> str:
    return f"{format_mark(height_mm, Measure.HEIGHT)} m" if height_mm >= 0 else f"{height_mm} mm"


# --- horizontal jumps and throws ----------------------------------------------------


class TrialResult(enum.Enum):
    VALID = "valid"
    FOUL = "x"
    PASS = "-"  # nosec B105 # not a password


@dataclass(frozen=True)
class Trial:
    result: TrialResult
    mark_mm: int | None = None  # the measured mark of a valid trial
    wind: int | None = None  # tenths of m/s, horizontal jumps only

    def __post_init__(self) -> None:
        if (self.result is TrialResult.VALID) != (self.mark_mm is not None):
            raise ValidationError(
                "a valid trial has a mark; a foul or a pass has none",
                details={"result": self.result.value, "mark_mm": self.mark_mm},
            )
        if self.mark_mm is not None and self.mark_mm < 0:
            raise ValidationError(
                f"a trial cannot measure {self.mark_mm} mm", details={"mark_mm": self.mark_mm}
            )


def parse_trial(text: str, *, wind: str | None = None, field: str = "trial") -> Trial:
    """A trial as written on the judges' sheet: ``"8.41"``, ``"x"`` (foul) or ``"-"`` (pass)."""
    stripped = text.strip().lower()
    wind_tenths = None if wind is None else parse_wind(wind, field=f"{field} wind")
    if stripped == TrialResult.FOUL.value:
        return Trial(TrialResult.FOUL, wind=wind_tenths)
    if stripped == TrialResult.PASS.value:
        return Trial(TrialResult.PASS)
    return Trial(
        TrialResult.VALID, parse_mark(stripped, Measure.DISTANCE, field=field), wind_tenths
    )


@dataclass(frozen=True)
class HorizontalSeries:
    entry_id: EntryId
    trials: tuple[Trial, ...] = ()


@dataclass(frozen=True)
class TrialRounds:
    """How many trials: ``first`` for all, ``final`` more for the best ``finalists``."""

    first: int = 3
    final: int = 3
    finalists: int = 8


STANDARD_TRIALS = TrialRounds()
"""Three trials for all, three more for the best eight: the usual format of a final."""


def rank_horizontal(
    series: Sequence[HorizontalSeries], *, through_round: int | None = None
) -> list[FieldPlacing]:
    """Standing on best mark, then second best, ...; ``through_round`` counts only the
    first trials of each athlete (the standing after that round)."""
    check_unique_entries((one.entry_id for one in series), what="competition")
    scored: list[tuple[tuple[int, ...], int | None, HorizontalSeries]] = []
    no_mark: list[HorizontalSeries] = []
    for one in series:
        trials = one.trials if through_round is None else one.trials[:through_round]
        valid = [
            (round_down_to_centimetre(trial.mark_mm), trial.wind)
            for trial in trials
            if trial.mark_mm is not None
        ]
        if not valid:
            no_mark.append(one)
            continue
        marks = tuple(sorted((mark for mark, _ in valid), reverse=True))
        best_wind = next(wind for mark, wind in valid if mark == marks[0])
        scored.append((marks, best_wind, one))
    placings = [
        FieldPlacing(one.entry_id, place, marks[0], best_wind)
        for place, (marks, best_wind, one) in rank_with_ties(
            scored, key=lambda entry: entry[0], higher_is_better=True
        )
    ]
    placings.extend(FieldPlacing(one.entry_id, None, None) for one in no_mark)
    return placings


def final_round_order(
    series: Sequence[HorizontalSeries], rounds: TrialRounds = STANDARD_TRIALS
) -> list[EntryId]:
    """Who takes the final trials, in the order they jump (``series`` in draw order).

    Up to ``rounds.finalists`` athletes: everyone, those without a valid trial first.
    More: the best ``finalists`` after the first rounds (all tied for the last place).
    Then in reverse order of the standing after the first rounds; ties keep draw order.
    """
    draw_index = {one.entry_id: index for index, one in enumerate(series)}
    standing = rank_horizontal(series, through_round=rounds.first)
    everyone = len(series) <= rounds.finalists
    without_mark = [p.entry_id for p in standing if p.place is None] if everyone else []
    finalists = [
        p for p in standing if p.place is not None and (everyone or p.place <= rounds.finalists)
    ]
    finalists.sort(key=lambda p: (-(p.place or 0), draw_index[p.entry_id]))
    return sorted(without_mark, key=draw_index.__getitem__) + [p.entry_id for p in finalists]


def validate_horizontal(
    series: Sequence[HorizontalSeries], rounds: TrialRounds = STANDARD_TRIALS
) -> None:
    """Refuse too many trials, or final-round trials by an athlete not in the final rounds."""
    allowed = rounds.first + rounds.final
    for one in series:
        if len(one.trials) > allowed:
            raise ValidationError(
                f"entry {one.entry_id}, trial {allowed + 1}: only {allowed} trials are allowed",
                details={"entry_id": one.entry_id, "trial": allowed + 1},
            )
    if all(len(one.trials) <= rounds.first for one in series):
        return
    finalists = set(final_round_order(series, rounds))
    for one in series:
        if len(one.trials) > rounds.first and one.entry_id not in finalists:
            raise ValidationError(
                f"entry {one.entry_id}, trial {rounds.first + 1}: not among the best"
                f" {rounds.finalists} after {rounds.first} rounds",
                details={"entry_id": one.entry_id, "trial": rounds.first + 1},
            )
