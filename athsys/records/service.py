"""Records and bests applied when a heat becomes official.

For every OK result of the heat, the flags it earns (:func:`athsys.results.records.records_earned`)
are stored on the result (``Result.record_flags``) against the records standing before it:

- WR: the world record of the discipline, sex and age category (``region`` empty);
- NR: the national record, ``region`` = the athlete's nationality;
- MR: the meeting record, ``region`` = the competition's name;
- CR: the championship record, ``region`` = the championship the competition is an edition
  of (``Competition.championship``), when it is one;
- PB and SB: the athlete's personal best and best of the season (the year of the
  competition), whatever the age category.

The athlete's PB and SB rows are then raised (or created) when the mark beats them; an
equal mark leaves the older best standing. World, national and meeting records are
ratified, not assumed: they are flagged but not changed here. A mark made with a
following wind above +2.0 m/s, where wind is measured, counts for nothing of this.

A hand-timed result (``Result.hand_timed``) makes no record and its bests follow the rules
of :mod:`athsys.results.records`: a best it sets keeps ``Record.hand_timed``, published
"10.4h PB"; in the sprints a hand time never displaces a fully automatic best.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.athletes.models import Athlete
from athsys.audit.service import record, snapshot
from athsys.competitions.combined_rounds import round_discipline
from athsys.competitions.models import Entry, Event, Heat
from athsys.records.models import Record, RecordScope
from athsys.results.models import Result
from athsys.results.records import (
    ExistingRecords,
    RecordKind,
    compare_with_best,
    hand_comparable,
    records_earned,
)
from athsys.sport.conditions import wind_assisted
from athsys.sport.disciplines import Discipline
from athsys.sport.ranking import ResultStatus


def apply_official_heats(
    session: Session, actor: Actor, heats: Sequence[Heat]
) -> dict[int, tuple[str, ...]]:
    """Flag the results of official heats and raise the athletes' bests.

    Returns the flags of every result that earned any (result id -> ``("PB", "SB")``).
    Call it in the transaction that marks the heats official.
    """
    flagged: dict[int, tuple[str, ...]] = {}
    for heat in heats:
        found = round_discipline(heat.round)
        event = heat.round.event
        day = event.competition.start_date
        results = session.scalars(
            select(Result).join(Entry, Result.entry_id == Entry.id)
            .where(Result.heat_id == heat.id).order_by(Result.id)
        ).all()
        for result in results:
            flags = _flags_for(session, result, found, event, day)
            if list(flags) != list(result.record_flags or []):
                result.record_flags = list(flags)
            if flags:
                flagged[result.id] = flags
                _raise_bests(session, actor, result, found, event, day, flags)
        session.flush()
        if any(r.id in flagged for r in results):
            record(session, actor, "record_flags", "Heat", heat.id,
                   {str(r.id): list(flagged[r.id]) for r in results if r.id in flagged})
    return flagged


def _eligible(result: Result, found: Discipline) -> bool:
    if result.status is not ResultStatus.OK or result.mark is None or result.mark <= 0:
        return False
    wind = result.wind if result.wind is not None else result.heat.wind
    return not wind_assisted(wind, found.wind)


def _flags_for(
    session: Session, result: Result, found: Discipline, event: Event, day: date
) -> tuple[str, ...]:
    if not _eligible(result, found):
        return ()
    athlete = result.entry.athlete
    # a relay team has no personal or season best; its nation is its club's country
    personal = (_best_row(session, RecordScope.PERSONAL_BEST, found.code, athlete, None)
                if athlete is not None else None)
    season = (_best_row(session, RecordScope.SEASON_BEST, found.code, athlete, day.year)
              if athlete is not None else None)
    club = result.entry.club
    nation = athlete.nationality if athlete is not None else (club.country if club else None)
    existing = ExistingRecords(
        world=_record_mark(session, RecordScope.WORLD, found.code, event, None),
        national=(_record_mark(session, RecordScope.NATIONAL, found.code, event, nation)
                  if nation else None),
        meeting=_record_mark(session, RecordScope.MEETING, found.code, event,
                             event.competition.name),
        championship=(_record_mark(session, RecordScope.CHAMPIONSHIP, found.code, event,
                                   event.competition.championship)
                      if event.competition.championship else None),
        personal_best=personal.mark if personal is not None else None,
        season_best=season.mark if season is not None else None,
        personal_best_hand=personal is not None and personal.hand_timed,
        season_best_hand=season is not None and season.hand_timed,
    )
    earned = records_earned(result.mark or 0, found.measure, existing, road=found.road,
                            hand=result.hand_timed, comparable=hand_comparable(found.code))
    personal_kinds = {RecordKind.PB, RecordKind.SB} if athlete is None else set()
    return tuple(kind.value for kind in earned if kind not in personal_kinds)


def _record_mark(
    session: Session, scope: RecordScope, code: str, event: Event, region: str | None
) -> int | None:
    query = select(Record.mark).where(
        Record.scope == scope, Record.discipline_code == code, Record.sex == event.sex,
        Record.age_category == event.age_category,
    )
    query = query.where(Record.region.is_(None) if region is None else Record.region == region)
    return session.scalars(query).first()


def _best_row(
    session: Session, scope: RecordScope, code: str, athlete: Athlete, season: int | None
) -> Record | None:
    query = select(Record).where(
        Record.scope == scope, Record.discipline_code == code, Record.athlete_id == athlete.id)
    if season is not None:
        query = query.where(Record.season == season)
    return session.scalars(query.order_by(Record.id)).first()


def _raise_bests(
    session: Session, actor: Actor, result: Result, found: Discipline, event: Event, day: date,
    flags: tuple[str, ...],
) -> None:
    athlete = result.entry.athlete
    if athlete is None:  # a relay team: no personal bests to raise
        return
    for kind, scope, season in (
        (RecordKind.PB, RecordScope.PERSONAL_BEST, None),
        (RecordKind.SB, RecordScope.SEASON_BEST, day.year),
    ):
        if kind.value not in flags:
            continue
        row = _best_row(session, scope, found.code, athlete, season)
        mark = result.mark or 0
        if row is not None and compare_with_best(
                mark, row.mark, found.measure, road=found.road, hand=result.hand_timed,
                best_hand=row.hand_timed, comparable=hand_comparable(found.code)) <= 0:
            continue  # equalled: the older best stands
        values = {"mark": mark, "set_on": day, "venue": event.competition.venue,
                  "holder_name": athlete.full_name, "hand_timed": result.hand_timed}
        if row is None:
            row = Record(scope=scope, discipline_code=found.code, sex=athlete.sex,
                         athlete_id=athlete.id, season=season, **values)
            session.add(row)
            session.flush()
            record(session, actor, "create", "Record", row.id, snapshot(row))
        else:
            before, before_hand = row.mark, row.hand_timed
            for name, value in values.items():
                setattr(row, name, value)
            session.flush()
            changes: dict[str, object] = {"mark": {"before": before, "after": mark},
                                          "result_id": result.id}
            if before_hand != result.hand_timed:
                changes["hand_timed"] = {"before": before_hand, "after": result.hand_timed}
            record(session, actor, "update", "Record", row.id, changes)
