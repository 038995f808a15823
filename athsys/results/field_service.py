"""Field series of a flight: attempts recorded one at a time, standings, undo, results.

An attempt is stored as an :class:`Attempt` row (the athlete's ``sequence``-th trial) only
after the whole series with it passes :mod:`athsys.results.field_series`: a vertical
jump's o/x/-/r by bar height (no attempt after three consecutive failures, the bar never
lower), a horizontal jump's or throw's mark (and wind), foul or pass, within
``TrialRounds`` (3 trials, 3 more for the best 8 by default). An impossible attempt is
refused naming the athlete's bib and the attempt, and nothing is stored.

Standings are computed from the stored attempts whenever they are asked for (count-back for
vertical jumps, next best mark for the others), so they are right after every attempt and
every undo. ``derive_field_results`` writes them into the flight's results (best mark,
place, wind of the best mark; NM without a valid trial, DNS without any attempt), which is
what the flight needs before it can be marked official; a change to an existing result is
a correction with a revision, as every result change is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from athsys.accounts.actor import Actor
from athsys.athletes.service import current_related
from athsys.audit.service import snapshot
from athsys.competitions.combined_rounds import combined_event_key, round_discipline
from athsys.competitions.models import Entry, Heat, LaneAssignment, RoundKind
from athsys.errors import ConflictError, ValidationError
from athsys.results import service
from athsys.results.field_series import (
    STANDARD_TRIALS,
    FieldPlacing,
    HeightAttempts,
    HorizontalSeries,
    Trial,
    TrialResult,
    TrialRounds,
    VerticalSeries,
    final_round_order,
    parse_trial,
    rank_horizontal,
    rank_vertical,
    record_attempt,
    validate_horizontal,
)
from athsys.results.jump_off import (
    JUMP_OFF_STEP_MM,
    JumpOff,
    JumpOffJump,
    first_jump_off_height,
    play_jump_off,
    series_over,
    settle_first_place,
    tied_for_first,
)
from athsys.results.models import Attempt, AttemptOutcome, Result, ResultSource
from athsys.sport.marks import Measure, format_mark, parse_mark
from athsys.sport.ranking import ResultStatus

Series = VerticalSeries | HorizontalSeries

_TRIAL_OF_OUTCOME = {
    AttemptOutcome.MARK: TrialResult.VALID,
    AttemptOutcome.FAILED: TrialResult.FOUL,
    AttemptOutcome.PASSED: TrialResult.PASS,
}


@dataclass(frozen=True)
class FieldStanding:
    """One line of a flight's standing; ``series`` as a judge's sheet prints it."""

    entry_id: int
    bib: str
    place: int | None
    best_mm: int | None
    wind: int | None
    jump_off: bool
    attempts: int
    series: str


@dataclass(frozen=True)
class FlightStandings:
    heat_id: int
    vertical: bool
    standings: tuple[FieldStanding, ...]
    # horizontal events: who takes the final trials, in jumping order (empty before then)
    final_round_order: tuple[str, ...] = ()
    # vertical jumps: the jump-off for first place, once count-back leaves a tie (bibs)
    jump_off: JumpOff | None = None


@dataclass(frozen=True)
class Flight:
    """A flight's athletes in competition order and their attempts, as stored."""

    heat: Heat
    vertical: bool
    entries: list[Entry]
    series: dict[int, Series]  # by entry id; athletes named by bib
    jump_off: list[JumpOffJump]  # in the order recorded


def jump_off_applies(heat: Heat) -> bool:
    """A tie for first in a high jump or pole vault final goes to a jump-off; in a
    qualification round or a combined event (where points count) ties stand."""
    return (round_discipline(heat.round).code in JUMP_OFF_STEP_MM
            and combined_event_key(heat.round) is None
            and heat.round.kind is RoundKind.FINAL)


# -- reading -------------------------------------------------------------------------------------
def _flight_entries(session: Session, heat: Heat) -> list[Entry]:
    """The flight's athletes in competition order, then any other with attempts (each
    entry with its athlete: the sheet names them)."""
    listed = session.scalars(
        select(Entry).options(joinedload(Entry.athlete))
        .join(LaneAssignment, LaneAssignment.entry_id == Entry.id)
        .where(LaneAssignment.heat_id == heat.id).order_by(LaneAssignment.position)
    ).all()
    others = session.scalars(
        select(Entry).options(joinedload(Entry.athlete))
        .join(Attempt, Attempt.entry_id == Entry.id)
        .where(Attempt.heat_id == heat.id, Entry.id.not_in([e.id for e in listed]))
        .distinct().order_by(Entry.bib)
    ).all()
    return [*listed, *others]


def _series(entry: Entry, attempts: Sequence[Attempt], vertical: bool) -> Series:
    if vertical:
        heights: list[HeightAttempts] = []
        for attempt in attempts:
            height = attempt.height or 0
            if heights and heights[-1].height_mm == height:
                last = heights[-1]
                heights[-1] = replace(last, attempts=last.attempts + attempt.outcome.value)
            else:
                heights.append(HeightAttempts(height, attempt.outcome.value))
        return VerticalSeries(entry.bib, tuple(heights))
    return HorizontalSeries(entry.bib, tuple(_trial(entry, a) for a in attempts))


def _trial(entry: Entry, attempt: Attempt) -> Trial:
    result = _TRIAL_OF_OUTCOME.get(attempt.outcome)
    if result is None:
        raise ValidationError(
            f"entry {entry.bib}, trial {attempt.sequence}: a horizontal jump or throw is"
            " a mark, x (foul) or - (pass)",
            details={"entry": entry.bib, "trial": attempt.sequence, "outcome": "m, x or -"},
        )
    return Trial(result, attempt.mark, attempt.wind if result is not TrialResult.PASS else None)


def load_flight(session: Session, heat: Heat) -> Flight:
    """The flight's athletes in competition order with their series and jump-off attempts."""
    vertical = round_discipline(heat.round).vertical
    entries = _flight_entries(session, heat)
    attempts: dict[int, list[Attempt]] = {e.id: [] for e in entries}
    jump_off: list[tuple[Attempt, Entry]] = []
    by_id = {e.id: e for e in entries}
    for attempt in session.scalars(select(Attempt).where(Attempt.heat_id == heat.id)
                                   .order_by(Attempt.entry_id, Attempt.sequence)).all():
        if attempt.jump_off:
            jump_off.append((attempt, by_id[attempt.entry_id]))
        else:
            attempts[attempt.entry_id].append(attempt)
    jump_off.sort(key=lambda pair: pair[0].id)  # the order they were recorded
    return Flight(heat, vertical, entries,
                  {e.id: _series(e, attempts[e.id], vertical) for e in entries},
                  [JumpOffJump(entry.bib, attempt.height or 0, attempt.outcome.value)
                   for attempt, entry in jump_off])


def flight_standings(
    session: Session, heat: Heat, *, rounds: TrialRounds = STANDARD_TRIALS
) -> FlightStandings:
    """The standing of a flight from its stored attempts, best first."""
    return standings_of(load_flight(session, heat), rounds)


def _jump_off(flight: Flight, placings: Sequence[FieldPlacing],
              jumps: Sequence[JumpOffJump]) -> JumpOff | None:
    """The jump-off for first with ``jumps`` played, when the rules call for one."""
    if not jump_off_applies(flight.heat):
        return None
    vertical = [s for s in (flight.series[e.id] for e in flight.entries)
                if isinstance(s, VerticalSeries)]
    tied = tied_for_first(placings, vertical)
    if not tied:
        return None
    step = JUMP_OFF_STEP_MM[round_discipline(flight.heat.round).code]
    return play_jump_off(tied, first_jump_off_height(vertical, tied, step), step, jumps)


def standings_of(flight: Flight, rounds: TrialRounds = STANDARD_TRIALS) -> FlightStandings:
    """The standing of a loaded flight, the jump-off for first included."""
    entries, series = flight.entries, flight.series
    by_bib = {e.bib: e for e in entries}
    ordered = [series[e.id] for e in entries]
    placings: list[FieldPlacing]
    final_order: tuple[str, ...] = ()
    jump_off: JumpOff | None = None
    if flight.vertical:
        placings = rank_vertical([s for s in ordered if isinstance(s, VerticalSeries)],
                                 jump_off_for_first=jump_off_applies(flight.heat))
        jump_off = _jump_off(flight, placings, flight.jump_off)
        if jump_off is not None:
            placings = settle_first_place(placings, jump_off)
    else:
        horizontal = [s for s in ordered if isinstance(s, HorizontalSeries)]
        placings = rank_horizontal(horizontal)
        if horizontal and all(len(s.trials) >= rounds.first for s in horizontal):
            final_order = tuple(str(b) for b in final_round_order(horizontal, rounds))
    lines = []
    for placing in placings:
        entry = by_bib[str(placing.entry_id)]
        one = series[entry.id]
        extra = [jump for jump in flight.jump_off if jump.entry_id == entry.bib]
        lines.append(FieldStanding(
            entry_id=entry.id, bib=entry.bib, place=placing.place, best_mm=placing.best_mm,
            wind=placing.wind, jump_off=placing.jump_off, attempts=_count(one) + len(extra),
            series=" ".join([_sheet(one), *(f"jump-off {_jump_text(j)}" for j in extra)]),
        ))
    return FlightStandings(flight.heat.id, flight.vertical, tuple(lines), final_order, jump_off)


def _jump_text(jump: JumpOffJump) -> str:
    return f"{format_mark(jump.height_mm, Measure.HEIGHT)} {jump.outcome}"


def _count(series: Series) -> int:
    if isinstance(series, VerticalSeries):
        return sum(len(bar.attempts) for bar in series.heights)
    return len(series.trials)


def _sheet(series: Series) -> str:
    if isinstance(series, VerticalSeries):
        return " ".join(f"{format_mark(bar.height_mm, Measure.HEIGHT)} {bar.attempts}"
                        for bar in series.heights)
    return " ".join(
        format_mark(t.mark_mm, Measure.DISTANCE) if t.mark_mm is not None else t.result.value
        for t in series.trials
    )


# -- writing -------------------------------------------------------------------------------------
def record_field_attempt(
    session: Session,
    actor: Actor,
    heat: Heat,
    entry: Entry,
    *,
    outcome: str,
    height_mm: int | None = None,
    mark_mm: int | None = None,
    wind: int | None = None,
    rounds: TrialRounds = STANDARD_TRIALS,
) -> FlightStandings:
    """Record ``entry``'s next attempt in the flight ``heat`` and return the new standing.

    Vertical jumps: ``outcome`` is ``o``, ``x``, ``-`` or ``r`` at ``height_mm``; once the
    competition is over with a tie for first, the tied athletes' attempts are jump-off
    attempts at the height the rule sets (``height_mm`` may be left out).
    Horizontal jumps and throws: ``m`` with ``mark_mm`` (and ``wind`` in tenths of m/s in
    the long and triple jump), ``x`` (foul, with its wind if measured) or ``-`` (pass).
    """
    flight = load_flight(session, heat)
    vertical, series = flight.vertical, flight.series
    if entry.id not in series:
        if entry.event_id != heat.round.event_id:
            raise ValidationError(
                f"entry: bib {entry.bib} is not entered in {heat.round.event.name}",
                details={"entry": entry.bib})
        flight.entries.append(entry)
        series[entry.id] = _series(entry, [], vertical)
    try:
        kind = AttemptOutcome(outcome)
    except ValueError:
        raise ValidationError(f"outcome: {outcome!r} is not one of o, x, -, r, m",
                              details={"outcome": outcome}) from None
    current = series[entry.id]
    jumped_off = [jump for jump in flight.jump_off if jump.entry_id == entry.bib]
    number = _count(current) + len(jumped_off) + 1
    if isinstance(current, VerticalSeries) and series_over(current):
        standing = standings_of(flight, rounds)
        if standing.jump_off is not None and entry.bib in standing.jump_off.tied:
            return _record_jump_off(session, actor, flight, entry, number, outcome,
                                    height_mm or standing.jump_off.height_mm, rounds)
    if isinstance(current, VerticalSeries):
        if height_mm is None:
            raise ValidationError(f"entry {entry.bib}, attempt {number}: the bar height is"
                                  " required", details={"height": "required"})
        series[entry.id] = record_attempt(current, height_mm, outcome)
    else:
        if kind is AttemptOutcome.RETIRED:
            raise ValidationError(
                f"entry {entry.bib}, trial {number}: r (retired) is for vertical jumps;"
                " record the remaining trials as passes",
                details={"entry": entry.bib, "trial": number, "outcome": "m, x or -"})
        if (kind is AttemptOutcome.MARK) != (mark_mm is not None) or (mark_mm or 0) < 0:
            raise ValidationError(
                f"entry {entry.bib}, trial {number}: a valid trial (m) has a mark of 0 mm or"
                " more; a foul or a pass has none",
                details={"entry": entry.bib, "trial": number, "mark": mark_mm})
        trial = Trial(_TRIAL_OF_OUTCOME[kind], mark_mm,
                      wind if kind is not AttemptOutcome.PASSED else None)
        series[entry.id] = replace(current, trials=(*current.trials, trial))
        validate_horizontal([s for s in series.values() if isinstance(s, HorizontalSeries)],
                            rounds)
    service.record_attempt(session, actor, Attempt(
        heat=heat, entry=entry, sequence=number, outcome=kind,
        height=height_mm if vertical else None,
        mark=mark_mm if kind is AttemptOutcome.MARK else None,
        wind=None if vertical or kind is AttemptOutcome.PASSED else wind,
    ))
    return standings_of(flight, rounds)


def _record_jump_off(
    session: Session, actor: Actor, flight: Flight, entry: Entry, number: int, outcome: str,
    height_mm: int | None, rounds: TrialRounds,
) -> FlightStandings:
    """A tied athlete's jump-off attempt, checked against the jump-off so far (TR 26.9)."""
    jump = JumpOffJump(entry.bib, height_mm or 0, outcome)
    flight.jump_off.append(jump)
    standing = standings_of(flight, rounds)  # refuses a jump the rules do not allow
    service.record_attempt(session, actor, Attempt(
        heat=flight.heat, entry=entry, sequence=number, outcome=AttemptOutcome(outcome),
        height=jump.height_mm, jump_off=True))
    return standing


def record_numbered_attempt(
    session: Session,
    actor: Actor,
    heat: Heat,
    entry: Entry,
    number: int | None,
    *,
    outcome: str,
    height_mm: int | None = None,
    mark_mm: int | None = None,
    wind: int | None = None,
) -> bool:
    """Record ``entry``'s attempt ``number`` (None: its next); False when that very attempt
    is stored already (a tablet sending it again after a lost answer, or a second tablet).

    The number makes a write idempotent without a key store: the same attempt sent twice
    is stored once, and an attempt ``n`` that differs from the stored ``n`` (two judges
    typing different things) is refused naming both, never stored as ``n + 1``. Two tablets
    sending at the same moment are taken one after the other (a lock on the entry's row), so
    the second sees the first's attempt.
    """
    session.execute(select(Entry.id).where(Entry.id == entry.id).with_for_update())
    stored = session.scalars(select(Attempt).where(
        Attempt.heat_id == heat.id, Attempt.entry_id == entry.id).order_by(Attempt.sequence)
    ).all()
    if number is not None and number <= len(stored):
        same = stored[number - 1]
        height = same.height if height_mm is None else height_mm  # a jump-off's is the rule's
        wanted = (outcome, height, mark_mm if outcome == AttemptOutcome.MARK.value else None)
        if (same.outcome.value, same.height, same.mark) == wanted:
            return False
        raise ConflictError(
            f"bib {entry.bib}: attempt {number} is already recorded as {_shown(same)}",
            details={"entry": entry.bib, "attempt": number, "stored": _shown(same)})
    if number is not None and number != len(stored) + 1:
        raise ConflictError(
            f"bib {entry.bib}: attempt {number} cannot come before attempt {len(stored) + 1}",
            details={"entry": entry.bib, "attempt": number, "next": len(stored) + 1})
    record_field_attempt(session, actor, heat, entry, outcome=outcome, height_mm=height_mm,
                         mark_mm=mark_mm, wind=wind)
    return True


def record_written_attempt(
    session: Session,
    actor: Actor,
    heat: Heat,
    entry: Entry,
    number: int | None,
    *,
    outcome: str | None = None,
    height: str | None = None,
    trial: str | None = None,
    wind: str | None = None,
) -> bool:
    """An attempt as a judge writes it on the sheet: ``o``/``x``/``-``/``r`` at a bar height
    (``"2.05"``; left out in a jump-off, where the rule sets it) in a vertical jump;
    ``"8.41"``, ``"x"`` or ``"-"`` (with the wind where it is measured) in a horizontal jump
    or throw. See :func:`record_numbered_attempt`."""
    vertical = round_discipline(heat.round).vertical
    if vertical:
        if outcome not in {"o", "x", "-", "r"} or trial is not None:
            raise ValidationError(
                f"bib {entry.bib}: a high jump or pole vault attempt is o, x, - or r at a bar "
                "height (outcome and height)",
                details={"outcome": outcome, "height": height})
        return record_numbered_attempt(
            session, actor, heat, entry, number, outcome=outcome,
            height_mm=parse_mark(height, Measure.HEIGHT, field="height") if height else None)
    if not trial or outcome is not None or height is not None:
        raise ValidationError(
            f"bib {entry.bib}: a jump or throw is written as its mark (8.41), x or - (trial)",
            details={"trial": trial})
    measured_wind = round_discipline(heat.round).wind
    if wind and not measured_wind:
        raise ValidationError(f"wind: no wind is measured in {heat.round.event.name}",
                              details={"wind": wind})
    written = parse_trial(trial, wind=wind or None, field="trial")
    kind = {TrialResult.VALID: AttemptOutcome.MARK, TrialResult.FOUL: AttemptOutcome.FAILED,
            TrialResult.PASS: AttemptOutcome.PASSED}[written.result]
    return record_numbered_attempt(session, actor, heat, entry, number, outcome=kind.value,
                                   mark_mm=written.mark_mm, wind=written.wind)


def _shown(attempt: Attempt) -> str:
    if attempt.outcome is AttemptOutcome.MARK and attempt.mark is not None:
        return format_mark(attempt.mark, Measure.DISTANCE)
    if attempt.height is not None:
        return f"{attempt.outcome.value} at {format_mark(attempt.height, Measure.HEIGHT)}"
    return attempt.outcome.value


def record_attempt_of_form(session: Session, actor: Actor, attempt: Attempt) -> None:
    """An attempt entered on its own (the admin form), checked against the whole series.

    It becomes the entry's next attempt in the flight, as :func:`record_field_attempt`
    records it; the form's unsaved row only carries the values.
    """
    heat = current_related(session, attempt, "heat")
    entry = current_related(session, attempt, "entry")
    if heat is None or entry is None:
        raise ValidationError("heat and entry are required",
                              details={"heat": "required", "entry": "required"})
    if attempt.outcome is None:
        raise ValidationError("outcome: choose o, x, -, r or m", details={"outcome": "required"})
    record_field_attempt(session, actor, heat, entry, outcome=attempt.outcome.value,
                         height_mm=attempt.height, mark_mm=attempt.mark, wind=attempt.wind)


def undo_last_attempt(
    session: Session,
    actor: Actor,
    heat: Heat,
    entry: Entry | None = None,
    *,
    rounds: TrialRounds = STANDARD_TRIALS,
) -> FlightStandings:
    """Remove the last attempt of ``entry`` (or the flight's last recorded attempt)."""
    query = select(Attempt).where(Attempt.heat_id == heat.id)
    if entry is not None:
        query = query.where(Attempt.entry_id == entry.id).order_by(Attempt.sequence.desc())
    else:
        query = query.order_by(Attempt.created_at.desc(), Attempt.id.desc())
    last = session.scalars(query.limit(1)).first()
    if last is None:
        who = f"bib {entry.bib}" if entry is not None else "this flight"
        raise ConflictError(f"{who} has no attempt to undo", details={"heat": heat.id})
    service.delete_attempt(session, actor, last)
    return flight_standings(session, heat, rounds=rounds)


def derive_field_results(session: Session, actor: Actor, heats: Sequence[Heat]) -> int:
    """Write each flight's standing into its results; returns how many results changed."""
    changed = 0
    for heat in heats:
        if round_discipline(heat.round).measure is Measure.TIME:
            raise ValidationError(f"{heat!r} is a race: its results are not derived from"
                                  " attempts", details={"heat": heat.id})
        standing = flight_standings(session, heat)
        if standing.jump_off is not None and not standing.jump_off.decided:
            tied = " and ".join(standing.jump_off.tied)
            raise ConflictError(
                f"{heat!r}: bibs {tied} are tied for first; record the jump-off, or r for"
                " each of them if they decline it and share first place",
                details={"heat": heat.id, "tied": list(standing.jump_off.tied)})
        stored = {r.entry_id: r for r in session.scalars(
            select(Result).where(Result.heat_id == heat.id)).all()}
        for line in standing.standings:
            status = (ResultStatus.OK if line.best_mm is not None
                      else ResultStatus.NM if line.attempts else ResultStatus.DNS)
            values = {"mark": line.best_mm, "place": line.place, "status": status,
                      "wind": line.wind}
            result = stored.get(line.entry_id)
            if result is None:
                service.record_result(session, actor, Result(
                    heat=heat, entry_id=line.entry_id, entry=session.get(Entry, line.entry_id),
                    source=ResultSource.MANUAL, **values))
                changed += 1
                continue
            before = snapshot(result)
            for name, value in values.items():
                setattr(result, name, value)
            if service.correct_result(session, actor, result, before,
                                      reason="derived from the field series") is not None:
                changed += 1
    return changed
