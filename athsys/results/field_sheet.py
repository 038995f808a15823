"""A flight as the judges' sheet shows it, for the field-judge console.

One row per athlete in competition order: the cells of the sheet (one per trial for
horizontal jumps and throws, one per bar height for vertical jumps, in the notation judges
write: ``8.41``, ``x``, ``-``, ``xxo``), the place and best mark of the live standing, and
whether the athlete is out. The sheet also says who is up next, as the rules order a flight:

- horizontal jumps and throws: round by round in competition order; after the first
  ``rounds.first`` trials only the finalists jump, in reverse order of the standing
  (:func:`athsys.results.field_series.final_round_order`);
- vertical jumps: at the current bar (the highest one attempted), in competition order, the
  athlete with the fewest attempts at it goes first; an athlete who cleared it, passed it,
  retired or failed three times in a row is done. Nobody left: the bar goes up (the judge
  types the new height).

Once a high jump or pole vault final ends with a tie for first, the sheet carries the
jump-off (:mod:`athsys.results.jump_off`): its rounds with their bar, each tied athlete's
jumps, the bar now, who is still to jump at it and, once decided, who is first.

Who is up is a suggestion: the judge may record an attempt for anyone, and the service
checks the whole series (:mod:`athsys.results.field_service`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from athsys.competitions.combined_rounds import round_discipline
from athsys.competitions.models import Entry, Heat
from athsys.results.field_series import (
    STANDARD_TRIALS,
    HorizontalSeries,
    TrialResult,
    TrialRounds,
    VerticalSeries,
)
from athsys.results.field_service import Series, load_flight, standings_of
from athsys.results.jump_off import JumpOff
from athsys.sport.marks import Measure, format_mark, format_wind


@dataclass(frozen=True)
class SheetRow:
    entry_id: int
    bib: str
    name: str
    cells: tuple[str, ...]  # per trial, or per height of ``FieldSheet.heights``
    attempts: int
    place: int | None
    best: str
    out: bool
    jump_off: tuple[str, ...] = ()  # per round of ``JumpOffSheet.heights``: o, x, -, r or ""


@dataclass(frozen=True)
class JumpOffSheet:
    heights: tuple[int, ...]  # the bar of each round played, then the bar now, mm
    bar: int | None  # the bar now; None once decided
    tied: tuple[int, ...]  # entry ids
    to_jump: tuple[int, ...]  # entry ids still to jump at ``bar``, in order
    winners: tuple[int, ...]  # entry ids; () while undecided


@dataclass(frozen=True)
class FieldSheet:
    heat_id: int
    event: str
    vertical: bool
    wind: bool  # wind is measured (long and triple jump)
    heights: tuple[int, ...]  # vertical: every bar height attempted, in mm, lowest first
    trials: int  # horizontal: trials on the sheet (first rounds + final rounds)
    rows: tuple[SheetRow, ...]
    up_next: int | None  # entry id of the athlete whose turn it is
    final_round_order: tuple[str, ...]  # bibs, once the first rounds are complete
    jump_off: JumpOffSheet | None = None


def field_sheet(session: Session, heat: Heat,
                rounds: TrialRounds = STANDARD_TRIALS) -> FieldSheet:
    flight = load_flight(session, heat)
    vertical, entries, series = flight.vertical, flight.entries, flight.series
    standings = standings_of(flight, rounds)
    standing = {line.entry_id: line for line in standings.standings}
    jump_off = standings.jump_off
    by_bib = {entry.bib: entry.id for entry in entries}
    found = round_discipline(heat.round)
    measure = Measure.HEIGHT if vertical else Measure.DISTANCE
    heights = tuple(sorted({bar.height_mm for one in series.values()
                            if isinstance(one, VerticalSeries) for bar in one.heights}))
    rows = []
    for entry in entries:
        one = series[entry.id]
        line = standing.get(entry.id)
        rows.append(SheetRow(
            entry_id=entry.id, bib=entry.bib,
            name=f"{entry.athlete.first_name} {entry.athlete.last_name}".strip(),
            cells=_cells(one, heights),
            attempts=line.attempts if line else 0,
            place=line.place if line else None,
            best=format_mark(line.best_mm, measure) if line and line.best_mm is not None else "",
            out=_out(one, rounds) and not (jump_off and entry.bib in jump_off.tied
                                            and not jump_off.decided),
            jump_off=_jump_off_cells(jump_off, entry.bib),
        ))
    final_order = standings.final_round_order
    up_next = _up_next(entries, series, heights, final_order, rounds)
    if jump_off is not None:
        up_next = by_bib[jump_off.to_jump[0]] if jump_off.to_jump else None
    return FieldSheet(
        heat_id=heat.id, event=heat.round.event.name, vertical=vertical, wind=found.wind,
        heights=heights, trials=rounds.first + rounds.final, rows=tuple(rows),
        up_next=up_next, final_round_order=final_order,
        jump_off=None if jump_off is None else JumpOffSheet(
            heights=tuple(r.height_mm for r in jump_off.rounds),
            bar=jump_off.height_mm,
            tied=tuple(by_bib[b] for b in jump_off.tied),
            to_jump=tuple(by_bib[b] for b in jump_off.to_jump),
            winners=tuple(by_bib[b] for b in jump_off.winners)),
    )


def _jump_off_cells(jump_off: JumpOff | None, bib: str) -> tuple[str, ...]:
    if jump_off is None or bib not in jump_off.tied:
        return ()
    return tuple(next((j.outcome for j in r.jumps if j.entry_id == bib), "")
                 for r in jump_off.rounds)


def _cells(one: VerticalSeries | HorizontalSeries, heights: tuple[int, ...]) -> tuple[str, ...]:
    if isinstance(one, VerticalSeries):
        at = {bar.height_mm: bar.attempts for bar in one.heights}
        return tuple(at.get(height, "") for height in heights)
    return tuple(_trial_text(trial.result, trial.mark_mm, trial.wind) for trial in one.trials)


def _trial_text(result: TrialResult, mark_mm: int | None, wind: int | None) -> str:
    if result is TrialResult.VALID and mark_mm is not None:
        text = format_mark(mark_mm, Measure.DISTANCE)
        return f"{text} ({format_wind(wind)})" if wind is not None else text
    return "x" if result is TrialResult.FOUL else "-"


def _jumped(one: VerticalSeries) -> str:
    return "".join(bar.attempts for bar in one.heights)


def _out(one: VerticalSeries | HorizontalSeries, rounds: TrialRounds) -> bool:
    if isinstance(one, VerticalSeries):
        jumped = _jumped(one)
        return "r" in jumped or jumped.replace("-", "").endswith("xxx")
    return len(one.trials) >= rounds.first + rounds.final


def _up_next(entries: Sequence[Entry], series: Mapping[int, Series], heights: tuple[int, ...],
             final_order: tuple[str, ...], rounds: TrialRounds) -> int | None:
    if not entries:
        return None
    if isinstance(next(iter(series.values())), VerticalSeries):
        return _up_at_the_bar(entries, series, heights[-1] if heights else None)
    by_bib = {entry.bib: entry for entry in entries}
    for trial in range(1, rounds.first + rounds.final + 1):
        order = entries if trial <= rounds.first else [
            by_bib[bib] for bib in final_order if bib in by_bib]
        for entry in order:
            one = series[entry.id]
            if isinstance(one, HorizontalSeries) and len(one.trials) < trial:
                return entry.id
    return None


def _up_at_the_bar(entries: Sequence[Entry], series: Mapping[int, Series],
                   bar: int | None) -> int | None:
    waiting = []
    for index, entry in enumerate(entries):
        one = series[entry.id]
        if not isinstance(one, VerticalSeries) or _out(one, STANDARD_TRIALS):
            continue
        here = next((b.attempts for b in one.heights if b.height_mm == bar), "")
        if "o" in here or "-" in here or len(here) >= 3:
            continue
        waiting.append((len(here), index, entry.id))
    return min(waiting)[2] if waiting else None
